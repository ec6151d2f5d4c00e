import NeuralNet

extension SessionSnapshot {
    /// Copies the model's side of a session from `model`: architecture, weights, compile settings,
    /// optimizer state, metrics history and epoch count. (Data set, RNG states, command history
    /// and test accuracy belong to the shell and are set by it.)
    public mutating func capture(_ model: Sequential) throws {
        self.model = try ModelSpec(model: model)
        weights = model.weights.map { NamedArray(name: $0.name, shape: $0.tensor.shape, values: .float32($0.tensor.data)) }
        compile = CompileSpec(model: model)
        optimizer = model.optimizerState().map { state in
            OptimizerSnapshot(kind: state.kind, scalars: state.scalars,
                              arrays: state.tensors.map { NamedArray(name: $0.name, shape: $0.tensor.shape, values: .float32($0.tensor.data)) }
                                  + state.vectors.map { NamedArray(name: $0.name, shape: [$0.values.count], values: .float64($0.values)) })
        }
        history = model.history
        epochsTrained = model.history.epochs.last?.epoch ?? 0
    }

    /// A new model built from the snapshot, with its weights, compile settings and optimizer state;
    /// metrics history; nil if the snapshot has no model. Nothing is shared with a live model, so a
    /// failure leaves the caller's session as it was (build everything, then hand it over).
    ///
    /// - Parameter file: names the session in errors (e.g. its manifest path).
    public func makeModel(seed: UInt64 = 0, file: String = "session") throws -> Sequential? {
        guard let spec = model else { return nil }
        let built = try spec.makeModel(seed: seed, file: file)
        let problems = WeightsCheck.problems(weights, against: spec.parameters)
        guard problems.isEmpty else {
            throw SessionError(file: file, problem: "weights do not match the architecture: \(problems.joined(separator: "; "))")
        }
        try built.loadWeights(try weights.map { ($0.name, try Self.tensor($0, file: file)) })
        if let compile {
            let settings = try compile.engineSettings(file: file)
            built.compile(optimizer: settings.optimizer, loss: settings.loss, l2: settings.l2)
            if let optimizer {
                // float64 arrays are the optimizer's Double state (L-BFGS); the rest are Float slots.
                var tensors: [(name: String, tensor: Tensor)] = []
                var vectors: [(name: String, values: [Double])] = []
                for array in optimizer.arrays {
                    if case .float64(let values) = array.values {
                        vectors.append((array.name, values))
                    } else {
                        tensors.append((array.name, try Self.tensor(array, file: file)))
                    }
                }
                let state = OptimizerState(kind: optimizer.kind, scalars: optimizer.scalars, tensors: tensors, vectors: vectors)
                do { try built.loadOptimizerState(state) } catch {
                    throw SessionError(file: file, problem: "\(error)")  // the engine's messages name the optimizer state
                }
            }
        }
        built.history = history
        return built
    }

    private static func tensor(_ array: NamedArray, file: String) throws -> Tensor {
        guard case .float32(let values) = array.values else {
            throw SessionError(file: file, problem: "array \(array.name) is \(array.values.descr), expected float32")
        }
        return Tensor(shape: array.shape, data: values)
    }
}
