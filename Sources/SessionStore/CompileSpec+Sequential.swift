import NeuralNet

extension CompileSpec {
    /// How `model` is compiled, or nil if it is not.
    public init?(model: Sequential) {
        guard model.isCompiled else { return nil }
        var targets: [Double]?
        let lossName: String
        switch model.loss {
        case .sparseCategoricalCrossEntropy: lossName = "sparse_categorical_crossentropy"
        case .binaryCrossEntropy: lossName = "binary_crossentropy"
        case .meanSquaredError(let off, let on):
            lossName = "mean_squared_error"
            targets = [Double(off), Double(on)]
        }
        let (name, parameters): (String, [String: Double])
        switch model.optimizerConfig {
        case .sgd(let lr): (name, parameters) = ("sgd", ["learning_rate": Double(lr)])
        case .momentum(let lr, let m, let n):
            (name, parameters) = ("momentum", ["learning_rate": Double(lr), "momentum": Double(m), "nesterov": n ? 1 : 0])
        case .adam(let lr, let b1, let b2, let e):
            (name, parameters) = ("adam", ["learning_rate": Double(lr), "beta_1": Double(b1), "beta_2": Double(b2), "epsilon": Double(e)])
        case .lbfgs(let m): (name, parameters) = ("lbfgs", ["history": Double(m)])
        }
        self.init(loss: lossName, lossTargets: targets, optimizer: name, optimizerParameters: parameters, l2: Double(model.l2))
    }

    /// The engine's optimizer configuration and loss, checked against the ranges `compile` accepts (`Limits`).
    func engineSettings(file: String) throws -> (optimizer: OptimizerConfig, loss: Loss, l2: Float) {
        func fail(_ problem: String) -> SessionError { SessionError(file: file, problem: "compile: \(problem)") }
        func value(_ key: String) throws -> Double {
            guard let v = optimizerParameters[key] else { throw fail("missing optimizer parameter '\(key)' for \(optimizer)") }
            return v
        }
        let config: OptimizerConfig
        switch optimizer {
        case "sgd": config = .sgd(learningRate: Float(try value("learning_rate")))
        case "momentum":
            let nesterov = try value("nesterov")
            guard nesterov == 0 || nesterov == 1 else { throw fail("nesterov \(nesterov) must be 0 or 1") }
            config = .momentum(learningRate: Float(try value("learning_rate")), momentum: Float(try value("momentum")),
                               nesterov: nesterov == 1)
        case "adam":
            config = .adam(learningRate: Float(try value("learning_rate")), beta1: Float(try value("beta_1")),
                           beta2: Float(try value("beta_2")), epsilon: Float(try value("epsilon")))
        case "lbfgs":
            let history = try value("history")
            guard let m = Int(exactly: history) else { throw fail("history \(history) must be a whole number in \(Limits.lbfgsHistory)") }
            config = .lbfgs(history: m)
        default: throw fail("unknown optimizer '\(optimizer)' (known: sgd, momentum, adam, lbfgs)")
        }
        if let problem = Limits.problem(with: config) { throw fail(problem) }
        let engineLoss: Loss
        switch loss {
        case "sparse_categorical_crossentropy": engineLoss = .sparseCategoricalCrossEntropy
        case "binary_crossentropy": engineLoss = .binaryCrossEntropy
        case "mean_squared_error":
            guard let t = lossTargets, t.count == 2 else { throw fail("mean_squared_error needs loss_targets [off, on]") }
            engineLoss = .meanSquaredError(off: Float(t[0]), on: Float(t[1]))
        default: throw fail("unknown loss '\(loss)'")
        }
        if let problem = Limits.problem(with: engineLoss) ?? Limits.problem(withL2: l2) { throw fail(problem) }
        return (config, engineLoss, Float(l2))
    }
}
