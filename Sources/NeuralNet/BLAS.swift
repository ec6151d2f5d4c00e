import COpenBLAS

/// The one door to matrix multiplication: OpenBLAS's sgemm, row-major.
public enum BLAS {
    /// C = alpha * op(A) * op(B) + beta * C, all row-major; op(A) is m x k, op(B) is k x n.
    /// `lda`/`ldb`/`ldc` are the row strides of A, B, C as stored (before transposition).
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let small = 2 * m * n * k < singleThreadBelow
        let saved = small ? openblas_get_num_threads() : 1
        if saved > 1 { openblas_set_num_threads(1) }
        // OpenBLAS clears C for beta = 0 with a scalar store loop (sgemm_beta), which costs as much
        // as a fifth of the multiply for the weight gradients; libc's memset is several times
        // faster, and C = 0 + A·B then is the same computation, bit for bit.
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
        if saved > 1 { openblas_set_num_threads(saved) }
    }

    /// Products below this many FLOPs run on one thread: waking the other threads costs more than
    /// they save (a 128x512 by 512x10 product is about 3x faster alone).
    public static let singleThreadBelow = 4_000_000

    /// Threads OpenBLAS uses; fixed thread count + fixed seed = bit-identical training.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    /// The kernel family OpenBLAS chose at load time ("Haswell", "SkylakeX", "Prescott", ...).
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }
}
