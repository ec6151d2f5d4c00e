import Foundation

/// The settings a model may have: the ranges the shell's `add` and `compile` accept from the user,
/// and the ones session restore checks in a manifest (which may have been edited) — one rule for both.
///
///     Limits.units.contains(512)                              // true
///     Limits.problem(with: .sgd(learningRate: -1))            // "learning_rate -1.0 must be in 1e-12...1000000.0"
public enum Limits {
    public static let units = 1...100_000
    public static let filters = 1...4096
    public static let kernelSize = 1...64
    public static let strides = 1...64
    public static let poolSize = 1...64
    /// Dropout rate, [0, 1).
    public static let dropoutRate = 0.0..<1.0
    /// Each dimension of a model's per-sample input shape.
    public static let inputDimension = 1...16_384
    public static let learningRate = 1e-12...1e6
    public static let momentum = 0.0...0.9999
    /// Adam's beta_1 and beta_2, [0, 1).
    public static let adamBeta = 0.0..<1.0
    public static let adamEpsilon = 1e-12...1.0
    public static let lbfgsHistory = 1...100
    public static let l2 = 0.0...1e6

    /// The most trainable parameters a model may have: float32 weights, gradients and two optimizer
    /// slots (16 bytes a parameter) in at most half the machine's memory, and never over 2^31.
    public static let maxParameters = min(1 << 31, Int(clamping: ProcessInfo.processInfo.physicalMemory / 32))

    /// The most bytes a batch's activations and gradients may take: half the machine's memory.
    public static let maxActivationBytes = Int(clamping: ProcessInfo.processInfo.physicalMemory / 2)

    /// Why a layer's settings are out of range — "units 99999999999 must be in 1...100000" — or nil.
    public static func problem(with layer: any Layer) -> String? {
        switch layer {
        case let dense as Dense:
            return outside("units", dense.units, units)
                ?? problem(with: dense.kernelInitializer, "kernel_initializer") ?? problem(with: dense.biasInitializer, "bias_initializer")
        case let conv as Conv2D:
            return outside("filters", conv.filters, filters) ?? outside("kernel_size", conv.kernelSize, kernelSize)
                ?? outside("strides", conv.strides, strides) ?? problem(with: conv.kernelInitializer, "kernel_initializer")
        case let pool as MaxPool2D:
            return outside("pool_size", pool.poolSize, poolSize) ?? outside("strides", pool.strides, strides)
        case let dropout as Dropout:
            return dropoutRate.contains(dropout.rate) ? nil : "rate \(dropout.rate) must be in [0, 1)"
        default:
            return nil
        }
    }

    /// Why an initialiser's scale is unusable (normal's std, uniform's limit: positive and finite), or nil.
    public static func problem(with initializer: Initializer, _ name: String = "initializer") -> String? {
        switch initializer {
        case .normal(let x), .uniform(let x): x > 0 && x.isFinite ? nil : "\(name) \(initializer) needs a positive, finite scale"
        default: nil
        }
    }

    /// Why an optimizer setting is out of range, in Keras's names, or nil.
    public static func problem(with optimizer: OptimizerConfig) -> String? {
        switch optimizer {
        case .sgd(let lr):
            return outside("learning_rate", Double(lr), learningRate)
        case .momentum(let lr, let m, _):
            return outside("learning_rate", Double(lr), learningRate) ?? outside("momentum", Double(m), momentum)
        case .adam(let lr, let b1, let b2, let e):
            if let p = outside("learning_rate", Double(lr), learningRate) { return p }
            for (name, beta) in [("beta_1", b1), ("beta_2", b2)] where !adamBeta.contains(Double(beta)) {
                return "\(name) \(beta) must be in [0, 1)"
            }
            return outside("epsilon", Double(e), adamEpsilon)
        case .lbfgs(let m):
            return outside("history", m, lbfgsHistory)
        }
    }

    /// Why a loss is unusable (mean squared error's targets must be finite), or nil.
    public static func problem(with loss: Loss) -> String? {
        guard case .meanSquaredError(let off, let on) = loss else { return nil }
        return off.isFinite && on.isFinite ? nil : "mean squared error targets \(off), \(on) must be finite numbers"
    }

    /// Why an L2 strength is out of range, or nil.
    public static func problem(withL2 l2: Double) -> String? { outside("l2", l2, Limits.l2) }

    /// Why adding `layer` on a per-sample `input` to a model of `current` parameters would not fit
    /// in memory (see `maxParameters`), or nil.
    static func memoryProblem(adding layer: any Layer, input: [Int], to current: Int) -> String? {
        if let n = parameterCount(of: layer, input: input) {
            let (total, overflow) = current.addingReportingOverflow(n)
            if !overflow && total <= maxParameters { return nil }
            if !overflow {
                return "its \(n) parameters would bring the model to \(total); at most \(maxParameters) fit in this machine's memory"
                    + " (weights, gradients and optimizer state)"
            }
        }
        return "its parameters would not fit in memory (the count overflows); at most \(maxParameters) fit"
    }

    /// The parameters `layer` will have on a per-sample `input` of a shape it accepts, computed without
    /// allocating anything; nil if the count does not fit an Int.
    static func parameterCount(of layer: any Layer, input: [Int]) -> Int? {
        /// kernel elements (the product of `kernel`) plus `bias`, nil on overflow.
        func count(_ kernel: [Int], bias: Int) -> Int? {
            var n = 1
            for x in kernel {
                let (r, overflow) = n.multipliedReportingOverflow(by: x)
                if overflow { return nil }
                n = r
            }
            let (total, overflow) = n.addingReportingOverflow(bias)
            return overflow ? nil : total
        }
        switch layer {
        case let dense as Dense:
            return count([input.first ?? 0, dense.units], bias: dense.useBias ? dense.units : 0)
        case let conv as Conv2D:
            return count([conv.kernelSize, conv.kernelSize, input.last ?? 0, conv.filters], bias: conv.useBias ? conv.filters : 0)
        default:
            return 0
        }
    }

    private static func outside<T: Comparable>(_ name: String, _ value: T, _ range: ClosedRange<T>) -> String? {
        range.contains(value) ? nil : "\(name) \(value) must be in \(range.lowerBound)...\(range.upperBound)"
    }
}
