/// Stochastic gradient descent, optionally with (Nesterov) momentum, as Keras's `SGD`:
/// `v = μv - lr·g; p += v` (Nesterov: `p += μv - lr·g`); plain SGD is `p -= lr·g`.
public final class SGD: Optimizer {
    public let learningRate: Float
    public let momentum: Float
    public let nesterov: Bool
    public var iterations: Int { slots.steps }
    private let slots: SlotStore

    public init(learningRate: Float, momentum: Float = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        slots = SlotStore(slotNames: momentum == 0 ? [] : ["velocity"])
    }

    private var kind: String { momentum == 0 ? "sgd" : "momentum" }

    public var config: OptimizerConfig {
        momentum == 0 ? .sgd(learningRate: learningRate)
            : .momentum(learningRate: learningRate, momentum: momentum, nesterov: nesterov)
    }

    public func step(_ parameters: [Parameter]) {
        let lr = learningRate, mu = momentum, nag = nesterov
        slots.update(parameters) { p, r in
            let j = r.lowerBound
            if mu == 0 {
                Kernels.sgd(count: r.count, w: p.values + j, g: p.gradient + j, wOut: p.values + j, lr: lr)
            } else {
                Kernels.momentum(
                    count: r.count, w: p.values + j, g: p.gradient + j, v: p.slots[0] + j,
                    wOut: p.values + j, vOut: p.slots[0] + j, lr: lr, mu: mu, nesterov: nag)
            }
        }
        slots.commit()
    }

    public func saveCheckpoint(_ parameters: [Parameter]) { slots.save(parameters) }

    public var checkpointIterations: Int? { slots.savedSteps }

    @discardableResult public func restoreCheckpoint(_ parameters: [Parameter]) -> Bool { slots.restore(parameters) }

    public func discardCheckpoint() { slots.discard() }

    public func state(parameters: [Parameter], parameterNames: [String]) -> OptimizerState {
        slots.state(kind: kind, parameters: parameters, parameterNames: parameterNames)
    }

    public func load(_ state: OptimizerState, parameters: [Parameter], parameterNames: [String]) throws {
        try slots.load(state, kind: kind, parameters: parameters, parameterNames: parameterNames)
    }
}
