/// Reshapes each sample to one dimension, (28, 28, 1) → (784); no copy.
public final class Flatten: Layer {
    public var name = "flatten"
    public var typeName: String { "Flatten" }
    public var parameters: [Parameter] { [] }
    public var configDescription: String { "" }
    private var inputShape: [Int] = []

    public init() {}

    public func outputShape(for input: [Int]) throws -> [Int] { [input.reduce(1, *)] }

    public func build(inputShape: [Int], rng: inout RNG) throws { self.inputShape = inputShape }

    public func forward(_ x: Tensor, training: Bool, rng: inout RNG) -> Tensor {
        x.reshaped([x.rows, x.rowSize])
    }

    public func backward(_ dy: Tensor) -> Tensor {
        dy.reshaped([dy.rows] + inputShape)
    }
}
