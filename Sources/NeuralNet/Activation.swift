import Foundation

/// An element-wise (or, for softmax, row-wise) activation, applied in place on row-major buffers.
///
/// Gradients are computed from the activation's *output* `y`, which every layer keeps anyway, so no
/// pre-activation copy is needed: relu' = [y > 0], sigmoid' = y(1 - y), tanh' = 1 - y², and softmax
/// uses the Jacobian-vector product y ⊙ (dy - Σ dy·y).
public enum Activation: String, Sendable, CaseIterable, Equatable {
    case relu, sigmoid, tanh, softmax

    /// Replaces `z` (rows x cols) by f(z).
    public func apply(_ z: UnsafeMutableBufferPointer<Float>, rows: Int, cols: Int) {
        switch self {
        case .relu:
            for i in 0..<z.count { z[i] = max(z[i], 0) }
        case .sigmoid:
            for i in 0..<z.count { z[i] = 1 / (1 + FastMath.exp(-z[i])) }
        case .tanh:
            for i in 0..<z.count { z[i] = Foundation.tanh(z[i]) }
        case .softmax:
            for r in 0..<rows {
                let row = UnsafeMutableBufferPointer(rebasing: z[(r * cols)..<((r + 1) * cols)])
                var m = -Float.infinity
                for j in 0..<cols { m = max(m, row[j]) }
                var s: Float = 0
                for j in 0..<cols {
                    let e = FastMath.exp(row[j] - m)
                    row[j] = e
                    s += e
                }
                let inv = 1 / s
                for j in 0..<cols { row[j] *= inv }
            }
        }
    }

    /// Writes dz = dy ⊙ f'(z) into `dz`, given the activation output `y`. `dz` may alias `dy`.
    public func gradient(
        y: UnsafeBufferPointer<Float>, dy: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int
    ) {
        let n = rows * cols
        switch self {
        case .relu:
            Kernels.reluGradient(count: n, y: y.baseAddress!, dy: dy, dz: dz)
        case .sigmoid:
            Kernels.sigmoidGradient(count: n, y: y.baseAddress!, dy: dy, dz: dz)
        case .tanh:
            for i in 0..<n { dz[i] = dy[i] * (1 - y[i] * y[i]) }
        case .softmax:
            for r in 0..<rows {
                let o = r * cols
                var dot: Float = 0
                for j in 0..<cols { dot += dy[o + j] * y[o + j] }
                for j in 0..<cols { dz[o + j] = y[o + j] * (dy[o + j] - dot) }
            }
        }
    }
}

/// Branch-free float helpers the compiler can vectorise (libm's expf is a call per element).
public enum FastMath {
    /// e^x for Float, relative error below 3e-7 on [-87.3, 88]; 0 below, +inf above 88.72, NaN
    /// stays NaN (between 88 and 88.72 it returns e^88).
    ///
    /// Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, then a degree-6 polynomial for e^r
    /// (Cephes expf coefficients). n is rounded by adding 1.5·2²³, which also leaves n in the low
    /// bits of that sum, from which 2^n is assembled — no floorf call and no trapping Int32
    /// conversion, so loops calling this vectorise.
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.0)
        let t = xc * 1.442_695_04 + 12_582_912
        let n = t - 12_582_912
        var r = xc - n * 0.693_359_375
        r -= n * -2.121_944_4e-4
        var p: Float = 1.987_569_150e-4
        p = p * r + 1.398_199_950e-3
        p = p * r + 8.333_451_907e-3
        p = p * r + 4.166_579_589e-2
        p = p * r + 1.666_666_546e-1
        p = p * r + 5.000_000_120e-1
        let er = p * r * r + r + 1
        let scale = Float(bitPattern: (t.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        let v = er * scale
        return x.isNaN ? x : (x < -87.3 ? 0 : (x > 88.72 ? .infinity : v))
    }

    /// √x for x >= 0 within a few ulp, branch-free so loops using it vectorise.
    ///
    /// On Linux `Float.squareRoot()` becomes a libm call guarded for errno, which stops LLVM from
    /// vectorising the loop; this uses the bit-trick reciprocal square root and three Newton steps.
    @inline(__always)
    public static func sqrt(_ x: Float) -> Float {
        var r = Float(bitPattern: 0x5F37_5A86 &- (x.bitPattern >> 1))
        let h = 0.5 * x
        r = r * (1.5 - h * r * r)
        r = r * (1.5 - h * r * r)
        r = r * (1.5 - h * r * r)
        return x * r
    }
}
