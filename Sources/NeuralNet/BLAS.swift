import COpenBLAS

/// The one door to matrix multiplication: OpenBLAS's sgemm, row-major, on one thread per call;
/// products big enough to share are split by rows (or columns) across `ThreadPool`.
public enum BLAS {
    /// C = alpha * op(A) * op(B) + beta * C, all row-major; op(A) is m x k, op(B) is k x n.
    /// `lda`/`ldb`/`ldc` are the row strides of A, B, C as stored (before transposition).
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let parts = sharers(m: m, n: n, k: k)
        if parts > 1 && m >= splitGranule * parts {
            let rows = split(m, parts: parts)
            ThreadPool.run(parts: parts) { p in
                let r = rows[p]
                product(
                    transA: transA, transB: transB, m: r.count, n: n, k: k, alpha: alpha,
                    a: transA ? a + r.lowerBound : a + r.lowerBound * lda, lda: lda, b: b, ldb: ldb, beta: beta,
                    c: c + r.lowerBound * ldc, ldc: ldc)
            }
        } else if parts > 1 && n >= splitGranule * parts {
            // Too few rows to share (a conv's filters, a small batch): split the columns instead.
            let columns = split(n, parts: parts)
            ThreadPool.run(parts: parts) { p in
                let r = columns[p]
                product(
                    transA: transA, transB: transB, m: m, n: r.count, k: k, alpha: alpha, a: a, lda: lda,
                    b: transB ? b + r.lowerBound * ldb : b + r.lowerBound, ldb: ldb, beta: beta,
                    c: c + r.lowerBound, ldc: ldc)
            }
        } else {
            product(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    /// How the rows of an m x n (inner k) product's output are shared among the threads: one
    /// range when the product is too small to share, has too few rows, or when called from inside
    /// a part. Layers use it to do their row-wise work (bias, activation) in the same parallel
    /// run as their rows' product: a `gemm` called inside a part stays on that thread.
    ///
    /// Why rows: each part then packs only its rows of A and the whole of B, and the measured
    /// rate for a training step's shapes (128x784 by 784x512; the weight gradients with k = 128)
    /// is 5-15 % above OpenBLAS's own two-thread split.
    static func rowBlocks(m: Int, n: Int, k: Int) -> [Range<Int>] {
        let parts = sharers(m: m, n: n, k: k)
        return parts > 1 && m >= splitGranule * parts ? split(m, parts: parts) : [0..<m]
    }

    /// Threads a product of this size is worth sharing among.
    private static func sharers(m: Int, n: Int, k: Int) -> Int {
        _ = singleThreadedOpenBLAS
        return 2 * m * n * k < parallelAbove ? 1 : ThreadPool.available
    }

    /// One sgemm call on the calling thread.
    private static func product(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        // OpenBLAS clears C for beta = 0 with a scalar store loop (sgemm_beta); libc's memset and
        // beta = 1 make a weight-gradient product (512x512, k = 128) ~8 % faster here, and
        // C = 0 + A·B is the same computation, bit for bit.
        var beta = beta
        if beta == 0 {
            if ldc == n {
                c.update(repeating: 0, count: m * n)
            } else {
                for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) }
            }
            beta = 1
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `0..<count` cut into `parts` near-equal ranges whose inner bounds are multiples of
    /// `granule` (OpenBLAS's kernels work in blocks of 16 rows for float).
    static func split(_ count: Int, parts: Int, granule: Int = splitGranule) -> [Range<Int>] {
        let bounds = (0...parts).map { p in
            p == parts ? count : (count * p / parts + granule / 2) / granule * granule
        }
        return (0..<parts).map { bounds[$0]..<bounds[$0 + 1] }
    }

    private static let splitGranule = 16

    /// Products below this many FLOPs run on one thread: handing half to another thread costs
    /// more than it saves (a 128x512 by 512x10 product is faster alone).
    static let parallelAbove = 4_000_000

    /// OpenBLAS never starts its own threads: every call is made from one of ours.
    private static let singleThreadedOpenBLAS: Void = openblas_set_num_threads(1)

    /// Threads the engine uses (matrix products and parallel loops). A fixed thread count and
    /// seed give bit-identical training.
    public static var threads: Int {
        get { ThreadPool.threads }
        set { ThreadPool.threads = newValue }
    }

    /// The most threads `threads` accepts (larger values are clamped).
    public static let maximumThreads = ThreadPool.maximumThreads

    /// The kernel family OpenBLAS chose at load time ("Haswell", "SkylakeX", "Prescott", ...).
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }
}
