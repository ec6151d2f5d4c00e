import CKernels
import NeuralNet
import XCTest

/// The products that skip zeros (CKernels' sparse.c) and the dense layer's use of them: every
/// result is checked against a Double reference computed here from the dense matrices.
final class SparseProductTests: XCTestCase {
    override func tearDown() {
        BLAS.threads = 2
    }

    /// A rows x cols matrix with about `density` of its values nonzero.
    private func sparseMatrix(_ rows: Int, _ cols: Int, density: Double, rng: inout RNG) -> [Float] {
        (0..<rows * cols).map { _ in rng.uniform() < Float(density) ? rng.uniform(-1, 1) : 0 }
    }

    /// The largest |got[i * cols + j] - f(Σ_q a(i, q)·b(q, j))| over a rows x cols product of
    /// depth terms, the reference summed in Double.
    private func worstError(
        _ got: [Float], rows: Int, cols: Int, depth: Int, _ a: (Int, Int) -> Float, _ b: (Int, Int) -> Float,
        then f: (Double) -> Double = { $0 }
    ) -> Double {
        var worst = 0.0
        for i in 0..<rows {
            for j in 0..<cols {
                var ref = 0.0
                for q in 0..<depth { ref += Double(a(i, q)) * Double(b(q, j)) }
                worst = max(worst, abs(Double(got[i * cols + j]) - f(ref)))
            }
        }
        return worst
    }

    private struct Compressed {
        var begin: [Int32], end: [Int32], index: [Int32], value: [Float], count: Int
    }

    /// kernels_compress (or its portable loop) over `outer` lines; line o is a[o * outerStride + q * innerStride].
    private func compress(
        _ a: [Float], outer: Int, inner: Int, outerStride: Int, innerStride: Int, limit: Int, portable: Bool = false
    ) -> Compressed {
        var c = Compressed(
            begin: .init(repeating: 0, count: outer), end: .init(repeating: 0, count: outer),
            index: .init(repeating: 0, count: outer * inner), value: .init(repeating: 0, count: outer * inner), count: 0)
        let f = portable ? kernels_compress_portable : kernels_compress
        c.count = f(outer, inner, a, outerStride, innerStride, 0, limit, &c.begin, &c.end, &c.index, &c.value)
        return c
    }

    /// Both versions, by rows and by columns (8 columns at a time in the vector one, then the rest),
    /// line lengths that are and are not multiples of 8, NaN kept and -0 dropped like any zero.
    func testCompressKeepsEveryNonzeroInOrderByRowsAndByColumns() {
        var rng = RNG(seed: 1)
        for (rows, cols, density) in [(37, 53, 0.3), (128, 64, 0.5), (5, 3, 0.9), (16, 24, 0.0)] {
            var a = sparseMatrix(rows, cols, density: density, rng: &rng)
            if a.count > 20 {
                a[7] = .nan
                a[11] = -0.0
            }
            let nonzeros = a.filter { $0 != 0 }.count
            for byColumns in [false, true] {
                for portable in [false, true] {
                    let tag = "\(rows)x\(cols), by columns: \(byColumns), portable: \(portable)"
                    let (outer, inner) = byColumns ? (cols, rows) : (rows, cols)
                    let c = compress(
                        a, outer: outer, inner: inner, outerStride: byColumns ? 1 : cols, innerStride: byColumns ? cols : 1,
                        limit: rows * cols, portable: portable)
                    XCTAssertEqual(c.count, nonzeros, tag)
                    for o in 0..<outer {
                        let expected = (0..<inner).compactMap { q -> (Int32, Float)? in
                            let v = byColumns ? a[q * cols + o] : a[o * cols + q]
                            return v != 0 ? (Int32(q), v) : nil
                        }
                        let range = Int(c.begin[o])..<Int(c.end[o])
                        XCTAssertEqual(Array(c.index[range]), expected.map(\.0), "line \(o), \(tag)")
                        XCTAssertEqual(
                            c.value[range].map(\.bitPattern), expected.map(\.1.bitPattern), "line \(o), \(tag)")
                    }
                }
            }
        }
    }

    func testCompressGivesUpAboveItsLimit() {
        var rng = RNG(seed: 2)
        let a = sparseMatrix(20, 30, density: 0.6, rng: &rng)
        let nonzeros = a.filter { $0 != 0 }.count
        for portable in [false, true] {
            for (outer, inner, outerStride, innerStride) in [(20, 30, 30, 1), (30, 20, 1, 30)] {
                func count(limit: Int) -> Int {
                    compress(
                        a, outer: outer, inner: inner, outerStride: outerStride, innerStride: innerStride, limit: limit,
                        portable: portable
                    ).count
                }
                let tag = "outer \(outer), portable \(portable)"
                XCTAssertEqual(count(limit: nonzeros), nonzeros, tag)
                XCTAssertEqual(count(limit: nonzeros - 1), -1, tag)
                XCTAssertEqual(count(limit: 0), -1, tag)
            }
        }
    }

    /// S·op(B) by the vector kernels (AVX-512 and AVX2, where the CPU has them) and by the portable
    /// loop against a Double reference, for widths that are and are not multiples of the 64- and
    /// 128-column panels, depths over one 64- or 128-row block, and both layouts of B. The two
    /// vector widths must give identical bits.
    func testSparseProductMatchesDenseReference() {
        defer { kernels_limit_vector_bits(512) }
        var rng = RNG(seed: 3)
        for (m, n, k, density) in [
            (5, 64, 10, 0.5), (33, 70, 300, 0.2), (128, 512, 784, 0.5), (17, 130, 129, 0.05), (9, 7, 200, 0.3), (6, 200, 65, 0.4),
        ] {
            let s = sparseMatrix(m, k, density: density, rng: &rng)
            let c = compress(s, outer: m, inner: k, outerStride: k, innerStride: 1, limit: m * k)
            for transposed in [false, true] {
                let b = (0..<k * n).map { _ in rng.uniform(-1, 1) }
                // B (k x n) or its transpose (n x k) stored.
                func bValue(_ q: Int, _ j: Int) -> Double { Double(transposed ? b[j * k + q] : b[q * n + j]) }
                let ldb = transposed ? k : n
                var vectorResults: [Int32: [Float]] = [:]
                // bits 0: the portable loop; 256 and 512: the vector kernels, capped at that width.
                for (bits, transposedOutput) in [(0, false), (256, false), (512, false), (0, true), (256, true), (512, true)] {
                    // C (m x n) or its transpose (n x m), with a stride wider than a row: nothing
                    // may be written past one.
                    let (rows, cols) = transposedOutput ? (n, m) : (m, n)
                    let ldc = cols + 3
                    var out = [Float](repeating: 99, count: rows * ldc)
                    kernels_limit_vector_bits(Int32(bits))
                    let f = bits == 0 ? kernels_sparse_gemm_portable : kernels_sparse_gemm
                    f(m, n, k, c.begin, c.end, c.index, c.value, b, ldb, transposed ? 1 : 0, &out, ldc, transposedOutput ? 1 : 0)
                    let tag = "m \(m) n \(n) k \(k) transposed \(transposed) vector bits \(bits) transposed output \(transposedOutput)"
                    if bits > 0 {
                        if let other = vectorResults[Int32(transposedOutput ? 1 : 0)] {
                            let differing = zip(out, other).filter { $0.bitPattern != $1.bitPattern }.count
                            XCTAssertEqual(differing, 0, "values whose bits differ between 256 and 512 bits: \(tag)")
                        }
                        vectorResults[Int32(transposedOutput ? 1 : 0)] = out
                    }
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<n {
                            var ref = 0.0
                            for q in 0..<k { ref += Double(s[i * k + q]) * bValue(q, j) }
                            worst = max(worst, abs(Double(out[transposedOutput ? j * ldc + i : i * ldc + j]) - ref))
                        }
                    }
                    for r in 0..<rows {
                        for j in cols..<ldc { XCTAssertEqual(out[r * ldc + j], 99, "wrote past row \(r): \(tag)") }
                    }
                    XCTAssertLessThan(worst, 1e-4, tag)
                }
            }
        }
    }

    /// A dense layer must give the same y, dW, db and dx as a Double reference, for 1-3 threads,
    /// whichever products it picks: all sparse (x and dy mostly zeros), dW by dy's zeros (x half
    /// dense or dense, dy sparser), and all BLAS (both dense).
    func testDenseLayerSparseAndDensePathsMatchReference() throws {
        let n = 128, k = 300, u = 200
        for (density, gradientDensity, threads) in [
            (0.25, 0.25, 1), (0.25, 0.25, 2), (0.25, 0.25, 3), (0.55, 0.2, 2), (0.9, 0.2, 3), (0.9, 0.9, 2),
        ] {
            BLAS.threads = threads
            var rng = RNG(seed: 4)
            let layer = Dense(u)
            try layer.build(inputShape: [k], rng: &rng)
            layer.needsInputGradient = true
            let x = sparseMatrix(n, k, density: density, rng: &rng)
            let dy = sparseMatrix(n, u, density: gradientDensity, rng: &rng)  // like a gradient through relu
            let y = layer.forward(Tensor(shape: [n, k], data: x), training: true, rng: &rng)
            let dx = layer.backward(Tensor(shape: [n, u], data: dy))
            let w = layer.parameters[0].value.data, dw = layer.parameters[0].grad.data, db = layer.parameters[1].grad.data
            let tag = "density \(density), gradient density \(gradientDensity), \(threads) threads"
            let worst = (
                y: worstError(y.data, rows: n, cols: u, depth: k, { x[$0 * k + $1] }, { w[$0 * u + $1] }),
                dw: worstError(dw, rows: k, cols: u, depth: n, { x[$1 * k + $0] }, { dy[$0 * u + $1] }),
                db: worstError(db, rows: 1, cols: u, depth: n, { _, _ in 1 }, { dy[$0 * u + $1] }),
                dx: worstError(dx.data, rows: n, cols: k, depth: u, { dy[$0 * u + $1] }, { w[$1 * u + $0] }))
            XCTAssertEqual(dx.shape, [n, k], tag)
            XCTAssertLessThan(worst.y, 1e-4, "y, \(tag)")
            XCTAssertLessThan(worst.dx, 1e-4, "dx, \(tag)")
            XCTAssertLessThan(worst.dw, 1e-4, "dW, \(tag)")
            XCTAssertLessThan(worst.db, 1e-4, "db, \(tag)")
        }
    }

    /// A deep forward split by depth between two threads, where the second thread's features are
    /// sparse (its share skips zeros) and the first's dense (its share uses sgemm): the partial
    /// outputs still add up to x·W.
    func testDeepForwardWithOneSparseAndOneDenseShare() throws {
        let n = 128, k = 600, u = 200
        BLAS.threads = 2
        var rng = RNG(seed: 9)
        let layer = Dense(u, activation: .relu)
        try layer.build(inputShape: [k], rng: &rng)
        var x = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            for q in 0..<k where rng.uniform() < (q < k / 2 ? 0.9 : 0.15) { x[i * k + q] = rng.uniform(-1, 1) }
        }
        let y = layer.forward(Tensor(shape: [n, k], data: x), training: true, rng: &rng)
        let w = layer.parameters[0].value.data
        let worst = worstError(y.data, rows: n, cols: u, depth: k, { x[$0 * k + $1] }, { w[$0 * u + $1] }, then: { max($0, 0) })
        XCTAssertLessThan(worst, 1e-4)
    }

    /// A first layer (no dx) on inputs whose features differ in density, as an image's rows do:
    /// forward and dW split the features by nonzeros rather than evenly, and still give x·W and
    /// xᵀ·dz, for 2 and 3 threads, the same bits on a second pass.
    func testFirstLayerSplitByNonzerosMatchesReference() throws {
        let n = 128, k = 784, u = 256
        for threads in [2, 3] {
            BLAS.threads = threads
            var rng = RNG(seed: 21)
            let layer = Dense(u, activation: .relu)
            try layer.build(inputShape: [k], rng: &rng)
            layer.needsInputGradient = false
            var x = [Float](repeating: 0, count: n * k)
            for i in 0..<n {
                for q in 0..<k where rng.uniform() < 0.2 + 0.35 * Float(q) / Float(k) { x[i * k + q] = rng.uniform(0.1, 1) }
            }
            let dy = sparseMatrix(n, u, density: 0.4, rng: &rng)
            let y = layer.forward(Tensor(shape: [n, k], data: x), training: true, rng: &rng).data
            _ = layer.backward(Tensor(shape: [n, u], data: dy))
            let w = layer.parameters[0].value.data, dw = layer.parameters[0].grad.data
            let tag = "\(threads) threads"
            XCTAssertLessThan(worstError(y, rows: n, cols: u, depth: k, { x[$0 * k + $1] }, { w[$0 * u + $1] }, then: { max($0, 0) }), 1e-4, tag)
            // dW = xᵀ·dz with dz = dy where the relu passed its input.
            XCTAssertLessThan(worstError(dw, rows: k, cols: u, depth: n, { x[$1 * k + $0] }, { y[$0 * u + $1] > 0 ? dy[$0 * u + $1] : 0 }), 1e-4, tag)
            let again = layer.forward(Tensor(shape: [n, k], data: x), training: true, rng: &rng).data
            _ = layer.backward(Tensor(shape: [n, u], data: dy))
            XCTAssertEqual(again, y, tag)
            XCTAssertEqual(layer.parameters[0].grad.data, dw, tag)
        }
    }

    /// dW's route is picked from 16 sampled columns of x: when those are all zero but the rest of
    /// x is dense, the compression it tries first gives up and the next route (dz's zeros, or
    /// sgemm) still gives xᵀ·dz.
    func testWeightGradientFallsBackWhenTheSampleMisjudgesX() throws {
        let n = 128, k = 300, u = 200
        for gradientDensity in [0.2, 0.9] {
            var rng = RNG(seed: 11)
            let layer = Dense(u)
            try layer.build(inputShape: [k], rng: &rng)
            let sampled = Set((0..<16).map { $0 * k / 16 })
            var x = [Float](repeating: 0, count: n * k)
            for i in 0..<n {
                for q in 0..<k where !sampled.contains(q) { x[i * k + q] = rng.uniform(0.1, 1) }
            }
            let dy = sparseMatrix(n, u, density: gradientDensity, rng: &rng)
            _ = layer.forward(Tensor(shape: [n, k], data: x), training: true, rng: &rng)
            _ = layer.backward(Tensor(shape: [n, u], data: dy))
            let dw = layer.parameters[0].grad.data
            let worst = worstError(dw, rows: k, cols: u, depth: n, { x[$1 * k + $0] }, { dy[$0 * u + $1] })
            XCTAssertLessThan(worst, 1e-4, "gradient density \(gradientDensity)")
        }
    }
}
