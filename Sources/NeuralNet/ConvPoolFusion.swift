import Synchronization

// Conv2D + activation + MaxPool2D fused, invisibly to the model.
//
// Why: the (24, 24, 32) output of the small CNN's conv for a batch of 200 is 14.7 MB. Written by
// the conv, read by the pool, and in backward rebuilt by the pool and read twice by the conv, it
// costs several memory passes per batch. Fused, each chunk of conv output is pooled while it is
// still in cache; only the pooled output (a quarter) and each pooled value's argmax leave it, and
// backward expands the pooled gradient chunk by chunk.
//
// How: the layers stay separate (names, summary, parameters; `Sequential` knows nothing). When a
// MaxPool2D with non-overlapping windows is given a tensor a Conv2D just wrote, it links itself to
// that conv (the registry below says who wrote it). From the next forward on, the conv pools its
// own output and returns the pooled tensor, which the pool passes through, forward and backward.
// Any change to the model (`add`, `pop`, `build` reset `needsInputGradient`) or a rebuild of either
// layer unlinks them. Results are those of the separate layers (only the bias gradient's sums run
// in a different order).

/// Which Conv2D wrote a tensor's storage, so a MaxPool2D given that tensor can find its producer.
final class ConvOutputRegistry: Sendable {
    static let shared = ConvOutputRegistry()

    /// A weak reference to a conv. Unchecked Sendable: the registry only stores and hands it back;
    /// the layer itself is used on the thread that runs its model, as always.
    private struct Entry: @unchecked Sendable {
        var address: UInt
        var id: ObjectIdentifier
        weak var conv: Conv2D?
    }

    /// One entry per live conv with an unfused output (a few per process).
    private let entries = Mutex<[Entry]>([])

    /// Records that `conv` wrote `output`.
    func register(_ conv: Conv2D, output: Tensor) {
        let entry = Entry(address: Self.address(of: output), id: ObjectIdentifier(conv), conv: conv)
        entries.withLock { list in
            list.removeAll { $0.conv == nil || $0.id == entry.id }
            list.append(entry)
        }
    }

    func remove(_ conv: Conv2D) {
        let id = ObjectIdentifier(conv)
        entries.withLock { list in list.removeAll { $0.conv == nil || $0.id == id } }
    }

    /// The conv whose last output is `x` (same storage and shape), if any.
    func producer(of x: Tensor) -> Conv2D? {
        let address = Self.address(of: x)
        guard address != 0 else { return nil }
        let entry = entries.withLock { list in list.first { $0.address == address } }
        guard let conv = entry?.conv, let y = conv.output, !conv.lastForwardPooled, y.shape == x.shape,
              Self.address(of: y) == address
        else { return nil }
        return conv
    }

    /// Where a tensor's values live (0 for an empty tensor).
    static func address(of t: Tensor) -> UInt {
        guard t.count > 0 else { return 0 }
        return t.data.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }
}

extension MaxPool2D {
    /// Links this pool to the Conv2D that wrote `x`, so later batches run fused.
    func linkProducer(of x: Tensor) {
        guard strides == poolSize, producer == nil, let conv = ConvOutputRegistry.shared.producer(of: x) else { return }
        conv.unlinkPool()
        conv.pool = self
        producer = conv
    }
}

extension Conv2D {
    /// Whether this conv can pool its output for `pool` (still linked, same shapes).
    func fuses(with pool: MaxPool2D) -> Bool {
        guard let g = geometry else { return false }
        return pool.producer === self && pool.strides == pool.poolSize
            && pool.inputShape == [g.outHeight, g.outWidth, filters]
    }

    /// Whether `x` is the pooled output of this conv's last forward.
    func isPooledOutput(_ x: Tensor) -> Bool {
        guard lastForwardPooled, let y = output else { return false }
        return y.shape == x.shape && ConvOutputRegistry.address(of: y) == ConvOutputRegistry.address(of: x)
    }

    /// Ends the fusion with the linked pool, if any.
    func unlinkPool() {
        pool?.producer = nil
        pool = nil
    }

    /// Conv, bias, activation and max pooling (window p, stride p) chunk by chunk; keeps the
    /// argmax (window position i * p + j) of every pooled value for `backwardPooled`.
    func forwardPooled(_ x: Tensor, pool: MaxPool2D) -> Tensor {
        let g = checkedGeometry(x)
        let n = x.rows, positions = g.positions, k = g.patchSize, f = filters
        let p = pool.poolSize, ow = g.outWidth
        let ph = (g.outHeight - p) / p + 1, pw = (ow - p) / p + 1
        let perSample = ph * pw * f
        let chunk = chunkSamples(g, batch: n)
        let patches = cols.reserve(chunk * positions * k)
        let conv = chunkOutput.reserve(chunk * positions * f)
        let transposed = Self.transposedPatches(g)
        let total = n * perSample
        let argmax = poolArgmax.reserve(total)
        var out = recycledOutput.take(count: total)
        let biasValues = useBias ? parameters[1].value.data : zeroBias
        if n > 0 {
            x.data.withUnsafeBufferPointer { xp in
                parameters[0].value.data.withUnsafeBufferPointer { wp in
                    biasValues.withUnsafeBufferPointer { bp in
                        out.withUnsafeMutableBufferPointer { op in
                            for start in stride(from: 0, to: n, by: chunk) {
                                let m = min(chunk, n - start)
                                let rows = m * positions
                                g.patches(of: xp.baseAddress! + start * g.inputSize, samples: m, transposed: transposed, into: patches)
                                BLAS.gemm(
                                    transA: transposed, m: rows, n: f, k: k, a: patches, lda: transposed ? rows : k,
                                    b: wp.baseAddress!, ldb: f, c: conv, ldc: f)
                                parallelFor(m) { part in
                                    for s in part {
                                        let image = conv + s * positions * f
                                        self.addBiasAndActivate(image, rows: positions, bias: bp.baseAddress!)
                                        var o = op.baseAddress! + (start + s) * perSample
                                        var a = argmax + (start + s) * perSample
                                        for r in 0..<ph {
                                            for q in 0..<pw {
                                                MaxPool2D.maxOfWindow(
                                                    image + (r * p * ow + q * p) * f, rowStride: ow * f, pool: p, channels: f,
                                                    into: o, argmax: a)
                                                o += f
                                                a += f
                                            }
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
        lastForwardPooled = true
        fusedPoolSize = p
        return y
    }

    /// Backward from the pooled gradient: each chunk's conv-output gradient is the pooled
    /// gradient times the activation's derivative (at the pooled value, which is the conv output
    /// at the argmax), routed to the argmax position, zero elsewhere.
    func backwardPooled(_ dy: Tensor, input x: Tensor, pooled y: Tensor, geometry g: ConvGeometry) -> Tensor {
        let f = filters, p = fusedPoolSize, ow = g.outWidth
        let ph = y.shape[1], pw = y.shape[2]
        let perSample = ph * pw * f
        let tiles = ph * p == g.outHeight && pw * p == ow
        let chunk = chunkSamples(g, batch: x.rows)
        let gradient = pooledGradient.reserve(chunk * perSample)
        let argmax = UnsafePointer(poolArgmax.pointer)
        return backward(dy, input: x, output: y, geometry: g) { start, m, dyp, yp, masked, chunkBias in
            parallelFor(m) { part in
                for s in part {
                    let pooled = gradient + s * perSample
                    let at = (start + s) * perSample
                    self.maskGradient(dyp + at, output: yp + at, rows: ph * pw, into: pooled)
                    let image = masked + s * g.positions * f
                    if !tiles { image.update(repeating: 0, count: g.positions * f) }
                    var d = UnsafePointer(pooled)
                    var a = argmax + at
                    for r in 0..<ph {
                        for q in 0..<pw {
                            let corner = image + (r * p * ow + q * p) * f
                            for i in 0..<p {
                                for j in 0..<p {
                                    MaxPool2D.route(
                                        d, argmax: a, position: Int32(i * p + j), channels: f, into: corner + (i * ow + j) * f,
                                        accumulate: false)
                                }
                            }
                            d += f
                            a += f
                        }
                    }
                }
            }
            guard let chunkBias else { return }
            // Sums of the pooled gradients (the only non-zeros), in one thread.
            chunkBias.update(repeating: 0, count: f)
            for r in 0..<m * ph * pw {
                let row = gradient + r * f
                for j in 0..<f { chunkBias[j] += row[j] }
            }
        }
    }
}
