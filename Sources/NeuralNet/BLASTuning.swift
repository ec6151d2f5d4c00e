import CSupport

/// Picks a better OpenBLAS kernel family when OpenBLAS's own CPU detection undersells the CPU.
///
/// Debian's OpenBLAS 0.3.21 identifies some virtual CPUs (AVX-512 Xeons under KVM) as "Prescott",
/// whose SSE3 sgemm is about 8x slower. The executable re-executes itself with `OPENBLAS_CORETYPE`
/// set to the recommendation.
public enum BLASTuning {
    /// Kernel families weaker than Sandybridge (no AVX kernels).
    static let legacyFamilies: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
        "northwood", "banias", "yonah", "opteron", "opteron_sse3", "barcelona", "bobcat", "athlon",
        "generic", "unknown",
    ]

    /// What the CPU can run, best first.
    public enum Capability: Int, Comparable, Sendable {
        case legacy, avx, avx2, avx512
        public static func < (a: Capability, b: Capability) -> Bool { a.rawValue < b.rawValue }

        /// Probed with cpuid (including OS support for the wider registers).
        public static var current: Capability {
            if csupport_cpu_has_avx512() != 0 { return .avx512 }
            if csupport_cpu_has_avx2_fma() != 0 { return .avx2 }
            if csupport_cpu_has_avx() != 0 { return .avx }
            return .legacy
        }
    }

    /// The OPENBLAS_CORETYPE to use instead of `current` (OpenBLAS's `coreName`), or nil when
    /// `current` is already as good as the CPU allows or is unknown to this table.
    public static func recommendedCoreType(current: String) -> String? {
        recommendedCoreType(current: current, capability: .current)
    }

    /// Same as `recommendedCoreType(current:)` for a given capability (testable on any machine).
    /// Never returns "SkylakeX" without AVX-512: its kernels die with an illegal instruction.
    public static func recommendedCoreType(current: String, capability: Capability) -> String? {
        let name = current.lowercased()
        let currentLevel: Capability
        if legacyFamilies.contains(name) {
            currentLevel = .legacy
        } else if ["sandybridge", "bulldozer", "piledriver", "steamroller", "excavator"].contains(name) {
            currentLevel = .avx
        } else {
            return nil  // Haswell, Zen, SkylakeX, Cooperlake, ...: already vectorised; leave alone.
        }
        guard capability > currentLevel else { return nil }
        switch capability {
        case .avx512: return "SkylakeX"
        case .avx2: return "Haswell"
        case .avx: return "Sandybridge"
        case .legacy: return nil
        }
    }

    /// Measured sgemm rate in GFLOP/s for C(m x n) = A(m x k)·B(k x n): median of `repeats` timed
    /// runs after one warm-up, each run repeating the product enough to last about 20 ms.
    public static func measureGEMM(m: Int, n: Int, k: Int, repeats: Int = 5) -> Double {
        var rng = RNG(seed: 1)
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
        let b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
        var c = [Float](repeating: 0, count: m * n)
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let inner = max(1, Int(2e9 / flops))  // ~20 ms at 100 GFLOP/s
        func run() {
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        for _ in 0..<inner {
                            BLAS.gemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n,
                                      c: cp.baseAddress!, ldc: n)
                        }
                    }
                }
            }
        }
        run()
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            let t0 = ContinuousClock.now
            run()
            times.append((ContinuousClock.now - t0).seconds / Double(inner))
        }
        times.sort()
        return flops / times[times.count / 2] / 1e9
    }
}
