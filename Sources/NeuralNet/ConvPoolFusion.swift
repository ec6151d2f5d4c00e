import CKernels

// Conv2D + activation + MaxPool2D fused, invisibly to the model.
//
// Why: the (24, 24, 32) output of the small CNN's conv for a batch of 200 is 14.7 MB. Written by
// the conv, read by the pool, and in backward rebuilt by the pool and read twice by the conv, it
// costs several memory passes per batch. Fused, each chunk of conv output is pooled while it is
// still in cache; only the pooled output (a quarter) and each pooled value's argmax leave it, and
// backward expands the pooled gradient chunk by chunk.
//
// How: the layers stay separate (names, summary, parameters). `Sequential` links each Conv2D to a
// MaxPool2D with non-overlapping windows that directly follows it (`Conv2D.link(_:)`); the conv then
// pools its own output and returns the pooled tensor, which the pool passes through, forward and
// backward. Any change to the model (`add`, `pop`, `build`) relinks from scratch. Results are those of
// the separate layers (only the bias gradient's sums run in a different order).
//
// A Dropout right after the pool is linked too. A first conv with relu on the direct kernels
// (`masksOutput`) then draws the dropout's key itself, where the dropout would have drawn it, masks
// its pooled output as it writes it, and applies the mask's backward in its weight gradient (a
// kept value's gradient times the scale; a dropped one's output is 0, which relu's mask already
// zeroes). The dropout passes its tensors through. That saves two passes over the largest
// activation of the small CNN, and the results are bit for bit those of the separate layers.

/// Where a tensor's values live (0 for an empty tensor): identifies the conv's own pooled output.
private func storageAddress(of t: Tensor) -> UInt {
    guard t.count > 0 else { return 0 }
    return t.data.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
}

extension Conv2D {
    /// Makes this conv pool its output for `pool`, which must directly follow it in a model.
    /// Overlapping pools (strides != pool size) stay separate.
    func link(_ pool: MaxPool2D) {
        guard pool.strides == pool.poolSize else { return }
        unlinkPool()
        pool.producer?.unlinkPool()
        self.pool = pool
        pool.producer = self
    }

    /// Whether this conv can pool its output for `pool` (still linked, same shapes).
    func fuses(with pool: MaxPool2D) -> Bool {
        guard let g = geometry else { return false }
        return pool.producer === self && pool.strides == pool.poolSize
            && pool.inputShape == [g.outHeight, g.outWidth, filters]
    }

    /// Whether `x` is the pooled output of this conv's last forward.
    func isPooledOutput(_ x: Tensor) -> Bool {
        guard lastForwardPooled, let y = output else { return false }
        return y.shape == x.shape && storageAddress(of: y) == storageAddress(of: x)
    }

    /// Ends the fusion with the linked pool, if any, and with the dropout after it.
    func unlinkPool() {
        pool?.producer = nil
        pool = nil
        unlinkDropout()
    }

    /// Makes this conv apply the mask of `dropout`, which must directly follow its linked pool in
    /// a model: on the direct kernels, a first layer with relu masks its pooled output as it
    /// writes it, and its weight gradient applies the mask's backward (DirectConv.swift). The
    /// results are bit for bit those of the separate layers.
    func link(_ dropout: Dropout) {
        unlinkDropout()
        dropout.producer?.unlinkDropout()
        self.dropout = dropout
        dropout.producer = self
    }

    /// Ends the fusion with the linked dropout, if any.
    func unlinkDropout() {
        dropout?.producer = nil
        dropout = nil
    }

    /// Whether a training batch's dropout mask is applied here (see `link(_: Dropout)`).
    func masksOutput(_ g: ConvGeometry) -> Bool {
        guard let dropout, dropout.producer === self, dropout.rate > 0, let pool, fuses(with: pool) else { return false }
        return activation == .relu && usesDirectKernels(g) && !needsInputGradient
    }

    /// The key of the dropout mask the last forward applied to `x`, when `x` is its output.
    func appliedDropoutSeed(for x: Tensor) -> UInt64? {
        isPooledOutput(x) ? appliedDropout?.seed : nil
    }

    /// Samples per chunk of the fused pipeline: a chunk's patches and conv output (one chunk
    /// per thread) stay in that core's L2 cache from the copy to the pooling.
    func fusedChunkSamples(_ g: ConvGeometry) -> Int {
        max(1, Self.fusedChunkBytes / (g.positions * (g.patchSize + filters) * MemoryLayout<Float>.stride))
    }

    static let fusedChunkBytes = 640 * 1024

    /// Conv, bias, activation and max pooling (window p, stride p) chunk by chunk; keeps the
    /// argmax (window position i * p + j) of every pooled value for `backwardPooled`.
    ///
    /// Each thread runs the whole pipeline (patches, product, pooling) on its own samples with
    /// its own scratch. With relu or no activation the bias is preloaded into the product's
    /// output (so the product adds onto it, no zeroing pass) and the activation is applied to
    /// the pooled values: max and relu commute, and a window whose maximum is not positive gets
    /// a zero gradient either way, so the results are those of activate-then-pool.
    /// Without a pool it writes the whole (activated) output, with the very same products, so a
    /// batch gives the same values whether or not its conv and pool are linked yet.
    func forwardPipeline(_ x: Tensor, pool: MaxPool2D?, dropoutSeed: UInt64? = nil) -> Tensor {
        let g = checkedGeometry(x)
        let n = x.rows, positions = g.positions, k = g.patchSize, f = filters
        let p = pool?.poolSize ?? 1, ow = g.outWidth
        let ph = (g.outHeight - p) / p + 1, pw = (ow - p) / p + 1
        let perSample = ph * pw * f
        let pooling = pool != nil
        let direct = usesDirectKernels(g)
        let parts = max(1, min(ThreadPool.available * (direct ? Self.directPartsPerThread : 1), n))
        let total = n * perSample
        let argmax = poolArgmax.reserve(pooling ? total : 0)
        var out = recycledOutput.take(count: total)
        let biasValues = useBias ? parameters[1].value.data : zeroBias
        if direct && n > 0 {
            x.data.withUnsafeBufferPointer { xp in
                parameters[0].value.data.withUnsafeBufferPointer { wp in
                    biasValues.withUnsafeBufferPointer { bp in
                        out.withUnsafeMutableBufferPointer { op in
                            let mask = dropoutSeed.map { seed in (seed, self.dropout!.maskParameters) }
                            runParts(parts, count: n) { _, samples in
                                let first = samples.lowerBound
                                let key = mask.map { seed, m in
                                    kernels_dropout_key(seed: seed, threshold: m.threshold, scale: m.scale, first: first * perSample)
                                }
                                self.forwardDirect(
                                    g, samples: samples.count, images: xp.baseAddress! + first * g.inputSize,
                                    weights: wp.baseAddress!, bias: bp.baseAddress!, pool: p, dropout: key,
                                    out: op.baseAddress! + first * perSample, argmax: pooling ? argmax + first * perSample : nil)
                            }
                        }
                    }
                }
            }
        }
        let chunk = fusedChunkSamples(g)
        let patchesAll = cols.reserve(direct ? 0 : parts * chunk * positions * k)
        let convAll = chunkOutput.reserve(direct ? 0 : parts * chunk * positions * f)
        let transposed = Self.transposedPatches(g)
        let poolsFirst = activation == nil || activation == .relu
        let preload = poolsFirst && useBias
        if !direct && n > 0 {
            x.data.withUnsafeBufferPointer { xp in
                parameters[0].value.data.withUnsafeBufferPointer { wp in
                    biasValues.withUnsafeBufferPointer { bp in
                        out.withUnsafeMutableBufferPointer { op in
                            runParts(parts, count: n) { part, samples in
                                let patches = patchesAll + part * chunk * positions * k
                                let scratch = convAll + part * chunk * positions * f
                                let bias = bp.baseAddress!
                                for start in stride(from: samples.lowerBound, to: samples.upperBound, by: chunk) {
                                    let conv = pooling ? scratch : op.baseAddress! + start * positions * f
                                    let m = min(chunk, samples.upperBound - start)
                                    let rows = m * positions
                                    let image0 = xp.baseAddress! + start * g.inputSize
                                    if transposed {
                                        g.im2colTransposed(image0, samples: m, rowLength: rows, into: patches)
                                    } else {
                                        g.im2col(image0, samples: m, into: patches)
                                    }
                                    if preload {
                                        for r in 0..<rows { (conv + r * f).update(from: bias, count: f) }
                                    }
                                    BLAS.gemm(
                                        transA: transposed, m: rows, n: f, k: k, a: patches, lda: transposed ? rows : k,
                                        b: wp.baseAddress!, ldb: f, beta: preload ? 1 : 0, c: conv, ldc: f)
                                    guard pooling else {
                                        if !poolsFirst {
                                            self.addBiasAndActivate(conv, rows: rows, bias: bias)
                                        } else if activation == .relu {
                                            for i in 0..<rows * f { conv[i] = conv[i] > 0 ? conv[i] : 0 }
                                        }
                                        continue
                                    }
                                    for s in 0..<m {
                                        let image = conv + s * positions * f
                                        if !poolsFirst { self.addBiasAndActivate(image, rows: positions, bias: bias) }
                                        let o0 = op.baseAddress! + (start + s) * perSample
                                        MaxPool2D.poolImage(
                                            image, width: ow, outHeight: ph, outWidth: pw, pool: p, stride: p, channels: f,
                                            into: o0, argmax: argmax + (start + s) * perSample)
                                        if activation == .relu {
                                            for i in 0..<perSample { o0[i] = o0[i] > 0 ? o0[i] : 0 }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let y = Tensor(shape: [n, ph, pw, f], data: out)
        input = x
        output = y
        lastForwardPooled = pooling
        fusedPoolSize = p
        appliedDropout = dropoutSeed.map { ($0, dropout!.maskParameters.scale) }
        return y
    }

    /// Backward from the pooled gradient: each chunk's conv-output gradient is the pooled
    /// gradient times the activation's derivative (at the pooled value, which is the conv output
    /// at the argmax), routed to the argmax position, zero elsewhere; then dW, db and dx as in
    /// `backward` (a first layer on the direct kernels: dW and db in one pass, DirectConv.swift).
    /// Each part takes its own samples and sums its own dW and db; the parts are added in order,
    /// so a given thread count always gives the same result.
    func backwardPooled(_ dy: Tensor, input x: Tensor, pooled y: Tensor, geometry g: ConvGeometry) -> Tensor {
        let n = x.rows, positions = g.positions, k = g.patchSize, f = filters
        let p = fusedPoolSize, ow = g.outWidth
        let ph = y.shape[1], pw = y.shape[2]
        let perSample = ph * pw * f
        let tiles = ph * p == g.outHeight && pw * p == ow
        let chunk = fusedChunkSamples(g)
        let direct = usesDirectKernels(g) && !needsInputGradient
        let parts = max(1, min(ThreadPool.available * (direct ? Self.directPartsPerThread : 1), n))
        let transposed = Self.transposedPatches(g)
        // Per part: dW (k * f) and a chunk's bias sums (f) in Float, the part's bias sums in Double.
        let partStride = k * f + f
        let sums = biasScratch.reserve(parts * partStride)
        let biasSums = biasPartSums.reserve(parts * f)
        let argmax = UnsafePointer(poolArgmax.pointer)
        var dx = [Float]()
        if needsInputGradient { dx = recycledGradient.take(count: x.count) }
        let kernel = parameters[0]
        // Parts summed in order: the same thread count gives the same bits.
        func finish() -> Tensor {
            kernel.grad.data.withUnsafeMutableBufferPointer { w in
                w.baseAddress!.update(from: sums, count: k * f)
                for part in 1..<max(parts, 1) {
                    let d = sums + part * partStride
                    for i in 0..<k * f { w[i] += d[i] }
                }
            }
            if useBias {
                var total = [Double](repeating: 0, count: f)
                for part in 0..<parts {
                    for j in 0..<f { total[j] += biasSums[part * f + j] }
                }
                parameters[1].grad = Tensor(shape: [f], data: total.map { Float($0) })
            }
            guard needsInputGradient else { return Tensor(shape: [0]) }
            recycledGradient.keep(dx)
            return Tensor(shape: x.shape, data: dx)
        }
        if direct {
            x.data.withUnsafeBufferPointer { xp in
                y.data.withUnsafeBufferPointer { yp in
                    dy.data.withUnsafeBufferPointer { dyp in
                        runParts(parts, count: n) { part, samples in
                            let dw = sums + part * partStride
                            let biasSum = biasSums + part * f
                            dw.update(repeating: 0, count: k * f)
                            biasSum.update(repeating: 0, count: f)
                            let first = samples.lowerBound, at = first * perSample
                            self.weightGradientDirect(
                                g, samples: samples.count, images: xp.baseAddress! + first * g.inputSize, dy: dyp.baseAddress! + at,
                                pooled: yp.baseAddress! + at, dropoutScale: self.appliedDropout?.scale ?? 1, argmax: argmax + at,
                                pool: p, dw: dw, biasSum: biasSum)
                        }
                    }
                }
            }
            return finish()
        }
        let patchesAll = cols.reserve(parts * chunk * positions * k)
        let maskedAll = maskedGradient.reserve(parts * chunk * positions * f)
        let pooledAll = pooledGradient.reserve(parts * chunk * perSample)
        let patchGradientAll = needsInputGradient ? dcols.reserve(parts * chunk * positions * k) : nil
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeBufferPointer { yp in
                dy.data.withUnsafeBufferPointer { dyp in
                    kernel.value.data.withUnsafeBufferPointer { wp in
                        dx.withUnsafeMutableBufferPointer { dxp in
                            runParts(parts, count: n) { part, samples in
                                let patches = patchesAll + part * chunk * positions * k
                                let masked = maskedAll + part * chunk * positions * f
                                let pooled = pooledAll + part * chunk * perSample
                                let dw = sums + part * partStride
                                let biasSum = biasSums + part * f
                                let chunkBias = dw + k * f
                                biasSum.update(repeating: 0, count: f)
                                dw.update(repeating: 0, count: k * f)
                                for start in stride(from: samples.lowerBound, to: samples.upperBound, by: chunk) {
                                    let m = min(chunk, samples.upperBound - start)
                                    let rows = m * positions
                                    for s in 0..<m {
                                        let d0 = pooled + s * perSample
                                        let at = (start + s) * perSample
                                        self.maskGradient(
                                            dyp.baseAddress! + at, output: yp.baseAddress! + at, rows: ph * pw, into: d0)
                                        let image = masked + s * positions * f
                                        if !tiles { image.update(repeating: 0, count: positions * f) }
                                        MaxPool2D.routeImage(
                                            d0, argmax: argmax + at, width: ow, outHeight: ph, outWidth: pw, pool: p, stride: p,
                                            channels: f, into: image)
                                    }
                                    if self.useBias {
                                        // The pooled gradients are the only non-zeros.
                                        chunkBias.update(repeating: 0, count: f)
                                        for r in 0..<m * ph * pw {
                                            let row = pooled + r * f
                                            for j in 0..<f { chunkBias[j] += row[j] }
                                        }
                                        for j in 0..<f { biasSum[j] += Double(chunkBias[j]) }
                                    }
                                    let image0 = xp.baseAddress! + start * g.inputSize
                                    if transposed {
                                        g.im2colTransposed(image0, samples: m, rowLength: rows, into: patches)
                                    } else {
                                        g.im2col(image0, samples: m, into: patches)
                                    }
                                    BLAS.gemm(
                                        transA: !transposed, m: k, n: f, k: rows, a: patches, lda: transposed ? rows : k,
                                        b: masked, ldb: f, beta: 1, c: dw, ldc: f)
                                    guard let patchGradientAll else { continue }
                                    let patchGradient = patchGradientAll + part * chunk * positions * k
                                    let imageGradient = dxp.baseAddress! + start * g.inputSize
                                    if transposed {
                                        BLAS.gemm(
                                            transB: true, m: k, n: rows, k: f, a: wp.baseAddress!, lda: f,
                                            b: masked, ldb: f, c: patchGradient, ldc: rows)
                                        g.col2imTransposed(patchGradient, samples: m, rowLength: rows, into: imageGradient)
                                    } else {
                                        BLAS.gemm(
                                            transB: true, m: rows, n: k, k: f, a: masked, lda: f,
                                            b: wp.baseAddress!, ldb: f, c: patchGradient, ldc: k)
                                        g.col2im(patchGradient, samples: m, into: imageGradient)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return finish()
    }
}
