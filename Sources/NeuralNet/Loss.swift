import Foundation

/// A training objective over the model's output and integer class labels.
///
/// All three are summed over the samples of a batch and scaled by the caller (1/m for a mean), so a
/// full-batch objective can be accumulated chunk by chunk:
/// - `sparseCategoricalCrossEntropy`: -log p[label] (Keras's, with p clipped to [1e-7, 1 - 1e-7]).
/// - `binaryCrossEntropy`: Σ over classes of -[y log p + (1 - y) log(1 - p)] against one-hot y — the
///   784-100-10 recipe's J (a sum over the 10 outputs, not Keras's mean over them).
/// - `meanSquaredError(off:on:)`: ½ Σ over classes (p - t)² with t = `on` for the label and `off`
///   elsewhere — the 784-200-10 recipe, whose update `lr · (t - o) ⊙ o(1 - o) · hᵀ` is exactly the
///   gradient of this ½-sum (Keras's MSE would be the mean over classes, a 5x smaller gradient).
public enum Loss: Sendable, Equatable, CustomStringConvertible {
    case sparseCategoricalCrossEntropy
    case binaryCrossEntropy
    case meanSquaredError(off: Float, on: Float)

    public var description: String {
        switch self {
        case .sparseCategoricalCrossEntropy: "sparse_categorical_crossentropy"
        case .binaryCrossEntropy: "binary_crossentropy"
        case .meanSquaredError(let off, let on): "mean_squared_error(targets \(off)/\(on))"
        }
    }

    /// True when the gradient with respect to the pre-activation of `activation` is simply
    /// `scale · (p - y)`, so the activation's own derivative can be skipped.
    public func fuses(with activation: Activation?) -> Bool {
        switch (self, activation) {
        case (.sparseCategoricalCrossEntropy, .softmax?), (.binaryCrossEntropy, .sigmoid?): true
        default: false
        }
    }

    /// Sum of per-sample losses over `rows` samples (in Double) and the number of correct argmax
    /// predictions; writes `scale · ∂loss/∂output` into `grad` — or, when `fused`, the gradient
    /// with respect to the pre-activation (`scale · (p - y)`).
    public func evaluate(
        output p: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, rows: Int, cols: Int,
        scale: Float, fused: Bool, grad: UnsafeMutablePointer<Float>?
    ) -> (sum: Double, correct: Int) {
        let eps: Float = 1e-7
        var total = 0.0
        var correct = 0
        for r in 0..<rows {
            let o = r * cols
            let label = Int(labels[r])
            var best = 0
            for j in 1..<cols where p[o + j] > p[o + best] { best = j }
            if best == label { correct += 1 }
            var rowLoss: Float = 0
            switch self {
            case .sparseCategoricalCrossEntropy:
                let pl = min(max(p[o + label], eps), 1 - eps)
                total -= Double(log(pl))
                if let grad {
                    if fused {
                        for j in 0..<cols { grad[o + j] = scale * (p[o + j] - (j == label ? 1 : 0)) }
                    } else {
                        for j in 0..<cols { grad[o + j] = 0 }
                        grad[o + label] = -scale / pl
                    }
                }
            case .binaryCrossEntropy:
                for j in 0..<cols {
                    let pj = min(max(p[o + j], eps), 1 - eps)
                    let y: Float = j == label ? 1 : 0
                    rowLoss -= y == 1 ? log(pj) : log(1 - pj)
                    if let grad {
                        grad[o + j] = fused ? scale * (p[o + j] - y) : scale * (pj - y) / (pj * (1 - pj))
                    }
                }
            case .meanSquaredError(let off, let on):
                for j in 0..<cols {
                    let d = p[o + j] - (j == label ? on : off)
                    rowLoss += 0.5 * d * d
                    if let grad { grad[o + j] = scale * d }
                }
            }
            total += Double(rowLoss)
        }
        return (total, correct)
    }
}
