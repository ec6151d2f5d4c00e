import NeuralNet
import XCTest

/// Real data, when Debian's dataset-fashion-mnist is installed; skipped otherwise.
final class FashionMNISTTests: XCTestCase {
    func testColabMLPOneEpochReaches84Percent() throws {
        guard let (train, test) = EngineFixtures.fashion() else {
            throw XCTSkip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
        }
        XCTAssertEqual(train.count, 60_000)
        XCTAssertEqual(test.count, 10_000)
        let preset = try XCTUnwrap(Preset.named("colab-mlp"))
        let model = try preset.makeModel(seed: 1)
        var rng = RNG(seed: 1)
        let outcome = try model.fit(data: train, epochs: 1, batchSize: preset.batchSize, rng: &rng)
        XCTAssertEqual(outcome.status, .completed)
        XCTAssertEqual(model.history.batchLosses.count, 469)
        let (_, accuracy) = try model.evaluate(data: test)
        XCTAssertGreaterThanOrEqual(accuracy, 0.84)
    }
}
