import Foundation

extension Sequential {
    /// Trains the model, continuing from its current weights, optimizer state and epoch counter.
    ///
    /// Keras semantics: the last `validationSplit` fraction of `data` (before shuffling) is held out;
    /// each epoch draws one permutation of the rest from `rng` (which also feeds dropout), so a run
    /// is reproducible from its seed, and `fit(1 epoch)` twice equals `fit(2 epochs)` bit for bit.
    /// `shouldStop` is polled in every batch, before its update, and at the end of every epoch;
    /// when it returns true, training stops after that batch with the model consistent and the
    /// partial epoch recorded. A NaN/infinite loss stops training and restores the weights and
    /// optimizer state from before the step that caused it.
    /// With `.lbfgs`, each epoch is one full-batch L-BFGS iteration and `batchSize` is ignored.
    public func fit(
        data: TrainingData, epochs: Int, batchSize: Int, validationSplit: Double = 0, shuffle: Bool = true,
        rng: inout RNG, progress: (TrainingEvent) -> Void = { _ in }, shouldStop: () -> Bool = { false }
    ) throws -> FitOutcome {
        try checkTrainable(data)
        guard epochs >= 0 else { throw TrainingError("epochs must be 0 or more, got \(epochs)") }
        guard batchSize > 0 else { throw TrainingError("batch size must be positive, got \(batchSize)") }
        guard optimizerConfig.isFullBatch || batchSize <= maxBatchSize else {
            throw TrainingError("a batch of \(batchSize) images would need \(batchSize.multipliedReportingOverflow(by: activationBytesPerSample).partialValue / 1_000_000) MB of activations; "
                + "at most \(maxBatchSize) images per batch fit in this machine's memory; use a smaller batch")
        }
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw TrainingError("validation split must be in [0, 1), got \(validationSplit)")
        }
        let trainCount = Int(Double(data.count) * (1 - validationSplit))
        guard trainCount > 0 else { throw TrainingError("no training samples left after a validation split of \(validationSplit)") }
        let validation = trainCount..<data.count
        if optimizerConfig.isFullBatch {
            return fitFullBatch(data: data, trainCount: trainCount, validation: validation, iterations: epochs,
                                progress: progress, shouldStop: shouldStop)
        }
        guard let optimizer else { throw TrainingError("no optimizer; compile the model first") }

        let params = parameters
        let kernels = params.filter(\.regularized)
        let fused = lossIsFused
        let classes = outputShape.reduce(1, *)
        let batches = (trainCount + batchSize - 1) / batchSize
        var input = Tensor(shape: [0])
        var grad = Tensor(shape: [0])
        var labels = [UInt8](repeating: 0, count: batchSize)

        /// Forward pass and loss of batch `b` of `order`: the loss sum, correct predictions and
        /// size, with the loss's gradient left in `grad`.
        func evaluateBatch(_ b: Int, of order: [Int], rng: inout RNG) -> (loss: Double, correct: Int, count: Int) {
            let lo = b * batchSize, hi = min(lo + batchSize, trainCount)
            let n = hi - lo
            loadBatch(order[lo..<hi], of: data, into: &input, labels: &labels)
            let out = forward(input, training: true, rng: &rng)
            grad.shape = out.shape
            grad.data.resize(out.count)
            let (sum, ok) = out.data.withUnsafeBufferPointer { op in
                labels.withUnsafeBufferPointer { lp in
                    grad.data.withUnsafeMutableBufferPointer { gp in
                        loss.evaluate(output: op.baseAddress!, labels: lp.baseAddress!, rows: n, cols: classes,
                                      scale: 1 / Float(n), fused: fused, grad: gp.baseAddress!)
                    }
                }
            }
            var batchLoss = sum / Double(n)
            if l2 > 0 { batchLoss += Double(l2) / (2 * Double(n)) * Self.sumOfSquares(kernels) }
            return (batchLoss, ok, n)
        }
        /// Backward pass from `grad` and one update.
        func learn(batchSize n: Int) {
            backward(grad, fused: fused)
            if l2 > 0 { Self.addL2Gradient(kernels, scale: l2 / Float(n)) }
            optimizer.step(params)
        }
        // Where the optimizer's latest checkpoint was saved in this call, to replay from it.
        var replay: (iterations: Int, order: [Int], batch: Int, rng: RNG)?
        /// Brings weights and optimizer state back to before the latest update: restores the
        /// checkpoint, then replays the batches after it (the same batches, dropout draws and
        /// thread split give the same bits). False, changing nothing, when no checkpoint reaches it.
        func undoLatestUpdate() -> Bool {
            let target = optimizer.iterations - 1
            if optimizer.checkpointIterations == target { return optimizer.restoreCheckpoint(params) }
            guard let replay, optimizer.checkpointIterations == replay.iterations, replay.iterations < target,
                optimizer.restoreCheckpoint(params)
            else { return false }
            var rng = replay.rng
            for b in replay.batch..<(replay.batch + target - replay.iterations) {
                learn(batchSize: evaluateBatch(b, of: replay.order, rng: &rng).count)
            }
            return true
        }

        for e in 1..<(epochs + 1) {
            let globalEpoch = history.nextEpoch
            progress(.epochBegin(epoch: e, totalEpochs: epochs, globalEpoch: globalEpoch, batches: batches))
            let start = ContinuousClock.now
            let order = shuffle ? rng.permutation(trainCount) : Array(0..<trainCount)
            var lossSum = 0.0, correct = 0, seen = 0

            func record(batches done: Int, partial: Bool) -> EpochRecord {
                EpochRecord(
                    epoch: globalEpoch, loss: seen > 0 ? lossSum / Double(seen) : .nan,
                    accuracy: seen > 0 ? Double(correct) / Double(seen) : .nan, valLoss: nil, valAccuracy: nil,
                    seconds: (ContinuousClock.now - start).seconds, batches: done, partial: partial)
            }

            for b in 0..<batches {
                let rngBefore = rng
                let (batchLoss, ok, n) = evaluateBatch(b, of: order, rng: &rng)
                if !batchLoss.isFinite {
                    let restored = undoLatestUpdate()
                    if seen > 0 { history.epochs.append(record(batches: b, partial: true)) }
                    let what = batchLoss.isNaN ? "NaN" : "infinite"
                    let fix = restored
                        ? "weights restored to before that step"
                        : "no earlier step in memory to restore (weights are as they were before this batch)"
                    return FitOutcome(
                        status: .diverged, epochsCompleted: e - 1,
                        message: "loss became \(what) at epoch \(globalEpoch), batch \(b + 1); \(fix); try a lower learning rate")
                }
                // Checked before the update, so the last update before any stop has a checkpoint
                // right before it: a NaN on the next call's first batch can still be undone.
                let stopping = shouldStop() && b + 1 < batches
                if b % Self.checkpointInterval == 0 || b + 1 == batches || stopping {
                    optimizer.saveCheckpoint(params)
                    replay = (optimizer.iterations, order, b, rngBefore)
                }
                learn(batchSize: n)

                lossSum += batchLoss * Double(n)
                correct += ok
                seen += n
                history.batchLosses.append(Float(batchLoss))
                history.batchAccuracies.append(Float(ok) / Float(n))
                progress(.batchEnd(batch: b + 1, batches: batches, loss: lossSum / Double(seen),
                                   accuracy: Double(correct) / Double(seen), elapsed: (ContinuousClock.now - start).seconds))
                if stopping {
                    history.epochs.append(record(batches: b + 1, partial: true))
                    return FitOutcome(
                        status: .interrupted, epochsCompleted: e - 1,
                        message: "stopped during epoch \(globalEpoch) after batch \(b + 1) of \(batches); the model keeps the weights of that batch")
                }
            }
            var r = record(batches: batches, partial: false)
            if !validation.isEmpty {
                let v = measure(data: data, range: validation)
                r.valLoss = v.loss
                r.valAccuracy = v.accuracy
                r.seconds = (ContinuousClock.now - start).seconds
            }
            history.epochs.append(r)
            progress(.epochEnd(r))
            if shouldStop() && e < epochs {
                return FitOutcome(status: .interrupted, epochsCompleted: e, message: "stopped after epoch \(globalEpoch)")
            }
        }
        return FitOutcome(status: .completed, epochsCompleted: epochs, message: nil)
    }

    /// Updates between the optimizer checkpoints `fit` saves (each a copy of the weights and
    /// optimizer state, ~1 ms for the Colab MLP), besides the one before each epoch's last update.
    /// Undoing an update replays at most this many.
    nonisolated(unsafe) public static var checkpointInterval = 100

    /// Mean loss (without the L2 term) and accuracy over `data`, batch by batch, in inference mode.
    public func evaluate(data: TrainingData) throws -> (loss: Double, accuracy: Double) {
        try checkInput(data)
        try checkLabels(data)
        return measure(data: data, range: 0..<data.count)
    }

    /// Class probabilities (or whatever the last layer outputs), [count, classes], computed in
    /// batches of `batchSize`.
    public func predict(data: TrainingData, batchSize: Int = 1024) throws -> Tensor {
        try checkInput(data)
        let classes = outputShape.reduce(1, *)
        var result = [Float](repeating: 0, count: data.count * classes)
        forEachBatch(data: data, range: 0..<data.count, batchSize: batchSize) { lo, out, _ in
            result.withUnsafeMutableBufferPointer { rp in
                out.data.withUnsafeBufferPointer { op in
                    (rp.baseAddress! + lo * classes).update(from: op.baseAddress!, count: op.count)
                }
            }
        }
        return Tensor(shape: [data.count, classes], data: result)
    }

    /// Probabilities for `count` images given as raw UInt8 pixels, each of `sampleShape` (an error,
    /// not a crash, when that is not the model's input size).
    public func predict(pixels: [UInt8], count: Int, sampleShape: [Int], transform: InputTransform) throws -> Tensor {
        precondition(pixels.count == count * sampleShape.reduce(1, *), "pixels do not match count x sampleShape")
        return try predict(data: TrainingData(
            pixels: pixels, labels: [UInt8](repeating: 0, count: count), count: count,
            sampleShape: sampleShape, transform: transform))
    }

    /// 10x10 (classes x classes) counts: row = true label, column = predicted label.
    public func confusionMatrix(data: TrainingData) throws -> [[Int]] {
        try checkInput(data)
        try checkLabels(data)
        let classes = outputShape.reduce(1, *)
        var m = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        forEachBatch(data: data, range: 0..<data.count, batchSize: 1024) { _, out, labels in
            for r in 0..<out.rows {
                var best = 0
                for j in 1..<classes where out.data[r * classes + j] > out.data[r * classes + best] { best = j }
                m[Int(labels[r])][best] += 1
            }
        }
        return m
    }

    // MARK: - Internals

    func checkInput(_ data: TrainingData) throws {
        guard data.sampleSize == inputShape.reduce(1, *) else {
            throw TrainingError(
                "the data's samples have shape \(ShapeFormat.plain(data.sampleShape)) but the model expects \(ShapeFormat.plain(inputShape))")
        }
        guard !layers.isEmpty else { throw TrainingError("the model has no layers; add some first") }
    }

    private func checkTrainable(_ data: TrainingData) throws {
        try checkInput(data)
        guard isCompiled else { throw TrainingError("the model is not compiled; compile it with an optimizer and a loss first") }
        guard data.count > 0 else { throw TrainingError("no training samples") }
        try checkLabels(data)
    }

    /// The labels must name the model's output classes (train, evaluate, confusion matrix).
    private func checkLabels(_ data: TrainingData) throws {
        let classes = outputShape.reduce(1, *)
        guard outputShape.count == 1 else {
            throw TrainingError("the model's output is \(ShapeFormat.batched(outputShape)); end it with flatten and a dense layer")
        }
        if let bad = data.labels.firstIndex(where: { Int($0) >= classes }) {
            throw TrainingError("label \(data.labels[bad]) at index \(bad) is out of range for a \(classes)-class output")
        }
    }

    /// Converts the samples at `indices` into `input` (reshaped to [n] + inputShape, storage reused)
    /// and their labels into the first n entries of `labels`.
    func loadBatch<C: Collection>(_ indices: C, of data: TrainingData, into input: inout Tensor, labels: inout [UInt8])
    where C.Element == Int {
        let n = indices.count
        input.shape = [n] + inputShape
        input.data.resize(n * data.sampleSize)
        input.data.withUnsafeMutableBufferPointer { ip in
            labels.withUnsafeMutableBufferPointer { lp in
                data.gather(indices, into: ip.baseAddress!, labels: lp.baseAddress!)
            }
        }
    }

    /// Runs inference over `range` in batches, calling `body(firstIndex, output, labels)`.
    func forEachBatch(
        data: TrainingData, range: Range<Int>, batchSize: Int, _ body: (Int, Tensor, [UInt8]) -> Void
    ) {
        let batchSize = min(batchSize, max(1, maxBatchSize))
        var input = Tensor(shape: [0])
        var labels = [UInt8](repeating: 0, count: batchSize)
        var rng = RNG(seed: 0)  // inference draws no random numbers
        var lo = range.lowerBound
        while lo < range.upperBound {
            let hi = min(lo + batchSize, range.upperBound)
            loadBatch(lo..<hi, of: data, into: &input, labels: &labels)
            body(lo, forward(input, training: false, rng: &rng), labels)
            lo = hi
        }
    }

    func measure(data: TrainingData, range: Range<Int>) -> (loss: Double, accuracy: Double) {
        let classes = outputShape.reduce(1, *)
        var sum = 0.0, correct = 0
        forEachBatch(data: data, range: range, batchSize: 1024) { _, out, labels in
            let r = out.data.withUnsafeBufferPointer { op in
                labels.withUnsafeBufferPointer { lp in
                    loss.evaluate(output: op.baseAddress!, labels: lp.baseAddress!, rows: out.rows, cols: classes,
                                  scale: 1, fused: false, grad: nil)
                }
            }
            sum += r.sum
            correct += r.correct
        }
        let n = Double(range.count)
        return (sum / n, Double(correct) / n)
    }

    static func sumOfSquares(_ params: [Parameter]) -> Double {
        var total = 0.0
        for p in params {
            total += p.value.data.withUnsafeBufferPointer { Kernels.sumOfSquares(count: $0.count, x: $0.baseAddress!) }
        }
        return total
    }

    static func addL2Gradient(_ params: [Parameter], scale: Float) {
        for p in params {
            p.value.data.withUnsafeBufferPointer { w in
                p.grad.data.withUnsafeMutableBufferPointer { g in
                    Kernels.axpy(count: w.count, a: scale, x: w.baseAddress!, y: g.baseAddress!)
                }
            }
        }
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
