/// A fully connected layer, `y = f(x · W + b)`, with the kernel stored (in, out) like Keras.
///
/// Forward is one GEMM followed by a single fused bias + activation pass (relu, sigmoid); backward is two GEMMs
/// (dW = xᵀ·dz, dx = dz·Wᵀ, transposes done by BLAS) plus a column sum for db. Buffers are kept
/// between batches and only reallocated when the batch size changes.
///
///     let d = Dense(512, activation: .relu)      // Keras: Dense(512, activation="relu")
public final class Dense: OutputActivationLayer, InputGradientOptional {
    public var name = "dense"
    public var typeName: String { "Dense" }
    public let units: Int
    public let activation: Activation?
    public let useBias: Bool
    public let kernelInitializer: Initializer
    public let biasInitializer: Initializer
    public var outputActivation: Activation? { activation }
    public var skipsActivationGradient = false
    /// When false, `backward` skips dx (the model's first trainable layer needs none) and returns
    /// an empty tensor. `Sequential` manages this.
    public var needsInputGradient = true

    public private(set) var kernel: Parameter?
    public private(set) var bias: Parameter?
    private var inputFeatures = 0
    private var input = Tensor(shape: [0])
    private var output = Tensor(shape: [0])
    private var dz: [Float] = []
    private var dx = Tensor(shape: [0])

    public init(
        _ units: Int, activation: Activation? = nil, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros
    ) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
    }

    public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }

    public var configDescription: String {
        var s = "\(units), activation=\(activation?.rawValue ?? "linear")"
        if !useBias { s += ", use_bias=False" }
        return s
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 1 else {
            throw ShapeError(
                layer: name,
                reason: "expects a flat input (N, features) but gets \(ShapeFormat.plain(input)); add flatten first")
        }
        guard units > 0 else { throw ShapeError(layer: name, reason: "units must be positive, got \(units)") }
        return [units]
    }

    public func build(inputShape: [Int], rng: inout RNG) throws {
        _ = try outputShape(for: inputShape)
        inputFeatures = inputShape[0]
        let w = kernelInitializer.values(count: inputFeatures * units, fanIn: inputFeatures, fanOut: units, rng: &rng)
        kernel = Parameter(name: "kernel", value: Tensor(shape: [inputFeatures, units], data: w), regularized: true)
        if useBias {
            let b = biasInitializer.values(count: units, fanIn: inputFeatures, fanOut: units, rng: &rng)
            bias = Parameter(name: "bias", value: Tensor(shape: [units], data: b), regularized: false)
        } else {
            bias = nil
        }
    }

    public func forward(_ x: Tensor, training: Bool, rng: inout RNG) -> Tensor {
        guard let kernel else { preconditionFailure("\(name): forward before build") }
        let n = x.rows
        precondition(x.rowSize == inputFeatures, "\(name): input has \(x.rowSize) features, expected \(inputFeatures)")
        let u = units
        output.shape = [n, u]
        output.data.resize(n * u)
        x.data.withUnsafeBufferPointer { xp in
            kernel.value.data.withUnsafeBufferPointer { wp in
                output.data.withUnsafeMutableBufferPointer { yp in
                    BLAS.gemm(
                        m: n, n: u, k: inputFeatures, a: xp.baseAddress!, lda: inputFeatures,
                        b: wp.baseAddress!, ldb: u, c: yp.baseAddress!, ldc: u)
                    // Bias and activation in one pass where a fused kernel exists.
                    var activated = false
                    if let bias {
                        bias.value.data.withUnsafeBufferPointer { bp in
                            let y = yp.baseAddress!, b = bp.baseAddress!
                            switch activation {
                            case .relu?: Kernels.addBiasRelu(rows: n, cols: u, y: y, bias: b)
                            case .sigmoid?: Kernels.addBiasSigmoid(rows: n, cols: u, y: y, bias: b)
                            default: Kernels.addBias(rows: n, cols: u, y: y, bias: b)
                            }
                            activated = activation == .relu || activation == .sigmoid
                        }
                    }
                    if !activated { activation?.apply(yp, rows: n, cols: u) }
                }
            }
        }
        input = training ? x : Tensor(shape: [0])
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let kernel else { preconditionFailure("\(name): backward before build") }
        let n = input.rows, u = units, k = inputFeatures
        precondition(dy.count == n * u, "\(name): backward gradient has \(dy.count) values, expected \(n * u)")
        let useActivation = activation != nil && !skipsActivationGradient
        if useActivation { dz.resize(n * u) }
        if needsInputGradient {
            dx.shape = [n, k]
            dx.data.resize(n * k)
        }
        dy.data.withUnsafeBufferPointer { dyp in
            dz.withUnsafeMutableBufferPointer { dzBuf in
                var g = dyp.baseAddress!
                if useActivation, let activation {
                    output.data.withUnsafeBufferPointer { yp in
                        activation.gradient(y: yp, dy: g, dz: dzBuf.baseAddress!, rows: n, cols: u)
                    }
                    g = UnsafePointer(dzBuf.baseAddress!)
                }
                input.data.withUnsafeBufferPointer { xp in
                    kernel.grad.data.withUnsafeMutableBufferPointer { gw in
                        BLAS.gemm(
                            transA: true, m: k, n: u, k: n, a: xp.baseAddress!, lda: k,
                            b: g, ldb: u, c: gw.baseAddress!, ldc: u)
                    }
                }
                if let bias {
                    bias.grad.data.withUnsafeMutableBufferPointer { gb in
                        Kernels.columnSums(rows: n, cols: u, d: g, into: gb.baseAddress!)
                    }
                }
                if needsInputGradient {
                    kernel.value.data.withUnsafeBufferPointer { wp in
                        dx.data.withUnsafeMutableBufferPointer { dxp in
                            BLAS.gemm(
                                transB: true, m: n, n: k, k: u, a: g, lda: u,
                                b: wp.baseAddress!, ldb: u, c: dxp.baseAddress!, ldc: k)
                        }
                    }
                }
            }
        }
        input = Tensor(shape: [0])  // release so the previous layer's buffer is unique again
        return needsInputGradient ? dx : Tensor(shape: [0])
    }
}
