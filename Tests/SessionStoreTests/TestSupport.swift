import Foundation
import NeuralNet
import SessionStore
import XCTest

/// A fresh temporary directory, removed when the test ends.
func makeTempDirectory(_ test: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("session-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

/// A numpy-written fixture shipped with the tests.
func fixture(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil) else {
        throw XCTSkip("fixture \(name) not found in the test bundle")
    }
    return url.path
}

/// The error `body` throws, as a SessionError (fails the test if it throws nothing or something else).
func sessionError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> SessionError? {
    do { try body() } catch let error as SessionError { return error } catch {
        XCTFail("expected a SessionError, got \(error)", file: file, line: line)
        return nil
    }
    XCTFail("expected a SessionError, nothing was thrown", file: file, line: line)
    return nil
}

/// A snapshot with every field set, including awkward floats (NaN payloads, -0, subnormals).
func fullSnapshot() -> SessionSnapshot {
    let kernel = (0..<(6 * 4)).map { Float($0) * 0.37 - 3 }
    var bias: [Float] = [0, -0.0, .nan, .leastNonzeroMagnitude]
    bias[2] = Float(bitPattern: 0x7fc0_1234)
    let model = ModelSpec(
        inputShape: [2, 3, 1],
        layers: [LayerSpec(type: "Flatten", name: "flatten"),
                 LayerSpec(type: "Dense", name: "dense", units: 4, activation: "sigmoid", useBias: true,
                           kernelInitializer: "uniform(±0.15)", biasInitializer: "zeros"),
                 LayerSpec(type: "Dropout", name: "dropout", rate: 0.2)],
        parameters: [ParameterSpec(name: "dense.kernel", shape: [6, 4]), ParameterSpec(name: "dense.bias", shape: [4])])
    return SessionSnapshot(
        dataset: DatasetRef(source: "mnist", name: "MNIST", files: [DatasetFile(path: "/nonexistent/train.gz", sha256: String(repeating: "a", count: 64), size: 12)]),
        normalized: true,
        model: model,
        weights: [NamedArray(name: "dense.kernel", shape: [6, 4], values: .float32(kernel)),
                  NamedArray(name: "dense.bias", shape: [4], values: .float32(bias))],
        compile: CompileSpec(loss: "mean_squared_error", lossTargets: [0.01, 0.99], optimizer: "adam",
                             optimizerParameters: ["learning_rate": Double(Float(1e-3)), "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7],
                             l2: Double(Float(0.1))),
        optimizer: OptimizerSnapshot(kind: "adam", scalars: ["iterations": 938],
                                     arrays: [NamedArray(name: "m:dense.kernel", shape: [6, 4], values: .float32(kernel.map { $0 / 7 })),
                                              NamedArray(name: "v:dense.bias", shape: [4], values: .float32([1e-30, 2, 3, 4]))]),
        rng: ["training": [0, 1, UInt64.max, 0x8000_0000_0000_0001], "init": [5, 6, 7, 8]],
        shufflePosition: 12_345,
        history: History(
            epochs: [EpochRecord(epoch: 1, loss: 0.3066, accuracy: 0.9127, seconds: 3.25, batches: 469, partial: false),
                     EpochRecord(epoch: 2, loss: .nan, accuracy: 1.0 / 3, valLoss: 0.1, valAccuracy: 0.97, seconds: 0.5, batches: 12, partial: true)],
            batchLosses: [2.3, .nan, -0.0, .infinity], batchAccuracies: [0.1, 0.2, 0.3, 0.4]),
        epochsTrained: 2,
        lastTestAccuracy: 0.9731,
        commandHistory: ["load mnist", "normalize", "", "train --epochs 2  # two spaces, unicode → ok"])
}

/// Runs `body` with the process's file-size limit at `bytes` (writes past it fail with EFBIG, as
/// on a full disk, instead of raising SIGXFSZ), then restores the limit.
func withFileSizeLimit<T>(_ bytes: rlim_t, _ body: () throws -> T) rethrows -> T {
    signal(SIGXFSZ, SIG_IGN)
    var saved = rlimit()
    getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
    var limit = saved
    limit.rlim_cur = bytes
    setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
    defer {
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, SIG_DFL)
    }
    return try body()
}
