/// Element-wise loops over raw pointers, kept out of line so LLVM sees plain pointer arguments
/// (it then checks aliasing once and vectorises) instead of array accesses inside closures.
enum Kernels {
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

    /// b = column sums of d (rows x cols, rows `stride` apart).
    @inline(never)
    static func columnSums(rows: Int, cols: Int, stride: Int, d: UnsafePointer<Float>, into b: UnsafeMutablePointer<Float>) {
        b.update(repeating: 0, count: cols)
        for r in 0..<rows {
            let row = d + r * stride
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
}
