import Foundation

/// A 2-D convolution over NHWC images, Keras's `Conv2D(filters, kernel_size, strides, padding)`.
///
/// The kernel has shape (kh, kw, in_channels, filters), Glorot-uniform initialised, the bias
/// (filters) starts at zero. On one input channel with relu or no activation (a first layer), the
/// CPU's vector kernels convolve directly (DirectConv.swift). Otherwise forward copies the
/// receptive fields into a patch matrix (`im2col`) and multiplies it by the kernel with one
/// `BLAS.gemm` per chunk of the batch (one pipeline per thread), writing the NHWC output directly,
/// then applies the activation while the chunk is still in cache; followed by a MaxPool2D, it
/// pools the chunk too (ConvPoolFusion.swift). Backward recomputes the patches chunk by chunk
/// (cheaper than keeping them): dW = patchesᵀ·dY, db = column sums of dY, dPatches = dY·Wᵀ
/// scattered back by `col2im`. With one input channel the patch matrix is stored transposed (long
/// contiguous copies); the copy and element-wise loops are split across `BLAS.threads` threads by
/// sample or row.
///
///     let conv = Conv2D(filters: 32, kernelSize: 5, activation: .relu)
///     try conv.build(inputShape: [28, 28, 1], rng: &rng)   // output (24, 24, 32), 832 params
public final class Conv2D: Layer {
    public var name = "conv2d"
    public var typeName: String { "Conv2D" }
    public let filters: Int
    public let kernelSize: Int
    public let strides: Int
    public let padding: Padding
    /// Fused into the output pass: relu, sigmoid or tanh (softmax is for a final Dense layer).
    public let activation: Activation?
    public let kernelInitializer: Initializer
    public let useBias: Bool
    /// When false, `backward` skips the input gradient (the costliest part for a first layer,
    /// whose input gradient nobody uses) and returns an empty tensor. A model sets this to false
    /// on its first layer.
    public var needsInputGradient = true

    public private(set) var parameters: [Parameter] = []

    var geometry: ConvGeometry?
    /// The last forward's input and output, kept (not copied) for backward. With a fused pool
    /// the output is the pooled output.
    var input: Tensor?
    var output: Tensor?
    /// The max pool fused into this layer's output pass (see `ConvPoolFusion.swift`).
    weak var pool: MaxPool2D?
    /// Whether the MaxPool2D that follows in a model is fused into this layer's forward and
    /// backward (set up by itself after the first batch; the results are the same).
    public var poolsOutput: Bool { pool != nil }
    /// Whether the last forward ran fused with `pool` (so `output` is pooled).
    var lastForwardPooled = false
    /// The pool size of the last fused forward.
    var fusedPoolSize = 0
    /// The Dropout after the fused pool whose mask this layer applies (ConvPoolFusion.swift), and
    /// the mask (key, scale) the last forward applied, if any.
    weak var dropout: Dropout?
    var appliedDropout: (seed: UInt64, scale: Float)?
    /// Fused-pool scratch: per-chunk conv output, argmax per pooled value, masked pooled gradient,
    /// each thread's bias-gradient sums.
    let chunkOutput = ScratchBuffer<Float>()
    let poolArgmax = ScratchBuffer<Int32>()
    let pooledGradient = ScratchBuffer<Float>()
    let biasPartSums = ScratchBuffer<Double>()
    var recycledOutput = RecycledArray()
    /// Scratch buffers reused across batches: patches, patch gradients, activation-masked dY,
    /// a chunk's bias-gradient sums; zeros stand in for the bias when `useBias` is false.
    let cols = ScratchBuffer<Float>()
    let dcols = ScratchBuffer<Float>()
    let maskedGradient = ScratchBuffer<Float>()
    let biasScratch = ScratchBuffer<Float>()
    var zeroBias: [Float] = []
    var recycledGradient = RecycledArray()

    /// Bytes of patch matrix per chunk: small enough that a chunk's patches and output stay in
    /// the L2 cache between the copy, the product and the bias/activation pass.
    static let chunkBytes = 512 * 1024

    public init(
        filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
        activation: Activation? = nil, useBias: Bool = true, kernelInitializer: Initializer = .glorotUniform
    ) {
        precondition(filters > 0 && kernelSize > 0 && strides > 0, "Conv2D: filters, kernelSize and strides must be positive")
        precondition(activation != .softmax, "Conv2D: softmax is not an element-wise activation")
        self.kernelInitializer = kernelInitializer
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
    }

    public var configDescription: String {
        var s = "\(filters), \(kernelSize)x\(kernelSize), strides=\(strides), padding=\(padding.rawValue), "
            + "activation=\(activation?.rawValue ?? "linear")"
        if !useBias { s += ", use_bias=false" }
        return s
    }

    private func geometry(for input: [Int]) throws -> ConvGeometry {
        guard input.count == 3, input.allSatisfy({ $0 > 0 }) else {
            throw ShapeError(
                layer: name,
                reason: "Conv2D needs an image input (height, width, channels) but gets \(Self.shapeText(input)); add conv layers before flatten")
        }
        guard let g = ConvGeometry(
            height: input[0], width: input[1], channels: input[2], kernel: kernelSize, stride: strides, padding: padding)
        else {
            throw ShapeError(
                layer: name,
                reason: "kernel \(kernelSize)x\(kernelSize) does not fit the \(input[0])x\(input[1]) input with padding=valid; "
                    + "use padding=same or a smaller kernel")
        }
        return g
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        let g = try geometry(for: input)
        return [g.outHeight, g.outWidth, filters]
    }

    public func build(inputShape: [Int], rng: inout RNG) throws {
        let g = try geometry(for: inputShape)
        geometry = g
        let fanIn = g.patchSize
        let fanOut = kernelSize * kernelSize * filters
        let w = kernelInitializer.values(count: fanIn * filters, fanIn: fanIn, fanOut: fanOut, rng: &rng)
        parameters = [Parameter(name: "kernel", value: Tensor(shape: [kernelSize, kernelSize, g.channels, filters], data: w), regularized: true)]
        if useBias {
            parameters.append(Parameter(name: "bias", value: Tensor(shape: [filters]), regularized: false))
        } else {
            zeroBias = [Float](repeating: 0, count: filters)
        }
        input = nil
        output = nil
        unlinkPool()
    }

    /// Whether patches are stored transposed ([patchSize, rows]): for one input channel the
    /// row-major patch rows are made of runs too short (kernelWidth values) to copy quickly.
    static func transposedPatches(_ g: ConvGeometry) -> Bool { g.channels == 1 }

    /// Samples per chunk so a chunk's patch matrix stays near `chunkBytes`.
    func chunkSamples(_ g: ConvGeometry, batch: Int) -> Int {
        let perSample = g.positions * g.patchSize * MemoryLayout<Float>.stride
        return max(1, min(batch, Self.chunkBytes / perSample))
    }

    func checkedGeometry(_ x: Tensor) -> ConvGeometry {
        guard let g = geometry else { preconditionFailure("Conv2D \(name): forward before build") }
        precondition(
            x.shape.count == 4 && x.shape[1] == g.height && x.shape[2] == g.width && x.shape[3] == g.channels,
            "Conv2D \(name): built for (\(g.height), \(g.width), \(g.channels)) but given batch shape \(x.shape)")
        return g
    }

    public func forward(_ x: Tensor, training: Bool, rng: inout RNG) -> Tensor {
        if let old = output {
            output = nil
            recycledOutput.keep(old.data)
        }
        input = nil
        // One pipeline for both: see `forwardPipeline` in ConvPoolFusion.swift. A linked dropout's
        // key is drawn here, where the dropout itself would have drawn it (nothing in between draws).
        if let pool, fuses(with: pool) {
            let seed = training && masksOutput(checkedGeometry(x)) ? rng.next() : nil
            return forwardPipeline(x, pool: pool, dropoutSeed: seed)
        }
        return forwardPipeline(x, pool: nil)
    }

    /// out[r, f] = activation(out[r, f] + bias[f]) for `rows` rows, in place.
    func addBiasAndActivate(_ out: UnsafeMutablePointer<Float>, rows: Int, bias: UnsafePointer<Float>) {
        let f = filters
        switch activation {
        case nil:
            guard useBias else { return }
            for r in 0..<rows {
                let o = out + r * f
                for j in 0..<f { o[j] += bias[j] }
            }
        case .relu:
            for r in 0..<rows {
                let o = out + r * f
                for j in 0..<f {
                    let v = o[j] + bias[j]
                    o[j] = v > 0 ? v : 0
                }
            }
        case .sigmoid:
            for r in 0..<rows {
                let o = out + r * f
                for j in 0..<f { o[j] = 1 / (1 + exp(-(o[j] + bias[j]))) }
            }
        case .tanh:
            for r in 0..<rows {
                let o = out + r * f
                for j in 0..<f { o[j] = Foundation.tanh(o[j] + bias[j]) }
            }
        case .softmax:
            preconditionFailure("Conv2D: softmax is rejected in init")
        }
    }

    /// g[r, f] = dy[r, f] * activation'(y[r, f]) for `rows` rows.
    func maskGradient(
        _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, rows: Int, into g: UnsafeMutablePointer<Float>
    ) {
        let f = filters
        switch activation {
        case nil:
            g.update(from: dy, count: rows * f)
        case .relu:
            for i in 0..<rows * f {
                let d = dy[i]  // loaded unconditionally so the loop vectorises
                g[i] = y[i] > 0 ? d : 0
            }
        case .sigmoid:
            for i in 0..<rows * f { g[i] = dy[i] * y[i] * (1 - y[i]) }
        case .tanh:
            for i in 0..<rows * f { g[i] = dy[i] * (1 - y[i] * y[i]) }
        case .softmax:
            preconditionFailure("Conv2D: softmax is rejected in init")
        }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input, let y = output, let g = geometry else {
            preconditionFailure("Conv2D \(name): backward without a forward")
        }
        precondition(dy.shape == y.shape, "Conv2D \(name): gradient shape \(dy.shape) does not match output \(y.shape)")
        if lastForwardPooled { return backwardPooled(dy, input: x, pooled: y, geometry: g) }
        let n = x.rows
        let rowsPerSample = g.positions, k = g.patchSize, f = filters
        let chunk = chunkSamples(g, batch: n)
        let patches = cols.reserve(chunk * rowsPerSample * k)
        let transposed = Self.transposedPatches(g)
        let masked = maskedGradient.reserve(chunk * rowsPerSample * f)
        let patchGradient = needsInputGradient ? dcols.reserve(chunk * rowsPerSample * k) : nil
        let chunkBias = biasScratch.reserve(f)
        var dx = [Float]()
        if needsInputGradient {
            dx = recycledGradient.take(count: x.count)
        }
        // Bias gradient: Float sums within a chunk, Double across chunks.
        var biasSum = [Double](repeating: 0, count: f)
        let kernel = parameters[0]
        kernel.grad.data.withUnsafeMutableBufferPointer { dw in
            dw.update(repeating: 0)
            guard n > 0 else { return }
            x.data.withUnsafeBufferPointer { xp in
                y.data.withUnsafeBufferPointer { yp in
                    dy.data.withUnsafeBufferPointer { dyp in
                        kernel.value.data.withUnsafeBufferPointer { wp in
                            dx.withUnsafeMutableBufferPointer { dxp in
                                for start in stride(from: 0, to: n, by: chunk) {
                                    let m = min(chunk, n - start)
                                    let rows = m * rowsPerSample
                                    let offset = start * rowsPerSample * f
                                    parallelFor(rows, minimumPerPart: 256) { part in
                                        let at = part.lowerBound * f
                                        maskGradient(
                                            dyp.baseAddress! + offset + at, output: yp.baseAddress! + offset + at, rows: part.count,
                                            into: masked + at)
                                    }
                                    if useBias {
                                        // Column sums in one thread, so they do not depend on the thread count.
                                        chunkBias.update(repeating: 0, count: f)
                                        for r in 0..<rows {
                                            let row = masked + r * f
                                            for j in 0..<f { chunkBias[j] += row[j] }
                                        }
                                        for j in 0..<f { biasSum[j] += Double(chunkBias[j]) }
                                    }
                                    g.patches(of: xp.baseAddress! + start * g.inputSize, samples: m, transposed: transposed, into: patches)
                                    BLAS.gemm(
                                        transA: !transposed, m: k, n: f, k: rows, a: patches, lda: transposed ? rows : k,
                                        b: masked, ldb: f, beta: 1, c: dw.baseAddress!, ldc: f)
                                    guard let patchGradient else { continue }
                                    let imageGradient = dxp.baseAddress! + start * g.inputSize
                                    if transposed {
                                        BLAS.gemm(
                                            transB: true, m: k, n: rows, k: f, a: wp.baseAddress!, lda: f,
                                            b: masked, ldb: f, c: patchGradient, ldc: rows)
                                        g.images(from: patchGradient, samples: m, transposed: true, into: imageGradient)
                                    } else {
                                        BLAS.gemm(
                                            transB: true, m: rows, n: k, k: f, a: masked, lda: f,
                                            b: wp.baseAddress!, ldb: f, c: patchGradient, ldc: k)
                                        g.images(from: patchGradient, samples: m, transposed: false, into: imageGradient)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if useBias {
            parameters[1].grad = Tensor(shape: [f], data: biasSum.map { Float($0) })
        }
        guard needsInputGradient else { return Tensor(shape: [0]) }
        recycledGradient.keep(dx)
        return Tensor(shape: x.shape, data: dx)
    }

    /// "(28, 28, 1)": a per-sample shape the way Keras prints it.
    static func shapeText(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
