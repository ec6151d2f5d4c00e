#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Element-wise loops over raw pointers, kept out of line so LLVM sees plain pointer arguments
/// (it then checks aliasing once and vectorises) instead of array accesses inside closures.
enum Kernels {
    /// Optimizer updates of at least twice this many values are split across the BLAS threads
    /// (about 50 µs of Adam per part, well above the cost of waking a worker).
    static let parallelUpdateMinimum = 32_768

    /// Keras Adam: m' = b1·m + (1-b1)·g; v' = b2·v + (1-b2)·g²; w' = w - α·m'/(√v' + ε).
    @inline(never)
    static func adam(
        count n: Int, w: UnsafePointer<Float>, g: UnsafePointer<Float>, m: UnsafePointer<Float>, v: UnsafePointer<Float>,
        wOut: UnsafeMutablePointer<Float>, mOut: UnsafeMutablePointer<Float>, vOut: UnsafeMutablePointer<Float>,
        alpha: Float, beta1: Float, beta2: Float, epsilon: Float
    ) {
        let c1 = 1 - beta1, c2 = 1 - beta2
        #if arch(x86_64)
        // SSE by hand for the hardware square root: Swift's squareRoot() is a libm call on Linux
        // that stops vectorisation, and the Newton-step FastMath.sqrt makes this loop compute-bound
        // (1.75x slower). Same operations in the same order as the scalar tail, no FMA, so every
        // element gets the correctly rounded result either way.
        let b1 = _mm_set1_ps(beta1), b2 = _mm_set1_ps(beta2), k1 = _mm_set1_ps(c1), k2 = _mm_set1_ps(c2)
        let a = _mm_set1_ps(alpha), e = _mm_set1_ps(epsilon)
        var j = 0
        while j + 4 <= n {
            let gj = _mm_loadu_ps(g + j)
            let nm = _mm_add_ps(_mm_mul_ps(b1, _mm_loadu_ps(m + j)), _mm_mul_ps(k1, gj))
            let nv = _mm_add_ps(_mm_mul_ps(b2, _mm_loadu_ps(v + j)), _mm_mul_ps(_mm_mul_ps(k2, gj), gj))
            _mm_storeu_ps(mOut + j, nm)
            _mm_storeu_ps(vOut + j, nv)
            let step = _mm_div_ps(_mm_mul_ps(a, nm), _mm_add_ps(_mm_sqrt_ps(nv), e))
            _mm_storeu_ps(wOut + j, _mm_sub_ps(_mm_loadu_ps(w + j), step))
            j += 4
        }
        while j < n {
            let gj = g[j]
            let nm = beta1 * m[j] + c1 * gj
            let nv = beta2 * v[j] + c2 * gj * gj
            mOut[j] = nm
            vOut[j] = nv
            wOut[j] = w[j] - alpha * nm / (nv.squareRoot() + epsilon)
            j += 1
        }
        #else
        for j in 0..<n {
            let gj = g[j]
            let nm = beta1 * m[j] + c1 * gj
            let nv = beta2 * v[j] + c2 * gj * gj
            mOut[j] = nm
            vOut[j] = nv
            wOut[j] = w[j] - alpha * nm / (FastMath.sqrt(nv) + epsilon)
        }
        #endif
    }

    /// w' = w - lr·g.
    @inline(never)
    static func sgd(count n: Int, w: UnsafePointer<Float>, g: UnsafePointer<Float>, wOut: UnsafeMutablePointer<Float>, lr: Float) {
        for j in 0..<n { wOut[j] = w[j] - lr * g[j] }
    }

    /// v' = μ·v - lr·g; w' = w + v' (Nesterov: w + μ·v' - lr·g).
    @inline(never)
    static func momentum(
        count n: Int, w: UnsafePointer<Float>, g: UnsafePointer<Float>, v: UnsafePointer<Float>,
        wOut: UnsafeMutablePointer<Float>, vOut: UnsafeMutablePointer<Float>, lr: Float, mu: Float, nesterov: Bool
    ) {
        if nesterov {
            for j in 0..<n {
                let nv = mu * v[j] - lr * g[j]
                vOut[j] = nv
                wOut[j] = w[j] + mu * nv - lr * g[j]
            }
        } else {
            for j in 0..<n {
                let nv = mu * v[j] - lr * g[j]
                vOut[j] = nv
                wOut[j] = w[j] + nv
            }
        }
    }

    /// y[r, :] += b for every row.
    @inline(never)
    static func addBias(rows: Int, cols: Int, y: UnsafeMutablePointer<Float>, bias b: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = y + r * cols
            for j in 0..<cols { row[j] += b[j] }
        }
    }

    /// y[r, j] = max(y[r, j] + b[j], 0): bias and relu in one pass.
    @inline(never)
    static func addBiasRelu(rows: Int, cols: Int, y: UnsafeMutablePointer<Float>, bias b: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = y + r * cols
            for j in 0..<cols { row[j] = max(row[j] + b[j], 0) }
        }
    }

    /// y[r, j] = sigmoid(y[r, j] + b[j]): bias and sigmoid in one pass.
    @inline(never)
    static func addBiasSigmoid(rows: Int, cols: Int, y: UnsafeMutablePointer<Float>, bias b: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = y + r * cols
            for j in 0..<cols { row[j] = 1 / (1 + FastMath.exp(-(row[j] + b[j]))) }
        }
    }

    /// dz = dy where y > 0, else 0 (relu's gradient from its output).
    @inline(never)
    static func reluGradient(count n: Int, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>) {
        for i in 0..<n {
            let g = dy[i]  // loaded unconditionally so the select vectorises
            dz[i] = y[i] > 0 ? g : 0
        }
    }

    /// dz = dy·y·(1 - y) (sigmoid's gradient from its output).
    @inline(never)
    static func sigmoidGradient(count n: Int, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>) {
        for i in 0..<n { dz[i] = dy[i] * y[i] * (1 - y[i]) }
    }

    /// b = column sums of d (rows x cols).
    @inline(never)
    static func columnSums(rows: Int, cols: Int, d: UnsafePointer<Float>, into b: UnsafeMutablePointer<Float>) {
        b.update(repeating: 0, count: cols)
        for r in 0..<rows {
            let row = d + r * cols
            for j in 0..<cols { b[j] += row[j] }
        }
    }

    /// Σ x², accumulated in Float per block of 1024 and in Double across blocks.
    @inline(never)
    static func sumOfSquares(count n: Int, x: UnsafePointer<Float>) -> Double {
        var total = 0.0
        var lo = 0
        while lo < n {
            let hi = min(lo + 1024, n)
            var s: Float = 0
            for j in lo..<hi { s += x[j] * x[j] }
            total += Double(s)
            lo = hi
        }
        return total
    }

    /// y += a·x.
    @inline(never)
    static func axpy(count n: Int, a: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        for j in 0..<n { y[j] += a * x[j] }
    }

    /// out = x·scale + offset, from bytes.
    @inline(never)
    static func convert(count n: Int, from src: UnsafePointer<UInt8>, to dst: UnsafeMutablePointer<Float>, scale: Float, offset: Float) {
        for j in 0..<n { dst[j] = Float(src[j]) * scale + offset }
    }
}
