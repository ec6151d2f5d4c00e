import Foundation

extension BLASTuning {
    /// Makes sure OpenBLAS runs fast, for executables to call first thing in `main`.
    ///
    /// OpenBLAS reads its settings when the library is loaded, before `main`, so the only fix from
    /// inside a program is to set them and re-execute itself once. Two settings matter:
    /// - OPENBLAS_CORETYPE, when OpenBLAS's own CPU detection picked a weaker kernel family than the
    ///   CPU supports (Debian's 0.3.21 on virtual AVX-512 CPUs: "Prescott", 8x slower sgemm);
    /// - OPENBLAS_THREAD_TIMEOUT=4: idle OpenBLAS workers otherwise spin on sched_yield for a long
    ///   time after each threaded product and steal the core our own threads (conv, Adam) need
    ///   between products (the small CNN trains about 20 % faster with it).
    /// A user's own settings are always respected. If exec fails, the program carries on, slower.
    public static func reexecWithFastKernelIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        var changed = false
        if env["OPENBLAS_CORETYPE"] == nil, let core = recommendedCoreType(current: BLAS.coreName) {
            setenv("OPENBLAS_CORETYPE", core, 1)
            changed = true
        }
        if env["OPENBLAS_THREAD_TIMEOUT"] == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
            changed = true
        }
        guard changed else { return }
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
    }
}
