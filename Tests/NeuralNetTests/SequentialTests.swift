import NeuralNet
import XCTest

final class SequentialTests: XCTestCase {
    func testPresetParameterCountsMatchKeras() throws {
        let expected = ["colab-mlp": 669_706, "keras-mlp": 623_290, "lbfgs-sigmoid": 79_510,
                        "sgd-relu": 784 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10, "per-sample-sigmoid": 784 * 200 + 200 * 10]
        for (name, count) in expected {
            let model = try XCTUnwrap(Preset.named(name)).makeModel(seed: 0)
            XCTAssertEqual(model.parameterCount, count, name)
        }
    }

    func testSummaryRowsAndKerasNames() throws {
        let model = try Preset.named("colab-mlp")!.makeModel(seed: 0)
        let rows = model.summaryRows
        XCTAssertEqual(rows.map(\.name), ["flatten", "dense", "dense_1", "dense_2"])
        XCTAssertEqual(rows.map(\.type), ["Flatten", "Dense", "Dense", "Dense"])
        XCTAssertEqual(rows.map(\.outputShape), ["(None, 784)", "(None, 512)", "(None, 512)", "(None, 10)"])
        XCTAssertEqual(rows.map(\.params), [0, 401_920, 262_656, 5_130])
        XCTAssertEqual(model.parameterNames.first, "dense.kernel")
        XCTAssertEqual(model.parameters.first?.value.shape, [784, 512])
    }

    func testShapeErrorMessages() throws {
        let model = Sequential(inputShape: [28, 28, 1])
        try model.add(Flatten())
        try model.add(Dense(64, activation: .relu))
        let flat = Sequential(inputShape: [28, 28, 1])
        XCTAssertThrowsError(try flat.add(Dense(10))) { error in
            XCTAssertEqual("\(error)", "dense: expects a flat input (N, features) but gets (28, 28, 1); add flatten first")
        }
        XCTAssertTrue(flat.layers.isEmpty, "a rejected layer is not added")
        // The failed add does not use up a name.
        try flat.add(Flatten())
        try flat.add(Dense(10))
        XCTAssertEqual(flat.layers.last?.name, "dense")

        let two = Sequential(inputShape: [28, 28, 1])
        try two.add(Flatten())
        try two.add(Dense(4))
        try two.add(Dense(4))
        XCTAssertEqual(two.layers.last?.name, "dense_1")
        let image = Sequential(inputShape: [28, 28, 1])
        XCTAssertThrowsError(try image.add(ActivationLayer(.softmax))) { error in
            XCTAssertEqual("\(error)", "activation: softmax expects a flat input (N, classes) but gets (28, 28, 1); add flatten first")
        }
    }

    func testPopAndNamesContinueLikeKeras() throws {
        let model = Sequential(inputShape: [4, 4, 1])
        try model.add(Flatten())
        try model.add(Dense(3))
        XCTAssertEqual(model.pop()?.name, "dense")
        XCTAssertEqual(model.outputShape, [16])
        try model.add(Dense(2))
        XCTAssertEqual(model.layers.last?.name, "dense_1")
        XCTAssertEqual(model.parameterCount, 16 * 2 + 2)
    }

    func testInitialisersFollowKerasDefinitions() throws {
        let model = Sequential(inputShape: [100], seed: 3)
        try model.add(Dense(300))
        let w = model.parameters[0].value.data
        let limit = Float((6.0 / 400).squareRoot())
        XCTAssertLessThanOrEqual(w.map(abs).max()!, limit)
        XCTAssertGreaterThan(w.map(abs).max()!, 0.95 * limit)
        XCTAssertTrue(model.parameters[1].value.data.allSatisfy { $0 == 0 }, "zero biases")

        var rng = RNG(seed: 1)
        let n = Initializer.heNormal.values(count: 20_000, fanIn: 50, fanOut: 10, rng: &rng)
        let std = (n.reduce(0) { $0 + Double($1 * $1) } / Double(n.count)).squareRoot()
        XCTAssertEqual(std, (2.0 / 50).squareRoot(), accuracy: 0.01)
        let u = Initializer.uniform(limit: 0.15).values(count: 1000, fanIn: 1, fanOut: 1, rng: &rng)
        XCTAssertTrue(u.allSatisfy { abs($0) <= 0.15 })
    }

    func testPredictGivesProbabilities() throws {
        let data = EngineFixtures.synthetic(count: 37, side: 28)
        let model = try Preset.named("colab-mlp")!.makeModel(seed: 0)
        let p = try model.predict(pixels: data.pixels, count: 37, sampleShape: [28, 28, 1], transform: .normalized)
        XCTAssertEqual(p.shape, [37, 10])
        for r in 0..<37 {
            XCTAssertEqual(p.data[(r * 10)..<(r * 10 + 10)].reduce(0, +), 1, accuracy: 1e-5)
        }
        let small = try model.predict(data: data, batchSize: 5)
        let worst = zip(small.data, p.data).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-5, "batching changes predictions only by rounding")
    }

    /// A layer whose activations cannot fit even for one image is refused at `add`; a batch too big
    /// for memory is refused by `fit` before anything is allocated, and inference batches shrink.
    func testActivationMemoryIsCheckedAtAddAndFit() throws {
        let huge = Sequential(inputShape: [16_384, 16_384, 1])
        XCTAssertThrowsError(try huge.add(Conv2D(filters: 4096, kernelSize: 3, padding: .same))) { error in
            XCTAssertTrue("\(error)".hasPrefix("conv2d: with its output of (16384, 16384, 4096), one image's activations would need 13197360 MB in training"),
                          "\(error)")
        }
        XCTAssertEqual(huge.layers.count, 0, "nothing added")

        let model = Sequential(inputShape: [8, 8, 1])
        try model.add(Conv2D(filters: 4096, kernelSize: 3, padding: .same, activation: .relu))
        try model.add(Flatten())
        try model.add(Dense(10, activation: .softmax))
        model.compile(optimizer: .sgd(learningRate: 0.01), loss: .sparseCategoricalCrossEntropy)
        // (64 + 64·4096 + 64·4096 + 10) values per image, three copies of 4 bytes each.
        XCTAssertEqual(model.activationBytesPerSample, (64 + 2 * 64 * 4096 + 10) * 12)
        let limit = model.maxBatchSize
        XCTAssertEqual(limit, Limits.maxActivationBytes / model.activationBytesPerSample)
        var rng = RNG(seed: 0)
        let data = EngineFixtures.synthetic(count: 4, side: 8)
        XCTAssertThrowsError(try model.fit(data: data, epochs: 1, batchSize: limit + 1, rng: &rng)) { error in
            XCTAssertTrue("\(error)".contains("at most \(limit) images per batch fit in this machine's memory; use a smaller batch"), "\(error)")
        }
        XCTAssertEqual(model.history.epochs.count, 0)
        XCTAssertEqual(try model.fit(data: data, epochs: 1, batchSize: 4, rng: &rng).status, .completed)
    }
}
