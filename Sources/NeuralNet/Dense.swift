/// A fully connected layer, `y = f(x · W + b)`, with the kernel stored (in, out) like Keras.
///
/// Forward is one GEMM (split between threads by batch rows, or by depth for a deep layer) followed
/// by a single fused bias + activation pass (relu, sigmoid); backward is two GEMMs (dW = xᵀ·dz,
/// dx = dz·Wᵀ, transposes done by BLAS, both split by input features) plus a column sum for db. A
/// product whose sparse operand (x, or dz for dx) is mostly zeros skips them instead
/// (SparseProduct.swift).
/// Buffers are kept between batches and only reallocated when the batch size changes.
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
    /// The input's nonzeros by rows (forward) and by columns (dW), dz's by rows (dx) and by
    /// columns (dW), when sparse enough to skip the zeros (SparseProduct.swift). Break-even
    /// densities measured in training: the products with the weights (forward, dx) copy a panel
    /// of them per call and win below ~55-60 % nonzero (the Colab MLP's dx at 48 % took 6 % less
    /// time sparse than by sgemm, its first forward at 50 % 3-5 % less; ~40 % before the weights'
    /// shares were lined up with the optimizer's); dW, whose inner size is the batch, below ~60 %
    /// (~50 % by dz, whose product is written transposed).
    private static let weightProductMaxDensity = 0.55
    private let inputRows = CompressedLines(maxDensity: weightProductMaxDensity)
    /// Each thread's partial output of a forward split by depth, and its share of the input's
    /// nonzeros by rows.
    private let partialSums = ScratchBuffer<Float>()
    private var depthRows: [CompressedLines] = []
    private let inputColumns = CompressedLines(maxDensity: 0.6)
    private let gradientRows = CompressedLines(maxDensity: weightProductMaxDensity)
    private let gradientColumns = CompressedLines(maxDensity: 0.5)

    /// How dW = xᵀ·dz is computed for a batch: by sgemm, skipping the zeros of x (dW's rows are
    /// sums over x's columns), or skipping those of dz (dWᵀ = dzᵀ·x, written transposed).
    private enum WeightGradientProduct { case dense, sparseInput, sparseGradient }

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
                        let blocks = BLAS.rowBlocks(m: n, n: u, k: k)
                        let trySparse = CompressedLines.suits(lines: n, length: k, outputs: u)
                        // A deep product (more input features than batch rows per thread) is split
                        // by depth: each thread multiplies its share of the features by its share
                        // of W's rows (the rows it updates in the optimizer and its dW share in
                        // backward, so they stay in its cache) into a partial output, and the
                        // partials are added in order. Split by batch rows instead, every thread
                        // would pack all of W, and one slowed thread kept the other waiting
                        // (~15 % of the small CNN's 4608 x 128 layer); split by columns, as the
                        // sparse product below is, each thread reads W rows the other just updated.
                        // Each share skips the zeros of its own features when they are sparse
                        // enough (a choice made from its values alone, so runs still repeat); then
                        // the shares hold equal nonzeros rather than equal features
                        // (`balancedSplit`: 9 % off the Colab MLP's epoch on Fashion-MNIST).
                        if blocks.count > 1 && k > blocks.count * n {
                            let depth = trySparse
                                ? CompressedLines.balancedSplit(of: xp.baseAddress!, lines: n, length: k, parts: blocks.count)
                                : BLAS.split(k, parts: blocks.count)
                            let partial = self.partialSums.reserve(depth.count * n * u)
                            while self.depthRows.count < depth.count {
                                self.depthRows.append(CompressedLines(maxDensity: Self.weightProductMaxDensity))
                            }
                            ThreadPool.run(parts: depth.count) { p in
                                let r = depth[p], x = xp.baseAddress! + r.lowerBound, w = wp.baseAddress! + r.lowerBound * u
                                let rows = self.depthRows[p]
                                if trySparse, !rows.looksTooDense(lines: n, length: r.count, of: x, lineStride: k, step: 1) {
                                    rows.reserve(lines: n, length: r.count)
                                    if rows.compress(0..<n, of: x, lineStride: k, step: 1) != nil {
                                        return rows.multiply(lines: 0..<n, by: w, ldb: u, n: u, into: partial + p * n * u, ldc: u)
                                    }
                                }
                                BLAS.gemm(m: n, n: u, k: r.count, a: x, lda: k, b: w, ldb: u, c: partial + p * n * u, ldc: u)
                            }
                            ThreadPool.run(parts: blocks.count) { p in
                                let r = blocks[p]
                                let y = yp.baseAddress! + r.lowerBound * u
                                y.update(from: partial + r.lowerBound * u, count: r.count * u)
                                for q in 1..<depth.count {
                                    let s = partial + q * n * u + r.lowerBound * u
                                    for i in 0..<r.count * u { y[i] += s[i] }
                                }
                                self.addBiasAndActivate(y, rows: r.count, cols: u, bias: b)
                            }
                            return
                        }
                        if trySparse,
                            !inputRows.looksTooDense(lines: n, length: k, of: xp.baseAddress!, lineStride: k, step: 1),
                            inputRows.compressRows(of: xp.baseAddress!, blocks: blocks, length: k)
                        {
                            // Mostly zeros (relu and dropout upstream): skip them, each thread
                            // taking a share of the columns and, for an element-wise activation,
                            // finishing those columns; softmax needs whole rows, so a run by rows.
                            let columns = CompressedLines.columnParts(u)
                            let elementWise = self.activation != .softmax
                            ThreadPool.run(parts: columns.count) { p in
                                let c = columns[p]
                                let y = yp.baseAddress! + c.lowerBound
                                self.inputRows.multiply(
                                    lines: 0..<n, by: wp.baseAddress! + c.lowerBound, ldb: u, transposed: false,
                                    n: c.count, into: y, ldc: u)
                                guard elementWise else { return }
                                let bias = b.map { $0 + c.lowerBound }
                                for i in 0..<n { self.addBiasAndActivate(y + i * u, rows: 1, cols: c.count, bias: bias) }
                            }
                            if !elementWise {
                                ThreadPool.run(parts: blocks.count) { p in
                                    let r = blocks[p]
                                    self.addBiasAndActivate(yp.baseAddress! + r.lowerBound * u, rows: r.count, cols: u, bias: b)
                                }
                            }
                            return
                        }
                        // Otherwise each thread multiplies its rows and applies bias and activation
                        // to them while they are still in its cache.
                        ThreadPool.run(parts: blocks.count) { p in
                            let r = blocks[p]
                            let y = yp.baseAddress! + r.lowerBound * u
                            BLAS.gemm(
                                m: r.count, n: u, k: k, a: xp.baseAddress! + r.lowerBound * k, lda: k,
                                b: wp.baseAddress!, ldb: u, c: y, ldc: u)
                            self.addBiasAndActivate(y, rows: r.count, cols: u, bias: b)
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

    /// y = f(y + b) on `rows` rows of `cols` values (all the units, or a share of them for an
    /// element-wise activation), in one pass where a fused kernel exists.
    private func addBiasAndActivate(_ y: UnsafeMutablePointer<Float>, rows: Int, cols u: Int, bias b: UnsafePointer<Float>?) {
        if let b {
            switch activation {
            case .relu?: return Kernels.addBiasRelu(rows: rows, cols: u, y: y, bias: b)
            case .sigmoid?: return Kernels.addBiasSigmoid(rows: rows, cols: u, y: y, bias: b)
            default: Kernels.addBias(rows: rows, cols: u, y: y, bias: b)
            }
        }
        activation?.apply(UnsafeMutableBufferPointer(start: y, count: rows * u), rows: rows, cols: u)
    }

    /// Two parallel runs: by rows of the batch, the activation's gradient dz (and dz's rows
    /// compressed when it may be sparse); then by input features, dW = xᵀ·dz for those rows of
    /// the kernel, dx = dz·Wᵀ for those columns (both reading the same rows of W), and a share of
    /// db's columns (whole columns, so the sums do not depend on the split). In between, when dW
    /// may skip zeros, a run that compresses x and dz by columns.
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
        // dx skips dz's zeros when every part finds it sparse enough.
        let trySparseInputGradient = inputGradient && CompressedLines.suits(lines: n, length: u, outputs: k)
        if trySparseInputGradient { gradientRows.reserve(lines: n, length: u) }
        dy.data.withUnsafeBufferPointer { dyp in
            dz.withUnsafeMutableBufferPointer { dzp in
                // The gradient at the pre-activation: dz when there is an activation, else dy.
                let g = activation == nil ? dyp.baseAddress! : UnsafePointer(dzp.baseAddress!)
                kernel.value.data.withUnsafeBufferPointer { wp in
                    dx.data.withUnsafeMutableBufferPointer { dxp in
                        let blocks = BLAS.rowBlocks(m: n, n: k, k: u)
                        let sparseInputGradient = output.data.withUnsafeBufferPointer { yp in
                            ThreadPool.all(parts: blocks.count) { p in
                                let r = blocks[p], at = r.lowerBound * u
                                if let activation {
                                    activation.gradient(
                                        y: UnsafeBufferPointer(rebasing: yp[at..<at + r.count * u]), dy: dyp.baseAddress! + at,
                                        dz: dzp.baseAddress! + at, rows: r.count, cols: u)
                                }
                                guard trySparseInputGradient else { return false }
                                return self.gradientRows.compress(r, of: g, lineStride: u, step: 1) != nil
                            }
                        }
                        input.data.withUnsafeBufferPointer { xp in
                            let x = xp.baseAddress!
                            let product = weightGradientProduct(x: x, g: g, batch: n)
                            kernel.grad.data.withUnsafeMutableBufferPointer { gw in
                                withBiasGradient { gb in
                                    // dW's rows split so each part skips as many of x's zeros, when dx
                                    // does not need them on panel bounds.
                                    let features =
                                        sparseInputGradient || product == .sparseGradient
                                        ? CompressedLines.columnParts(k)
                                        : product == .sparseInput && !inputGradient
                                            ? CompressedLines.balancedSplit(of: x, lines: n, length: k, parts: BLAS.rowBlocks(m: k, n: u, k: n).count)
                                            : BLAS.rowBlocks(m: k, n: u, k: n)
                                    ThreadPool.run(parts: features.count) { p in
                                        let r = features[p]
                                        let dW = gw.baseAddress! + r.lowerBound * u
                                        switch product {
                                        case .sparseInput:
                                            self.inputColumns.multiply(lines: r, by: g, ldb: u, n: u, into: dW, ldc: u)
                                        case .sparseGradient:
                                            self.gradientColumns.multiply(
                                                lines: 0..<u, by: x + r.lowerBound, ldb: k, n: r.count, into: dW, ldc: u,
                                                transposedOutput: true)
                                        case .dense:
                                            BLAS.gemm(
                                                transA: true, m: r.count, n: u, k: n, a: x + r.lowerBound, lda: k,
                                                b: g, ldb: u, c: dW, ldc: u)
                                        }
                                        // dx's columns r = dz·W[r]ᵀ: the rows of W this part also writes dW for.
                                        if sparseInputGradient {
                                            self.gradientRows.multiply(
                                                lines: 0..<n, by: wp.baseAddress! + r.lowerBound * u, ldb: u, transposed: true,
                                                n: r.count, into: dxp.baseAddress! + r.lowerBound, ldc: k)
                                        } else if inputGradient {
                                            BLAS.gemm(
                                                transB: true, m: n, n: r.count, k: u, a: g, lda: u,
                                                b: wp.baseAddress! + r.lowerBound * u, ldb: u, c: dxp.baseAddress! + r.lowerBound, ldc: k)
                                        }
                                        if let gb {
                                            let c0 = u * p / features.count, c1 = u * (p + 1) / features.count
                                            Kernels.columnSums(rows: n, cols: c1 - c0, stride: u, d: g + c0, into: gb + c0)
                                        }
                                    }
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

    /// Picks how dW = xᵀ·dz is computed and compresses the operand it skips the zeros of (by
    /// columns, each thread a share). From sampled densities, the cheaper of x's nonzeros times the
    /// units and twice dz's times the features (by dz, each line is short and the output is written
    /// transposed: per multiply-add it took 1.7-2x as long, timed alone on the first layer of the
    /// Colab MLP) is compressed first; only the one chosen is compressed (compressing both to count
    /// them exactly cost ~2 % of the MLP's step). Should it prove denser than its break-even, the
    /// other is tried, then sgemm; sgemm too when the product is small. Both sparse routes add the
    /// same products over the batch in the same order and differ only in which zero products they
    /// skip, so the choice changes no bit of dW but the sign of a zero.
    private func weightGradientProduct(x: UnsafePointer<Float>, g: UnsafePointer<Float>, batch n: Int) -> WeightGradientProduct {
        let k = inputFeatures, u = units
        var routes: [(product: WeightGradientProduct, cost: Double)] = []
        if CompressedLines.suits(lines: k, length: n, outputs: u) {
            let d = inputColumns.sampledDensity(lines: k, length: n, of: x, lineStride: 1, step: k)
            if d <= inputColumns.maxDensity { routes.append((.sparseInput, d * Double(u))) }
        }
        if CompressedLines.suits(lines: u, length: n, outputs: k) {
            let d = gradientColumns.sampledDensity(lines: u, length: n, of: g, lineStride: 1, step: u)
            if d <= gradientColumns.maxDensity { routes.append((.sparseGradient, 2 * d * Double(k))) }
        }
        if routes.count == 2 && routes[1].cost < routes[0].cost { routes.swapAt(0, 1) }
        for route in routes.map(\.product) {
            let (columns, count, a, step) = route == .sparseInput ? (inputColumns, k, x, k) : (gradientColumns, u, g, u)
            columns.reserve(lines: count, length: n)
            let shares = BLAS.split(count, parts: ThreadPool.available)
            if ThreadPool.all(parts: shares.count, { p in columns.compress(shares[p], of: a, lineStride: 1, step: step) != nil }) {
                return route
            }
        }
        return .dense
    }

    /// Calls `body` with the bias gradient's storage, or nil when the layer has no bias.
    private func withBiasGradient(_ body: (UnsafeMutablePointer<Float>?) -> Void) {
        guard let bias else { return body(nil) }
        bias.grad.data.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
