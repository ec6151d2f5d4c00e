import NeuralNet
import XCTest

/// The CNN presets (built from the conv helper's Conv2D/MaxPool2D/Dropout).
final class PresetsCNNTests: XCTestCase {
    func testCNNPresetsMatchKerasSummaries() throws {
        let small = try XCTUnwrap(Preset.named("cnn-small")).makeModel(seed: 0)
        XCTAssertEqual(small.summaryRows.map(\.name), ["conv2d", "max_pooling2d", "dropout", "flatten", "dense", "dense_1"])
        XCTAssertEqual(small.summaryRows.map(\.outputShape),
                       ["(None, 24, 24, 32)", "(None, 12, 12, 32)", "(None, 12, 12, 32)", "(None, 4608)", "(None, 128)", "(None, 10)"])
        XCTAssertEqual(small.parameterCount, 832 + 589_952 + 1_290)
        let large = try XCTUnwrap(Preset.named("cnn-large")).makeModel(seed: 0)
        XCTAssertEqual(large.parameterCount, 780 + 4_065 + 48_128 + 6_450 + 510)
        XCTAssertEqual(large.summaryRows.map(\.name).filter { $0.hasPrefix("conv2d") }, ["conv2d", "conv2d_1"])
    }

    func testConvAfterFlattenIsRejected() throws {
        let model = Sequential(inputShape: [28, 28, 1])
        try model.add(Flatten())
        XCTAssertThrowsError(try model.add(Conv2D(filters: 4, kernelSize: 3))) { error in
            XCTAssertTrue("\(error)".hasPrefix("conv2d: "), "\(error)")
        }
    }

    func testSmallCNNTrainsOnSyntheticData() throws {
        let data = EngineFixtures.synthetic(count: 240, side: 28, seed: 5)
        let model = try XCTUnwrap(Preset.named("cnn-small")).makeModel(seed: 1)
        var rng = RNG(seed: 1)
        _ = try model.fit(data: data, epochs: 2, batchSize: 40, rng: &rng)
        XCTAssertGreaterThan(model.history.epochs.last!.accuracy, 0.7)
    }
}
