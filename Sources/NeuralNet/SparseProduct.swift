import CKernels

/// A matrix's nonzeros line by line (its rows, or its columns for a transposed product), and the
/// products that skip its zeros (CKernels' `kernels_sparse_gemm`).
///
/// Why: in a trained relu network, many activations and gradients are zero (the Colab MLP on
/// Fashion-MNIST: ~50 % of the pixels are nonzero (~20 % of MNIST's), ~35 % of the first hidden
/// layer's outputs and ~48 % of the second's). The product that skips zeros runs at ~70-75 % of
/// sgemm's rate per nonzero on one core with warm caches (near its bound: eight vector loads per
/// eight multiply-adds), less inside a training step, so each use sets its own break-even
/// `maxDensity`: it compresses the operand first and falls back to the dense product when the
/// operand turns out denser. The choice depends only on the values, so a fixed seed and thread
/// count still give bit-identical training.
final class CompressedLines {
    private let begin = ScratchBuffer<Int32>()
    private let end = ScratchBuffer<Int32>()
    private let index = ScratchBuffer<Int32>()
    private let value = ScratchBuffer<Float>()
    private var length = 0

    /// Share of nonzeros above which compressing gives up and the dense product is used.
    let maxDensity: Double

    init(maxDensity: Double) { self.maxDensity = maxDensity }

    /// True when a product with this many output columns and inner terms per output is worth
    /// trying sparse: the packed panels are at least 64 columns wide, small products are not worth
    /// a pass over the operand, and the compressed copy of a huge operand (a full-batch pass) would
    /// cost more memory than it saves time.
    static func suits(lines: Int, length: Int, outputs: Int) -> Bool {
        outputs >= 64 && 2 * lines * length * outputs >= BLAS.parallelAbove && lines * length <= 1 << 21
    }

    /// Prepares room for `lines` lines of `length` values; call before compressing any range.
    func reserve(lines: Int, length: Int) {
        self.length = length
        _ = begin.reserve(lines)
        _ = end.reserve(lines)
        _ = index.reserve(lines * length)
        _ = value.reserve(lines * length)
    }

    /// Whether `lines` lines of `length` values (line o being `a[o * lineStride + q * step]`) look
    /// denser than `maxDensity` (`sampledDensity`): a cheap look that spares a compression bound to
    /// give up (a conv layer's pooled outputs after dropout are ~60 % nonzero, and compressing them
    /// only to fail cost ~5 % of an epoch).
    func looksTooDense(lines: Int, length: Int, of a: UnsafePointer<Float>, lineStride: Int, step: Int) -> Bool {
        sampledDensity(lines: lines, length: length, of: a, lineStride: lineStride, step: step) > maxDensity
    }

    /// The share of nonzeros among up to 16 x 1024 values spread over `lines` lines of `length`
    /// values (line o being `a[o * lineStride + q * step]`); 0 when there are none. It depends only
    /// on the values, like the choices it feeds.
    func sampledDensity(lines: Int, length: Int, of a: UnsafePointer<Float>, lineStride: Int, step: Int) -> Double {
        let samples = min(lines, 16), spacing = max(1, length / 1024)
        guard samples > 0, length > 0 else { return 0 }
        var nonzeros = 0, seen = 0
        for j in 0..<samples {
            let line = a + (j * lines / samples) * lineStride
            for q in stride(from: 0, to: length, by: spacing) { nonzeros &+= line[q * step] != 0 ? 1 : 0 }
            seen += (length + spacing - 1) / spacing
        }
        return Double(nonzeros) / Double(seen)
    }

    /// Compresses lines `range`, line o being `a[o * lineStride + q * step]` for q < length, into
    /// their own region (so parts may compress disjoint ranges at once). Returns the nonzeros, or
    /// nil when more than `maxDensity` of the values are nonzero.
    func compress(_ range: Range<Int>, of a: UnsafePointer<Float>, lineStride: Int, step: Int) -> Int? {
        let limit = Int(maxDensity * Double(range.count * length))
        let o = range.lowerBound
        let count = kernels_compress(
            range.count, length, a + o * lineStride, lineStride, step, o * length, limit,
            begin.pointer + o, end.pointer + o, index.pointer, value.pointer)
        return count >= 0 ? count : nil
    }

    /// Compresses the rows of `a` (row-major, `length` values per row), each range of `blocks` on
    /// its own thread; false when any range is too dense.
    func compressRows(of a: UnsafePointer<Float>, blocks: [Range<Int>], length: Int) -> Bool {
        reserve(lines: blocks.last?.upperBound ?? 0, length: length)
        return ThreadPool.all(parts: blocks.count) { p in compress(blocks[p], of: a, lineStride: length, step: 1) != nil }
    }

    /// c = S·op(B) for the compressed lines `lines` (S's row i is line lines.lowerBound + i): op(B)
    /// is `b` (length x n, row stride ldb) or, when `transposed`, the transpose of `b` (n x length).
    /// With `transposedOutput`, c receives the product's transpose (n x lines.count, row stride ldc).
    func multiply(
        lines: Range<Int>, by b: UnsafePointer<Float>, ldb: Int, transposed: Bool = false, n: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int, transposedOutput: Bool = false
    ) {
        let o = lines.lowerBound
        kernels_sparse_gemm(
            lines.count, n, length, begin.pointer + o, end.pointer + o, index.pointer, value.pointer,
            b, ldb, transposed ? 1 : 0, c, ldc, transposedOutput ? 1 : 0)
    }

    /// The columns `0..<length` of `a` (`lines` rows of `length` values) cut into `parts` ranges
    /// holding about equal numbers of nonzeros, counted on up to 32 of the rows, bounds on
    /// multiples of 16: the shares of a product that skips a's zeros split by depth do equal
    /// work. (Fashion-MNIST's lower half holds 54 % nonzero pixels against the upper half's 46 %,
    /// so an even cut kept one thread waiting for the other in the first layer.) It depends only
    /// on the values, like the sparse choices.
    static func balancedSplit(of a: UnsafePointer<Float>, lines n: Int, length k: Int, parts: Int) -> [Range<Int>] {
        let samples = min(n, 32)
        var counts = [Int32](repeating: 0, count: k)
        counts.withUnsafeMutableBufferPointer { c in
            for j in 0..<samples {
                let row = a + (j * n / samples) * k
                for q in 0..<k { c[q] &+= row[q] != 0 ? 1 : 0 }
            }
        }
        let total = counts.reduce(0) { $0 + Int($1) }
        guard parts > 1, total > 0 else { return BLAS.split(k, parts: max(1, parts)) }
        var bounds = [0]
        var seen = 0, q = 0
        for p in 1..<parts {
            while q < k && seen * parts < total * p {
                seen += Int(counts[q])
                q += 1
            }
            // On a multiple of 16, after the previous bound and leaving room for the parts after it.
            let rounded = min((q + 8) / 16 * 16, k - 16 * (parts - p))
            bounds.append(max(rounded, bounds[p - 1] + 1))
        }
        bounds.append(k)
        return (0..<parts).map { bounds[$0]..<bounds[$0 + 1] }
    }

    /// `0..<count` cut into one range per thread, inner bounds on multiples of the kernel's
    /// panels (64 or 128 columns) so that only the last range has a narrow panel.
    static func columnParts(_ count: Int) -> [Range<Int>] {
        BLAS.split(count, parts: max(1, min(ThreadPool.available, count / 64)), granule: kernels_sparse_panel_width())
    }
}
