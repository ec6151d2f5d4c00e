extension Sequential {
    /// Rows per chunk when a full-batch objective is accumulated (bounds activation memory).
    static let fullBatchChunk = 4096

    /// `fullBatchChunk`, or fewer rows when a model's activations are too big for that many.
    var fullBatchChunkRows: Int { min(Self.fullBatchChunk, max(1, maxBatchSize)) }

    /// The full-batch objective over samples 0..<count: mean loss + λ/(2m)·ΣW², its gradient
    /// (flat, Double) and the number of correct predictions, accumulated chunk by chunk.
    public func fullBatchObjective(data: TrainingData, count: Int) -> (value: Double, gradient: [Double], correct: Int) {
        let params = parameters
        let fused = lossIsFused
        let classes = outputShape.reduce(1, *)
        let m = Float(count)
        var gradient = [Double](repeating: 0, count: parameterCount)
        var input = Tensor(shape: [0])
        var grad = Tensor(shape: [0])
        let chunk = fullBatchChunkRows
        var labels = [UInt8](repeating: 0, count: chunk)
        var rng = RNG(seed: 0)
        var total = 0.0, correct = 0
        var lo = 0
        while lo < count {
            let hi = min(lo + chunk, count)
            let n = hi - lo
            loadBatch(lo..<hi, of: data, into: &input, labels: &labels)
            let out = forward(input, training: true, rng: &rng)
            grad.shape = out.shape
            grad.data.resize(out.count)
            let r = out.data.withUnsafeBufferPointer { op in
                labels.withUnsafeBufferPointer { lp in
                    grad.data.withUnsafeMutableBufferPointer { gp in
                        loss.evaluate(output: op.baseAddress!, labels: lp.baseAddress!, rows: n, cols: classes,
                                      scale: 1 / m, fused: fused, grad: gp.baseAddress!)
                    }
                }
            }
            total += r.sum
            correct += r.correct
            backward(grad, fused: fused)
            var o = 0
            gradient.withUnsafeMutableBufferPointer { gd in
                for p in params {
                    p.grad.data.withUnsafeBufferPointer { g in
                        for j in 0..<g.count { gd[o + j] += Double(g[j]) }
                    }
                    o += p.value.count
                }
            }
            lo = hi
        }
        var value = total / Double(count)
        if l2 > 0 {
            value += Double(l2) / (2 * Double(count)) * Self.sumOfSquares(params.filter(\.regularized))
            var o = 0
            let scale = Double(l2) / Double(count)
            for p in params {
                if p.regularized {
                    p.value.data.withUnsafeBufferPointer { w in
                        for j in 0..<w.count { gradient[o + j] += scale * Double(w[j]) }
                    }
                }
                o += p.value.count
            }
        }
        return (value, gradient, correct)
    }

    func fitFullBatch(
        data: TrainingData, trainCount: Int, validation: Range<Int>, iterations: Int,
        progress: (TrainingEvent) -> Void, shouldStop: () -> Bool
    ) -> FitOutcome {
        if lbfgs == nil { resetOptimizer() }
        guard let lbfgs else { return FitOutcome(status: .failed, epochsCompleted: 0, message: "no L-BFGS state") }
        for e in 1..<(iterations + 1) {
            let globalEpoch = history.nextEpoch
            progress(.epochBegin(epoch: e, totalEpochs: iterations, globalEpoch: globalEpoch, batches: 1))
            let start = ContinuousClock.now
            var lastCorrect = 0
            let evaluationsBefore = lbfgs.evaluations
            // L-BFGS keeps its iterate in Double; the model holds it rounded to Float. Continue from
            // L-BFGS's own point unless the weights were changed in between.
            let current = flatParameters()
            let kept = lbfgs.acceptedPoint
            let unchanged = kept.count == current.count && zip(kept, current).allSatisfy { Float($0) == Float($1) }
            let outcome = lbfgs.iterate(from: unchanged ? kept : current) { x in
                setFlatParameters(x)
                let r = fullBatchObjective(data: data, count: trainCount)
                lastCorrect = r.correct
                return (r.value, r.gradient)
            }
            // The model holds the last evaluated point; make it the accepted one.
            let accepted: Double
            switch outcome {
            case .step(let f, _): accepted = f
            case .converged(let f, _), .failed(let f, _): accepted = f
            }
            if case .failed = outcome {
                // Keep the weights L-BFGS last accepted (its state `x`), not a rejected trial point.
                let r = fullBatchObjectiveAtAccepted(data: data, trainCount: trainCount)
                lastCorrect = r
            }
            let accuracy = Double(lastCorrect) / Double(trainCount)
            var r = EpochRecord(
                epoch: globalEpoch, loss: accepted, accuracy: accuracy, valLoss: nil, valAccuracy: nil,
                seconds: (ContinuousClock.now - start).seconds, batches: lbfgs.evaluations - evaluationsBefore,
                partial: false)
            if !validation.isEmpty {
                let v = measure(data: data, range: validation)
                r.valLoss = v.loss
                r.valAccuracy = v.accuracy
                r.seconds = (ContinuousClock.now - start).seconds
            }
            history.batchLosses.append(Float(accepted))
            history.batchAccuracies.append(Float(accuracy))
            progress(.batchEnd(batch: 1, batches: 1, loss: accepted, accuracy: accuracy, elapsed: r.seconds))
            switch outcome {
            case .step:
                history.epochs.append(r)
                progress(.epochEnd(r))
            case .converged(_, let reason):
                return FitOutcome(status: .converged, epochsCompleted: e - 1, message: "L-BFGS converged: \(reason)")
            case .failed(_, let reason):
                return FitOutcome(status: .failed, epochsCompleted: e - 1, message: "L-BFGS stopped: \(reason); the model keeps its last accepted weights")
            }
            if shouldStop() && e < iterations {
                return FitOutcome(status: .interrupted, epochsCompleted: e, message: "stopped after iteration \(globalEpoch)")
            }
        }
        return FitOutcome(status: .completed, epochsCompleted: iterations, message: nil)
    }

    private func fullBatchObjectiveAtAccepted(data: TrainingData, trainCount: Int) -> Int {
        guard let x = lbfgs?.acceptedPoint else { return 0 }
        setFlatParameters(x)
        return fullBatchObjective(data: data, count: trainCount).correct
    }
}
