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
                Kernels.sgd(count: r.count, w: p.values + j, g: p.gradient + j, wOut: p.newValues + j, lr: lr)
            } else {
                Kernels.momentum(
                    count: r.count, w: p.values + j, g: p.gradient + j, v: p.slots[0] + j,
                    wOut: p.newValues + j, vOut: p.newSlots[0] + j, lr: lr, mu: mu, nesterov: nag)
            }
        }
        slots.commit(parameters)
    }

    @discardableResult public func undoLastStep(_ parameters: [Parameter]) -> Bool { slots.undo(parameters) }

    public func discardUndo() { slots.canUndo = false }

    public func state(parameters: [Parameter], parameterNames: [String]) -> OptimizerState {
        slots.state(kind: kind, parameters: parameters, parameterNames: parameterNames)
    }

    public func load(_ state: OptimizerState, parameters: [Parameter], parameterNames: [String]) throws {
        try slots.load(state, kind: kind, parameters: parameters, parameterNames: parameterNames)
    }
}
