import Foundation

extension BLASTuning {
    /// Makes sure OpenBLAS runs its fast kernels, for executables to call first thing in `main`.
    ///
    /// OpenBLAS picks its kernel when the library is loaded, before `main`, so the only fix from
    /// inside a program is to set OPENBLAS_CORETYPE and re-execute itself once. A user's own
    /// OPENBLAS_CORETYPE is always respected. If exec fails, the program carries on, slower.
    ///
    /// OPENBLAS_THREAD_TIMEOUT is deliberately left alone: measured here, 4 (idle workers sleep at
    /// once) makes the small CNN ~20 % faster but the Colab MLP ~25 % slower (workers wake too late
    /// for its many small GEMMs); 16-20 sit in between. See README, Benchmark.
    public static func reexecWithFastKernelIfNeeded() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let core = recommendedCoreType(current: BLAS.coreName)
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        unsetenv("OPENBLAS_CORETYPE")
    }
}
