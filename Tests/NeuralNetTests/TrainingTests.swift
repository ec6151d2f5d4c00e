import NeuralNet
import XCTest

final class TrainingTests: XCTestCase {
    private let data = EngineFixtures.synthetic(count: 600, side: 8, seed: 21)

    private func mlp(seed: UInt64 = 4, optimizer: OptimizerConfig = .adamDefault) throws -> Sequential {
        let model = Sequential(inputShape: [8, 8, 1], seed: seed)
        try model.add(Flatten())
        try model.add(Dense(32, activation: .relu))
        try model.add(Dense(10, activation: .softmax))
        model.compile(optimizer: optimizer, loss: .sparseCategoricalCrossEntropy)
        return model
    }

    func testLearnsAndReportsEvents() throws {
        let model = try mlp()
        var rng = RNG(seed: 1)
        var events: [TrainingEvent] = []
        let outcome = try model.fit(data: data, epochs: 10, batchSize: 32, validationSplit: 0.2, rng: &rng) { events.append($0) }
        XCTAssertEqual(outcome, FitOutcome(status: .completed, epochsCompleted: 10, message: nil))
        XCTAssertEqual(events.first, .epochBegin(epoch: 1, totalEpochs: 10, globalEpoch: 1, batches: 15))
        XCTAssertEqual(events.filter { if case .batchEnd = $0 { true } else { false } }.count, 150)
        let h = model.history
        XCTAssertEqual(h.epochs.map(\.epoch), Array(1...10))
        XCTAssertEqual(h.batchLosses.count, 150)
        XCTAssertLessThan(h.epochs[9].loss, h.epochs[0].loss)
        XCTAssertGreaterThan(h.epochs[9].accuracy, 0.9)
        XCTAssertNotNil(h.epochs[9].valLoss)
        XCTAssertGreaterThan(h.epochs[9].valAccuracy ?? 0, 0.85)
        if case .batchEnd(let b, let n, let loss, _, _) = events[events.count - 2] {
            XCTAssertEqual(b, 15)
            XCTAssertEqual(n, 15)
            XCTAssertEqual(loss, h.epochs[9].loss, accuracy: 1e-12, "the last running mean is the epoch loss")
        } else {
            XCTFail("expected batchEnd before epochEnd")
        }

        let (loss, acc) = try model.evaluate(data: data)
        XCTAssertTrue(loss.isFinite)
        let confusion = try model.confusionMatrix(data: data)
        XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), data.count)
        let diagonal = (0..<10).reduce(0) { $0 + confusion[$1][$1] }
        XCTAssertEqual(Double(diagonal) / Double(data.count), acc, accuracy: 1e-12)
        let report = ClassMetrics.report(confusion: confusion)
        XCTAssertEqual(report.map(\.support), (0..<10).map { c in data.labels.filter { $0 == c }.count })
    }

    func testClassMetrics() {
        let r = ClassMetrics.report(confusion: [[3, 1], [2, 4]])
        XCTAssertEqual(r[0].precision, 0.6, accuracy: 1e-12)
        XCTAssertEqual(r[0].recall, 0.75, accuracy: 1e-12)
        XCTAssertEqual(r[0].f1, 2 * 0.6 * 0.75 / 1.35, accuracy: 1e-12)
        XCTAssertEqual(r[1].support, 6)
        XCTAssertEqual(r[1].predicted, 5)
    }

    /// A class that is neither a true label nor a prediction (a 3-unit output on 2-class data) is
    /// left out of the macro average, as scikit-learn's report does.
    func testMacroAverageSkipsClassesThatNeverOccur() {
        let r = ClassMetrics.report(confusion: [[3, 1, 0], [2, 4, 0], [0, 0, 0]])
        XCTAssertEqual(r.map(\.occurs), [true, true, false])
        let macro = ClassMetrics.macroAverage(r)
        XCTAssertEqual(macro.precision, (0.6 + 0.8) / 2, accuracy: 1e-12)
        XCTAssertEqual(macro.recall, (0.75 + 4.0 / 6) / 2, accuracy: 1e-12)
        // A class predicted but never true still counts (precision 0), as in scikit-learn.
        let predictedOnly = ClassMetrics.report(confusion: [[3, 1, 1], [2, 4, 0], [0, 0, 0]])
        XCTAssertEqual(predictedOnly.map(\.occurs), [true, true, true])
        XCTAssertEqual(ClassMetrics.macroAverage(predictedOnly).precision, (3.0 / 5 + 0.8 + 0) / 3, accuracy: 1e-12)
    }

    func testSameSeedAndThreadsGiveIdenticalWeights() throws {
        BLAS.threads = 2
        func train() throws -> [Double] {
            let model = try mlp(seed: 9)
            var rng = RNG(seed: 5)
            _ = try model.fit(data: data, epochs: 2, batchSize: 50, rng: &rng)
            return model.flatParameters()
        }
        XCTAssertEqual(try train(), try train())
    }

    func testTwoOneEpochFitsEqualOneTwoEpochFit() throws {
        let a = try mlp(seed: 2)
        var rngA = RNG(seed: 8)
        _ = try a.fit(data: data, epochs: 1, batchSize: 64, validationSplit: 0.1, rng: &rngA)
        _ = try a.fit(data: data, epochs: 1, batchSize: 64, validationSplit: 0.1, rng: &rngA)
        let b = try mlp(seed: 2)
        var rngB = RNG(seed: 8)
        _ = try b.fit(data: data, epochs: 2, batchSize: 64, validationSplit: 0.1, rng: &rngB)
        XCTAssertEqual(a.flatParameters(), b.flatParameters())
        XCTAssertEqual(a.history.epochs.map(\.epoch), [1, 2])
        XCTAssertEqual(a.history.batchLosses, b.history.batchLosses)
        XCTAssertEqual(rngA, rngB)
    }

    func testShouldStopLeavesConsistentModelAndPartialEpoch() throws {
        let model = try mlp()
        var rng = RNG(seed: 1)
        var batches = 0
        let outcome = try model.fit(
            data: data, epochs: 5, batchSize: 32, rng: &rng,
            // Polled before each batch's update: true during the 7th batch, after 6 have ended.
            progress: { if case .batchEnd = $0 { batches += 1 } }, shouldStop: { batches >= 6 })
        XCTAssertEqual(outcome.status, .interrupted)
        XCTAssertEqual(outcome.epochsCompleted, 0)
        XCTAssertEqual(model.history.batchLosses.count, 7)
        XCTAssertEqual(model.history.epochs.count, 1)
        XCTAssertEqual(model.history.epochs[0].partial, true)
        XCTAssertEqual(model.history.epochs[0].batches, 7)
        XCTAssertTrue(try model.evaluate(data: data).loss.isFinite)
        // Training continues afterwards, with the next epoch number.
        let again = try model.fit(data: data, epochs: 1, batchSize: 32, rng: &rng)
        XCTAssertEqual(again.status, .completed)
        XCTAssertEqual(model.history.epochs.last?.epoch, 2)
    }

    func testDivergenceRestoresWeightsFromBeforeTheStep() throws {
        let model = try mlp(optimizer: .sgd(learningRate: 1e12))
        var rng = RNG(seed: 1)
        var snapshots: [[Double]] = [model.flatParameters()]
        let outcome = try model.fit(data: data, epochs: 3, batchSize: 32, rng: &rng,
                                    progress: { if case .batchEnd = $0 { snapshots.append(model.flatParameters()) } })
        XCTAssertEqual(outcome.status, .diverged)
        let message = try XCTUnwrap(outcome.message)
        XCTAssertTrue(message.contains("loss became NaN") || message.contains("loss became infinite"), message)
        XCTAssertTrue(message.contains("weights restored to before that step"), message)
        XCTAssertTrue(message.contains("try a lower learning rate"), message)
        let weights = model.flatParameters()
        XCTAssertTrue(weights.allSatisfy(\.isFinite))
        XCTAssertGreaterThanOrEqual(snapshots.count, 2)
        XCTAssertEqual(weights, snapshots[snapshots.count - 2], "weights from before the last step")
        XCTAssertEqual(model.history.batchLosses.count, snapshots.count - 1)
    }

    /// A model with dropout (so a replay must repeat its draws) whose weights are set to huge
    /// values after the update of batch `poisonAfter` (counted over the whole run), which makes
    /// the next batch's loss NaN; returns it with snapshots of its weights and Adam state after
    /// every batch (index 0: before any).
    private final class PoisonedRun {
        let model: Sequential
        var weights: [[Double]]
        var states: [OptimizerState]
        var batches = 0
        let poisonAfter: Int

        init(poisonAfter: Int) throws {
            model = Sequential(inputShape: [8, 8, 1], seed: 7)
            try model.add(Flatten())
            try model.add(Dense(32, activation: .relu))
            try model.add(Dropout(rate: 0.3))
            try model.add(Dense(10, activation: .softmax))
            model.compile(optimizer: .adamDefault, loss: .sparseCategoricalCrossEntropy, l2: 0.001)
            self.poisonAfter = poisonAfter
            weights = [model.flatParameters()]
            states = [model.optimizerState()!]
        }

        func fit(_ data: TrainingData, epochs: Int, rng: inout RNG, stopAfter: Int = .max) throws -> FitOutcome {
            try model.fit(data: data, epochs: epochs, batchSize: 32, rng: &rng, progress: { event in
                guard case .batchEnd = event else { return }
                self.batches += 1
                self.weights.append(self.model.flatParameters())
                self.states.append(self.model.optimizerState()!)
                if self.batches == self.poisonAfter { self.poison() }
            }, shouldStop: { self.batches >= stopAfter })
        }

        /// Scales every weight by 1e30 behind the optimizer's back, as a diverging update would.
        func poison() {
            for p in model.parameters {
                p.value.data.withUnsafeMutableBufferPointer { w in for i in w.indices { w[i] = (w[i] + 1) * 1e30 } }
            }
        }
    }

    func testDivergenceReplaysFromTheLatestCheckpoint() throws {
        let saved = Sequential.checkpointInterval
        defer { Sequential.checkpointInterval = saved }
        Sequential.checkpointInterval = 4
        // 19 batches per epoch; checkpoints before the updates of batches 1, 5, 9, 13, 17 and 19
        // of each epoch. Batch 12 of the second epoch gives NaN; the update of batch 11 is undone
        // by restoring the checkpoint saved before batch 9 and replaying batches 9 and 10.
        let run = try PoisonedRun(poisonAfter: 19 + 11)
        var rng = RNG(seed: 5)
        let outcome = try run.fit(data, epochs: 3, rng: &rng)
        XCTAssertEqual(outcome.status, .diverged)
        XCTAssertTrue(outcome.message?.contains("epoch 2, batch 12; weights restored to before that step") ?? false,
                      outcome.message ?? "")
        // (== rather than XCTAssertEqual: a failure would print thousands of numbers.)
        XCTAssertTrue(run.model.flatParameters() == run.weights[19 + 10], "weights from before the last update")
        XCTAssertTrue(run.model.optimizerState() == run.states[19 + 10], "Adam's moments and iterations too")
    }

    func testDivergenceOnAnEpochsOrACallsFirstBatchUndoesTheLastUpdate() throws {
        // The update before the NaN is the last of an epoch (in the same call, or in the call
        // before), or the last before Ctrl-C stopped the previous call.
        for (poisonAfter, firstEpochs, stopAfter) in [(19, 2, Int.max), (19, 1, .max), (7, 1, 6)] {
            let run = try PoisonedRun(poisonAfter: poisonAfter)
            var rng = RNG(seed: 5)
            var outcome = try run.fit(data, epochs: firstEpochs, rng: &rng, stopAfter: stopAfter)
            if outcome.status != .diverged { outcome = try run.fit(data, epochs: 1, rng: &rng) }
            XCTAssertEqual(outcome.status, .diverged)
            XCTAssertTrue(outcome.message?.contains("weights restored to before that step") ?? false, outcome.message ?? "")
            XCTAssertTrue(run.model.flatParameters() == run.weights[poisonAfter - 1], "weights, poisoned after \(poisonAfter)")
            XCTAssertTrue(run.model.optimizerState() == run.states[poisonAfter - 1], "Adam state, poisoned after \(poisonAfter)")
        }
    }

    func testFullBatchLBFGSThroughFit() throws {
        let model = Sequential(inputShape: [8, 8, 1], seed: 1)
        try model.add(Flatten())
        try model.add(Dense(16, activation: .sigmoid, kernelInitializer: .uniform(limit: 0.15), biasInitializer: .uniform(limit: 0.15)))
        try model.add(Dense(10, activation: .sigmoid, kernelInitializer: .uniform(limit: 0.15), biasInitializer: .uniform(limit: 0.15)))
        model.compile(optimizer: .lbfgs(history: 10), loss: .binaryCrossEntropy, l2: 0.1)
        var rng = RNG(seed: 0)
        _ = try model.fit(data: data, epochs: 10, batchSize: 1, rng: &rng)
        _ = try model.fit(data: data, epochs: 10, batchSize: 1, rng: &rng)
        let losses = model.history.epochs.map(\.loss)
        XCTAssertEqual(model.history.epochs.map(\.epoch), Array(1...20))
        XCTAssertTrue(zip(losses, losses.dropFirst()).allSatisfy { $1 <= $0 }, "monotone: \(losses)")
        XCTAssertGreaterThan(try model.evaluate(data: data).accuracy, 0.9)
    }

    func testErrorsBeforeTraining() throws {
        let model = Sequential(inputShape: [8, 8, 1])
        try model.add(Flatten())
        try model.add(Dense(10, activation: .softmax))
        var rng = RNG(seed: 0)
        XCTAssertThrowsError(try model.fit(data: data, epochs: 1, batchSize: 8, rng: &rng)) { error in
            XCTAssertTrue("\(error)".contains("not compiled"), "\(error)")
        }
        model.compile(optimizer: .sgd(learningRate: 0.1), loss: .sparseCategoricalCrossEntropy)
        let wrong = EngineFixtures.synthetic(count: 10, side: 5)
        XCTAssertThrowsError(try model.fit(data: wrong, epochs: 1, batchSize: 8, rng: &rng)) { error in
            XCTAssertEqual("\(error)", "the data's samples have shape (5, 5, 1) but the model expects (8, 8, 1)")
        }
    }
}

/// Inference on data that does not fit the model is an error that says why, never a crash or a
/// silently skewed figure.
final class MismatchedDataTests: XCTestCase {
    func testPredictOnImagesOfAnotherSizeIsAnError() throws {
        let model = Sequential(inputShape: [8, 8, 1])
        try model.add(Flatten())
        try model.add(Dense(10, activation: .softmax))
        let small = EngineFixtures.synthetic(count: 3, side: 5)
        XCTAssertThrowsError(try model.predict(pixels: small.pixels, count: 3, sampleShape: [5, 5, 1], transform: .normalized)) { error in
            XCTAssertEqual("\(error)", "the data's samples have shape (5, 5, 1) but the model expects (8, 8, 1)")
        }
    }

    func testLabelsBeyondTheOutputClassesAreAnErrorForEvaluateAndConfusion() throws {
        let model = Sequential(inputShape: [8, 8, 1])
        try model.add(Flatten())
        try model.add(Dense(5, activation: .softmax))
        model.compile(optimizer: .sgd(learningRate: 0.1), loss: .sparseCategoricalCrossEntropy)
        let data = EngineFixtures.synthetic(count: 50, side: 8)  // labels 0-9
        let bad = try XCTUnwrap(data.labels.firstIndex { $0 >= 5 })
        let message = "label \(data.labels[bad]) at index \(bad) is out of range for a 5-class output"
        XCTAssertThrowsError(try model.evaluate(data: data)) { XCTAssertEqual("\($0)", message) }
        XCTAssertThrowsError(try model.confusionMatrix(data: data)) { XCTAssertEqual("\($0)", message) }
        let fitting = EngineFixtures.synthetic(count: 50, side: 8, classes: 5)
        XCTAssertEqual(try model.confusionMatrix(data: fitting).joined().reduce(0, +), 50)
    }
}

final class ModelStateTests: XCTestCase {
    private let data = EngineFixtures.synthetic(count: 300, side: 8, seed: 2)

    private func model(_ optimizer: OptimizerConfig) throws -> Sequential {
        let m = Sequential(inputShape: [8, 8, 1], seed: 3)
        try m.add(Flatten())
        try m.add(Dense(12, activation: .sigmoid))
        try m.add(Dense(10, activation: .sigmoid))
        m.compile(optimizer: optimizer, loss: .binaryCrossEntropy, l2: 0.01)
        return m
    }

    /// Saving weights + optimizer state and restoring them into a fresh model continues training
    /// exactly as if nothing had happened.
    func testWeightsAndAdamStateRestoreContinuesIdentically() throws {
        let a = try model(.adamDefault)
        var rng = RNG(seed: 1)
        _ = try a.fit(data: data, epochs: 1, batchSize: 30, rng: &rng)
        let weights = a.weights
        let state = try XCTUnwrap(a.optimizerState())
        var rngB = rng

        let b = try model(.adamDefault)
        try b.loadWeights(weights)
        try b.loadOptimizerState(state)
        _ = try a.fit(data: data, epochs: 1, batchSize: 30, rng: &rng)
        _ = try b.fit(data: data, epochs: 1, batchSize: 30, rng: &rngB)
        XCTAssertEqual(a.flatParameters(), b.flatParameters())

        XCTAssertThrowsError(try b.loadOptimizerState(OptimizerState(kind: "sgd", scalars: [:], tensors: [])))
        var wrong = weights
        wrong[0].tensor = Tensor(shape: [3])
        XCTAssertThrowsError(try b.loadWeights(wrong)) { error in
            XCTAssertEqual("\(error)", "dense.kernel: saved weights have shape (3,) but the layer needs (64, 12)")
        }
    }

    func testLBFGSStateRestoreContinuesIdentically() throws {
        let a = try model(.lbfgs(history: 5))
        var rng = RNG(seed: 1)
        _ = try a.fit(data: data, epochs: 6, batchSize: 1, rng: &rng)
        let weights = a.weights
        let state = try XCTUnwrap(a.optimizerState())
        XCTAssertEqual(state.vectors.map(\.name), ["x", "g"] + (0..<5).flatMap { ["s\($0)", "y\($0)"] }, "iterate, gradient, 5 (s, y) pairs")

        let b = try model(.lbfgs(history: 5))
        try b.loadWeights(weights)
        try b.loadOptimizerState(state)
        _ = try a.fit(data: data, epochs: 3, batchSize: 1, rng: &rng)
        _ = try b.fit(data: data, epochs: 3, batchSize: 1, rng: &rng)
        // Everything L-BFGS keeps is in the state, in Double: the continuation is bit for bit.
        XCTAssertEqual(a.history.epochs.last!.loss, b.history.epochs.last!.loss)
        XCTAssertEqual(a.weights.map(\.tensor), b.weights.map(\.tensor))

        let c = try model(.lbfgs(history: 5))
        try c.loadWeights(weights)
        _ = try c.fit(data: data, epochs: 3, batchSize: 1, rng: &rng)
        XCTAssertNotEqual(c.history.epochs.last!.loss, b.history.epochs.last!.loss, "without the history it restarts")
    }
}
