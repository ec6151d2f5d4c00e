import CKernels
import Foundation

/// Adam with Keras 3's bias correction folded into the step size:
/// `t += 1; α = lr·√(1-β2ᵗ)/(1-β1ᵗ); m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p -= α·m/(√v + ε)`.
public final class Adam: Optimizer {
    public let learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public var iterations: Int { slots.steps }
    private let slots = SlotStore(slotNames: ["m", "v"])

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public var config: OptimizerConfig {
        .adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    public func step(_ parameters: [Parameter]) {
        let t = Double(iterations + 1)
        let alpha = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        let b1 = beta1, b2 = beta2, eps = epsilon
        slots.update(parameters) { p, r in
            let j = r.lowerBound
            kernels_adam(
                r.count, p.values + j, p.gradient + j, p.slots[0] + j, p.slots[1] + j,
                p.values + j, p.slots[0] + j, p.slots[1] + j, alpha, b1, b2, eps)
        }
        slots.commit()
    }

    public func saveCheckpoint(_ parameters: [Parameter]) { slots.save(parameters) }

    public var checkpointIterations: Int? { slots.savedSteps }

    @discardableResult public func restoreCheckpoint(_ parameters: [Parameter]) -> Bool { slots.restore(parameters) }

    public func discardCheckpoint() { slots.discard() }

    public func state(parameters: [Parameter], parameterNames: [String]) -> OptimizerState {
        slots.state(kind: "adam", parameters: parameters, parameterNames: parameterNames)
    }

    public func load(_ state: OptimizerState, parameters: [Parameter], parameterNames: [String]) throws {
        try slots.load(state, kind: "adam", parameters: parameters, parameterNames: parameterNames)
    }
}
