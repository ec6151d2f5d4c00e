/// A standalone activation, Keras's `Activation("relu")`.
public final class ActivationLayer: OutputActivationLayer {
    public var name = "activation"
    public var typeName: String { "Activation" }
    public let activation: Activation
    public var outputActivation: Activation? { activation }
    public var skipsActivationGradient = false
    public var parameters: [Parameter] { [] }
    public var configDescription: String { activation.rawValue }
    private var output = Tensor(shape: [0])
    private var dx = Tensor(shape: [0])

    public init(_ activation: Activation) { self.activation = activation }

    public func outputShape(for input: [Int]) throws -> [Int] {
        if activation == .softmax && input.count != 1 {
            throw ShapeError(
                layer: name,
                reason: "softmax expects a flat input (N, classes) but gets \(ShapeFormat.plain(input)); add flatten first")
        }
        return input
    }

    public func build(inputShape: [Int], rng: inout RNG) throws { _ = try outputShape(for: inputShape) }

    public func forward(_ x: Tensor, training: Bool, rng: inout RNG) -> Tensor {
        output.shape = x.shape
        output.data.resize(x.count)
        let cols = x.rowSize, rows = x.rows
        output.data.withUnsafeMutableBufferPointer { yp in
            x.data.withUnsafeBufferPointer { xp in
                for i in 0..<xp.count { yp[i] = xp[i] }
            }
            activation.apply(yp, rows: rows, cols: cols)
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        if skipsActivationGradient { return dy }
        dx.shape = dy.shape
        dx.data.resize(dy.count)
        let cols = dy.rowSize, rows = dy.rows
        output.data.withUnsafeBufferPointer { yp in
            dy.data.withUnsafeBufferPointer { dyp in
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    activation.gradient(y: yp, dy: dyp.baseAddress!, dz: dxp.baseAddress!, rows: rows, cols: cols)
                }
            }
        }
        return dx
    }
}
