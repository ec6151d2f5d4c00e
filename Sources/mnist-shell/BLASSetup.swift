import Foundation
import NeuralNet

/// Makes sure OpenBLAS runs its fast kernels.
///
/// Debian's OpenBLAS 0.3.21 does not recognise some virtual CPUs (AVX-512 Xeons show up as
/// "Prescott") and then runs sgemm about 8x slower. OpenBLAS picks its kernel when the library is
/// loaded, before `main`, so the only fix from inside the program is to set OPENBLAS_CORETYPE and
/// re-execute ourselves once. A user's own OPENBLAS_CORETYPE is always respected.
enum BLASSetup {
    static func ensureFastKernel() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil,
              let core = BLASTuning.recommendedCoreType(current: BLAS.coreName)
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let args = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the slow kernel rather than not at all.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
