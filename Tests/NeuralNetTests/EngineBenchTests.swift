import Foundation
import NeuralNet
import XCTest

/// Timings on real data; skipped unless BENCH=1 (timings are measured, not asserted).
///
///     BENCH=1 swift test -c release --filter EngineBenchTests
final class EngineBenchTests: XCTestCase {
    override func setUpWithError() throws {
        guard ProcessInfo.processInfo.environment["BENCH"] == "1" else { throw XCTSkip("set BENCH=1 to run timings") }
    }

    private func peakRSSMegabytes() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM") }) else { return .nan }
        return Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") .map { $0 / 1024 } ?? .nan
    }

    func testGEMMRate() {
        print("BENCH core=\(BLAS.coreName) threads=\(BLAS.threads) recommended=\(BLASTuning.recommendedCoreType(current: BLAS.coreName) ?? "none")")
        for (m, n, k) in [(1024, 1024, 1024), (128, 512, 784), (128, 784, 512), (784, 512, 128)] {
            print("BENCH sgemm \(m)x\(k) @ \(k)x\(n): \(String(format: "%.1f", BLASTuning.measureGEMM(m: m, n: n, k: k))) GFLOP/s")
        }
    }

    func testColabMLPEpoch() throws {
        guard let (train, test) = EngineFixtures.fashion() else { throw XCTSkip("no Fashion-MNIST") }
        let epochs = Int(ProcessInfo.processInfo.environment["EPOCHS"] ?? "3") ?? 3
        let model = try Preset.named("colab-mlp")!.makeModel(seed: 1)
        var rng = RNG(seed: 2)
        let outcome = try model.fit(data: train, epochs: epochs, batchSize: 128, rng: &rng)
        XCTAssertEqual(outcome.status, .completed)
        let t0 = ContinuousClock.now
        let (loss, acc) = try model.evaluate(data: test)
        let evalSeconds = Double((ContinuousClock.now - t0).components.attoseconds) * 1e-18 + Double((ContinuousClock.now - t0).components.seconds)
        for r in model.history.epochs {
            print("BENCH colab-mlp epoch \(r.epoch): \(String(format: "%.3f", r.seconds)) s, loss \(String(format: "%.4f", r.loss)), acc \(String(format: "%.4f", r.accuracy))")
        }
        print("BENCH colab-mlp test loss \(loss) acc \(acc); evaluate 10k \(evalSeconds) s; peak RSS \(peakRSSMegabytes()) MB")
    }

    func testLBFGSSigmoid() throws {
        guard let (train, test) = EngineFixtures.fashion() else { throw XCTSkip("no Fashion-MNIST") }
        let iterations = Int(ProcessInfo.processInfo.environment["ITERS"] ?? "70") ?? 70
        let preset = Preset.named("lbfgs-sigmoid")!
        let model = try preset.makeModel(seed: 3)
        var rng = RNG(seed: 4)
        let t0 = ContinuousClock.now
        let outcome = try model.fit(data: train, epochs: iterations, batchSize: preset.batchSize, rng: &rng)
        let dt = ContinuousClock.now - t0
        let evals = model.history.epochs.reduce(0) { $0 + $1.batches }
        let (_, testAcc) = try model.evaluate(data: test)
        let (_, trainAcc) = try model.evaluate(data: train)
        print("BENCH lbfgs-sigmoid \(outcome.status) \(model.history.epochs.count) iterations, \(evals) evaluations, \(dt), final cost \(model.history.epochs.last?.loss ?? .nan), test acc \(testAcc), train acc \(trainAcc)")
    }

    func testSGDReluEpoch() throws {
        guard let (train, test) = EngineFixtures.fashion() else { throw XCTSkip("no Fashion-MNIST") }
        let preset = Preset.named("sgd-relu")!
        let model = try preset.makeModel(seed: 3)
        var raw = train
        raw.transform = preset.transform
        var rng = RNG(seed: 4)
        _ = try model.fit(data: raw, epochs: 2, batchSize: preset.batchSize, rng: &rng)
        var rawTest = test
        rawTest.transform = preset.transform
        let (_, acc) = try model.evaluate(data: rawTest)
        print("BENCH sgd-relu epochs \(model.history.epochs.map { String(format: "%.3f", $0.seconds) }) s, test acc \(acc)")
    }
}
