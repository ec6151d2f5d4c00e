import Foundation
import NeuralNet
import SessionStore
import XCTest

/// Snapshots of live engine models: exact resume, weights export/import, Theta files.
final class ModelBindingTests: XCTestCase {
    /// 96 random 4x4 "images" with 10 classes.
    private func data() -> TrainingData {
        var rng = RNG(seed: 7)
        let count = 96
        let pixels = (0..<(count * 16)).map { _ in UInt8(rng.next() % 256) }
        let labels = (0..<count).map { _ in UInt8(rng.next() % 10) }
        return TrainingData(pixels: pixels, labels: labels, count: count, sampleShape: [4, 4, 1], transform: .normalized)
    }

    /// `filters`: 3 takes the im2col path; 8, on AVX2/AVX-512 CPUs, the direct kernels, where the
    /// conv also applies the dropout's mask.
    private func model(_ optimizer: OptimizerConfig, convolutional: Bool = false, filters: Int = 3) throws -> Sequential {
        if convolutional {
            let m = Sequential(inputShape: [4, 4, 1], seed: 3)
            try m.add(Conv2D(filters: filters, kernelSize: 3, padding: .same, activation: .relu))
            try m.add(MaxPool2D(poolSize: 2))
            try m.add(Dropout(rate: 0.25))
            try m.add(Flatten())
            try m.add(Dense(10, activation: .softmax))
            m.compile(optimizer: optimizer, loss: .sparseCategoricalCrossEntropy)
            return m
        }
        let m = Sequential(inputShape: [4, 4, 1], seed: 3)
        try m.add(Flatten())
        try m.add(Dense(12, activation: .relu, kernelInitializer: .normal(std: 0.5)))
        try m.add(Dense(10, activation: .softmax))
        m.compile(optimizer: optimizer, loss: .sparseCategoricalCrossEntropy, l2: 0.01)
        return m
    }

    /// Train 2 epochs straight vs 1, save, load, rebuild, 1 more: bit-identical weights, state and metrics.
    private func checkExactResume(
        _ optimizer: OptimizerConfig, convolutional: Bool = false, filters: Int = 3, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let dir = try makeTempDirectory(self)
        let d = data()

        let straight = try model(optimizer, convolutional: convolutional, filters: filters)
        var rngStraight = RNG(seed: 11)
        _ = try straight.fit(data: d, epochs: 2, batchSize: 16, validationSplit: 0.25, rng: &rngStraight)

        let first = try model(optimizer, convolutional: convolutional, filters: filters)
        var rng = RNG(seed: 11)
        _ = try first.fit(data: d, epochs: 1, batchSize: 16, validationSplit: 0.25, rng: &rng)
        var snapshot = SessionSnapshot(normalized: true, rng: ["training": rng.stateArray])
        try snapshot.capture(first)
        try SessionStore.save(snapshot, name: "resume", directory: dir)

        let loaded = try SessionStore.load(name: "resume", directory: dir).snapshot
        let resumed = try XCTUnwrap(try loaded.makeModel(), file: file, line: line)
        var resumedRNG = RNG(state: try XCTUnwrap(loaded.rng["training"]))
        XCTAssertEqual(resumed.weights.map(\.tensor), first.weights.map(\.tensor), "weights differ right after restore", file: file, line: line)
        XCTAssertEqual(resumed.optimizerState(), first.optimizerState(), "optimizer state differs right after restore", file: file, line: line)
        _ = try resumed.fit(data: d, epochs: 1, batchSize: 16, validationSplit: 0.25, rng: &resumedRNG)

        XCTAssertEqual(resumed.weights.map(\.name), straight.weights.map(\.name), file: file, line: line)
        for (a, b) in zip(resumed.weights, straight.weights) {
            XCTAssertEqual(a.tensor.data.map(\.bitPattern), b.tensor.data.map(\.bitPattern), "\(a.name) differs", file: file, line: line)
        }
        XCTAssertEqual(resumed.optimizerState(), straight.optimizerState(), file: file, line: line)
        // The restored model carries the saved history, so after one more epoch its whole history
        // equals the straight run's (but for wall-clock seconds).
        func withoutTimes(_ h: History) -> History {
            var h = h
            for i in h.epochs.indices { h.epochs[i].seconds = 0 }
            return h
        }
        XCTAssertEqual(withoutTimes(resumed.history), withoutTimes(straight.history), file: file, line: line)
        XCTAssertEqual(loaded.history.epochs.map(\.loss), [straight.history.epochs[0].loss], file: file, line: line)
        XCTAssertEqual(resumedRNG, rngStraight, file: file, line: line)
    }

    func testExactResumeAdam() throws { try checkExactResume(.adamDefault) }

    func testExactResumeConvolutionalWithDropout() throws { try checkExactResume(.adamDefault, convolutional: true) }

    func testExactResumeConvolutionalOnTheDirectKernels() throws {
        try checkExactResume(.adamDefault, convolutional: true, filters: 8)
    }

    func testConvolutionalSpec() throws {
        var snapshot = SessionSnapshot()
        try snapshot.capture(try model(.adamDefault, convolutional: true))
        XCTAssertEqual(snapshot.model?.oneLine, "Conv2D(3, 3x3, relu) → MaxPooling2D(2x2) → Dropout(0.25) → Flatten → Dense(10, softmax)")
        XCTAssertEqual(snapshot.model?.layers[0].padding, "same")
    }

    func testExactResumeMomentum() throws { try checkExactResume(.momentum(learningRate: 0.05, momentum: 0.9, nesterov: true)) }

    /// L-BFGS keeps its iterate, gradient and curvature pairs in Double; they are saved as float64,
    /// so a resumed run continues bit for bit.
    func testExactResumeLBFGS() throws {
        try checkExactResume(.lbfgs(history: 5))
        var snapshot = SessionSnapshot()
        let m = try model(.lbfgs(history: 5))
        var rng = RNG(seed: 1)
        _ = try m.fit(data: data(), epochs: 2, batchSize: 16, rng: &rng)
        try snapshot.capture(m)
        XCTAssertEqual(snapshot.optimizer?.arrays.map(\.name), ["x", "g", "s0", "y0", "s1", "y1"])
        XCTAssertEqual(snapshot.optimizer?.arrays.map(\.values.descr), Array(repeating: "<f8", count: 6))
    }

    /// Sessions saved before the iterate was kept (pairs as float32, no x, g, f) still load; L-BFGS
    /// then re-evaluates at the restored weights and continues close to the straight run.
    func testLBFGSStateWithoutTheIterateStillLoads() throws {
        let d = data()
        let straight = try model(.lbfgs(history: 5))
        var rng = RNG(seed: 11)
        _ = try straight.fit(data: d, epochs: 3, batchSize: 16, rng: &rng)
        let first = try model(.lbfgs(history: 5))
        _ = try first.fit(data: d, epochs: 2, batchSize: 16, rng: &rng)
        let full = try XCTUnwrap(first.optimizerState())
        let old = OptimizerState(
            kind: "lbfgs", scalars: full.scalars.filter { $0.key != "f" },
            tensors: full.vectors.filter { $0.name != "x" && $0.name != "g" }
                .map { ($0.name, Tensor(shape: [$0.values.count], data: $0.values.map(Float.init))) })
        let resumed = try model(.lbfgs(history: 5))
        try resumed.loadWeights(first.weights)
        try resumed.loadOptimizerState(old)
        _ = try resumed.fit(data: d, epochs: 1, batchSize: 16, rng: &rng)
        for (a, b) in zip(resumed.weights, straight.weights) {
            let gap = zip(a.tensor.data, b.tensor.data).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(gap, 1e-4, "\(a.name) drifted from the straight run")
        }
        XCTAssertThrowsError(
            try resumed.loadOptimizerState(OptimizerState(kind: "lbfgs", scalars: [:], tensors: [], vectors: [("x", [1, 2])])),
            "an iterate of the wrong size is refused")
    }

    func testSnapshotDescribesModel() throws {
        var snapshot = SessionSnapshot()
        try snapshot.capture(try model(.adamDefault))
        XCTAssertEqual(snapshot.model?.oneLine, "Flatten → Dense(12, relu) → Dense(10, softmax)")
        XCTAssertEqual(snapshot.model?.parameters.map(\.name), ["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"])
        XCTAssertEqual(snapshot.model?.layers[1].kernelInitializer, "normal(std=0.5)")
        XCTAssertEqual(snapshot.compile, CompileSpec(loss: "sparse_categorical_crossentropy", optimizer: "adam",
                                                     optimizerParameters: ["learning_rate": Double(Float(1e-3)), "beta_1": Double(Float(0.9)),
                                                                           "beta_2": Double(Float(0.999)), "epsilon": Double(Float(1e-7))],
                                                     l2: Double(Float(0.01))))
    }

    func testUnknownLayerTypeInManifestIsNamed() throws {
        var snapshot = SessionSnapshot()
        try snapshot.capture(try model(.adamDefault))
        snapshot.model?.layers[2].type = "Dense3D"
        let error = sessionError { _ = try snapshot.makeModel(file: "m.json") }
        XCTAssertEqual(error?.file, "m.json")
        XCTAssertTrue(error?.problem.hasPrefix("layer dense_1 (Dense3D): unknown layer type") ?? false, error?.description ?? "")
    }

    func testWeightsExportImportAndMismatch() throws {
        let dir = try makeTempDirectory(self)
        let source = try model(.adamDefault)
        let path = dir + "/w.npz"
        try WeightsFile.export(source, to: path)
        let target = Sequential(inputShape: [4, 4, 1], seed: 99)
        try target.add(Flatten())
        try target.add(Dense(12, activation: .relu))
        try target.add(Dense(10, activation: .softmax))
        XCTAssertNotEqual(target.weights.map(\.tensor), source.weights.map(\.tensor))
        try WeightsFile.importInto(target, from: path)
        XCTAssertEqual(target.weights.map(\.tensor), source.weights.map(\.tensor))

        let other = Sequential(inputShape: [4, 4, 1], seed: 1)
        try other.add(Flatten())
        try other.add(Dense(8, activation: .relu))
        try other.add(Dense(10, activation: .softmax))
        let before = other.weights.map(\.tensor)
        let error = sessionError { try WeightsFile.importInto(other, from: path) }
        XCTAssertEqual(error?.file, path)
        XCTAssertEqual(error?.problem, "does not match the model: dense.kernel: expected shape (16, 8), found (16, 12); dense.bias: expected shape (8,), found (12,); dense_1.kernel: expected shape (8, 10), found (12, 10)")
        XCTAssertEqual(other.weights.map(\.tensor), before, "a failed import changed the model")
    }

    /// Weights from outside must be finite: one NaN or inf makes every prediction NaN.
    func testImportRefusesNonFiniteWeightsAndChangesNothing() throws {
        let dir = try makeTempDirectory(self)
        let target = try model(.adamDefault)
        let before = target.weights.map(\.tensor)
        var arrays = target.weights.map { NamedArray(name: $0.name, shape: $0.tensor.shape, values: .float32($0.tensor.data)) }
        guard case .float32(var kernel) = arrays[2].values else { return XCTFail("float32 expected") }
        kernel[5] = .infinity
        arrays[2].values = .float32(kernel)
        let path = dir + "/inf.npz"
        try NPZFile.write(arrays, to: path)
        let error = sessionError { try WeightsFile.importInto(target, from: path) }
        XCTAssertEqual(error?.problem, "\(arrays[2].name) value 5 of \(kernel.count) is inf")
        XCTAssertEqual(target.weights.map(\.tensor), before, "a failed import changed the model")

        let thetaModel = Sequential(inputShape: [28, 28, 1], seed: 4)
        try thetaModel.add(Flatten())
        try thetaModel.add(Dense(100, activation: .sigmoid))
        try thetaModel.add(Dense(10, activation: .sigmoid))
        try ThetaFiles.export(thetaModel, to: dir)
        let file = dir + "/Theta2.txt"
        var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        var row = lines[1].split(separator: " ").map(String.init)
        row[2] = "nan"
        lines[1] = row.joined(separator: " ")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let thetaBefore = thetaModel.weights.map(\.tensor)
        let thetaError = sessionError { try ThetaFiles.importInto(thetaModel, from: dir) }
        XCTAssertEqual(thetaError?.file, file)
        XCTAssertEqual(thetaError?.problem, "row 2, column 3 is nan")
        XCTAssertEqual(thetaModel.weights.map(\.tensor), thetaBefore, "a failed import changed the model")
    }

    func testThetaExportImport() throws {
        let dir = try makeTempDirectory(self)
        func recipe(_ seed: UInt64) throws -> Sequential {
            let m = Sequential(inputShape: [28, 28, 1], seed: seed)
            try m.add(Flatten())
            try m.add(Dense(100, activation: .sigmoid, kernelInitializer: .uniform(limit: 0.15)))
            try m.add(Dense(10, activation: .sigmoid, kernelInitializer: .uniform(limit: 0.15)))
            return m
        }
        let source = try recipe(1), target = try recipe(2)
        try ThetaFiles.export(source, to: dir)
        let theta2 = try ThetaMatrix(text: String(contentsOfFile: dir + "/Theta2.txt", encoding: .utf8), file: "Theta2.txt")
        XCTAssertEqual([theta2.rows, theta2.cols], [10, 101])
        let kernel2 = source.weights[2].tensor.data   // (100, 10)
        XCTAssertEqual(Float(theta2.values[3 * 101 + 1 + 42]), kernel2[42 * 10 + 3])   // Theta2[3, 1 + 42] = W[42, 3]
        try ThetaFiles.importInto(target, from: dir)
        XCTAssertEqual(target.weights.map(\.tensor), source.weights.map(\.tensor))

        let error = sessionError { try ThetaFiles.export(try model(.adamDefault), to: dir) }
        XCTAssertEqual(error?.problem, "Theta files describe a 784-100(sigmoid)-10(sigmoid) network with biases; this model is 16-12(relu)-10(softmax)")
    }
}
