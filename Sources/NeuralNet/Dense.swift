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
        let n = x.rows, u = units, k = inputFeatures
        precondition(x.rowSize == k, "\(name): input has \(x.rowSize) features, expected \(k)")
        output.shape = [n, u]
        output.data.resize(n * u)
        x.data.withUnsafeBufferPointer { xp in
            kernel.value.data.withUnsafeBufferPointer { wp in
                output.data.withUnsafeMutableBufferPointer { yp in
                    withBias { b in
                        // Each thread multiplies its rows and applies bias and activation to them
                        // while they are still in its cache.
                        let blocks = BLAS.rowBlocks(m: n, n: u, k: k)
                        ThreadPool.run(parts: blocks.count) { p in
                            let r = blocks[p]
                            let y = yp.baseAddress! + r.lowerBound * u
                            BLAS.gemm(
                                m: r.count, n: u, k: k, a: xp.baseAddress! + r.lowerBound * k, lda: k,
                                b: wp.baseAddress!, ldb: u, c: y, ldc: u)
                            self.addBiasAndActivate(y, rows: r.count, bias: b)
                        }
                    }
                }
            }
        }
        input = training ? x : Tensor(shape: [0])
        return output
    }

    /// Calls `body` with the bias values, or nil when the layer has none.
    private func withBias<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let bias else { return body(nil) }
        return bias.value.data.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// y = f(y + b) on `rows` rows, in one pass where a fused kernel exists.
    private func addBiasAndActivate(_ y: UnsafeMutablePointer<Float>, rows: Int, bias b: UnsafePointer<Float>?) {
        let u = units
        if let b {
            switch activation {
            case .relu?: return Kernels.addBiasRelu(rows: rows, cols: u, y: y, bias: b)
            case .sigmoid?: return Kernels.addBiasSigmoid(rows: rows, cols: u, y: y, bias: b)
            default: Kernels.addBias(rows: rows, cols: u, y: y, bias: b)
            }
        }
        activation?.apply(UnsafeMutableBufferPointer(start: y, count: rows * u), rows: rows, cols: u)
    }

    /// Two parallel runs: by rows of the batch, the activation's gradient dz and the input
    /// gradient dx = dz·Wᵀ for those rows; then by rows of the kernel, dW = xᵀ·dz, each part also
    /// summing its share of db's columns (whole columns, so the sums do not depend on the split).
    public func backward(_ dy: Tensor) -> Tensor {
        guard let kernel else { preconditionFailure("\(name): backward before build") }
        let n = input.rows, u = units, k = inputFeatures
        precondition(dy.count == n * u, "\(name): backward gradient has \(dy.count) values, expected \(n * u)")
        let activation = skipsActivationGradient ? nil : self.activation
        if activation != nil { dz.resize(n * u) }
        let inputGradient = needsInputGradient
        if inputGradient {
            dx.shape = [n, k]
            dx.data.resize(n * k)
        }
        dy.data.withUnsafeBufferPointer { dyp in
            dz.withUnsafeMutableBufferPointer { dzp in
                // The gradient at the pre-activation: dz when there is an activation, else dy.
                let g = activation == nil ? dyp.baseAddress! : UnsafePointer(dzp.baseAddress!)
                output.data.withUnsafeBufferPointer { yp in
                    kernel.value.data.withUnsafeBufferPointer { wp in
                        dx.data.withUnsafeMutableBufferPointer { dxp in
                            let blocks = BLAS.rowBlocks(m: n, n: k, k: u)
                            ThreadPool.run(parts: blocks.count) { p in
                                let r = blocks[p], at = r.lowerBound * u
                                if let activation {
                                    activation.gradient(
                                        y: UnsafeBufferPointer(rebasing: yp[at..<at + r.count * u]), dy: dyp.baseAddress! + at,
                                        dz: dzp.baseAddress! + at, rows: r.count, cols: u)
                                }
                                guard inputGradient else { return }
                                BLAS.gemm(
                                    transB: true, m: r.count, n: k, k: u, a: g + at, lda: u,
                                    b: wp.baseAddress!, ldb: u, c: dxp.baseAddress! + r.lowerBound * k, ldc: k)
                            }
                        }
                    }
                }
                input.data.withUnsafeBufferPointer { xp in
                    kernel.grad.data.withUnsafeMutableBufferPointer { gw in
                        withBiasGradient { gb in
                            let blocks = BLAS.rowBlocks(m: k, n: u, k: n)
                            ThreadPool.run(parts: blocks.count) { p in
                                let r = blocks[p]
                                BLAS.gemm(
                                    transA: true, m: r.count, n: u, k: n, a: xp.baseAddress! + r.lowerBound, lda: k,
                                    b: g, ldb: u, c: gw.baseAddress! + r.lowerBound * u, ldc: u)
                                if let gb {
                                    let c0 = u * p / blocks.count, c1 = u * (p + 1) / blocks.count
                                    Kernels.columnSums(rows: n, cols: c1 - c0, stride: u, d: g + c0, into: gb + c0)
                                }
                            }
                        }
                    }
                }
            }
        }
        input = Tensor(shape: [0])  // release so the previous layer's buffer is unique again
        return inputGradient ? dx : Tensor(shape: [0])
    }

    /// Calls `body` with the bias gradient's storage, or nil when the layer has no bias.
    private func withBiasGradient(_ body: (UnsafeMutablePointer<Float>?) -> Void) {
        guard let bias else { return body(nil) }
        bias.grad.data.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
