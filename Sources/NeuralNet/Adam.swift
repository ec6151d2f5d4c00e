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
        slots.prepare(parameters)
        let t = Double(iterations + 1)
        let alpha = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        let b1 = beta1, b2 = beta2, eps = epsilon
        for (i, p) in parameters.enumerated() {
            p.value.data.withUnsafeBufferPointer { w in
                p.grad.data.withUnsafeBufferPointer { g in
                    slots.current[0][i].data.withUnsafeBufferPointer { m in
                        slots.current[1][i].data.withUnsafeBufferPointer { v in
                            slots.spare[0][i].data.withUnsafeMutableBufferPointer { mOut in
                                slots.spare[1][i].data.withUnsafeMutableBufferPointer { vOut in
                                    slots.spareValues[i].data.withUnsafeMutableBufferPointer { wOut in
                                        // Element-wise, so splitting it across the cores changes no value.
                                        parallelFor(w.count, minimumPerPart: Kernels.parallelUpdateMinimum) { r in
                                            let j = r.lowerBound
                                            Kernels.adam(
                                                count: r.count, w: w.baseAddress! + j, g: g.baseAddress! + j,
                                                m: m.baseAddress! + j, v: v.baseAddress! + j, wOut: wOut.baseAddress! + j,
                                                mOut: mOut.baseAddress! + j, vOut: vOut.baseAddress! + j,
                                                alpha: alpha, beta1: b1, beta2: b2, epsilon: eps)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        slots.commit(parameters)
    }

    @discardableResult public func undoLastStep(_ parameters: [Parameter]) -> Bool { slots.undo(parameters) }

    public func discardUndo() { slots.canUndo = false }

    public func state(parameters: [Parameter], parameterNames: [String]) -> OptimizerState {
        slots.state(kind: "adam", parameters: parameters, parameterNames: parameterNames)
    }

    public func load(_ state: OptimizerState, parameters: [Parameter], parameterNames: [String]) throws {
        try slots.load(state, kind: "adam", parameters: parameters, parameterNames: parameterNames)
    }
}
