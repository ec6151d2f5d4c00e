/// Precision, recall, F1 and support of one class, from a confusion matrix.
public struct ClassMetrics: Sendable, Equatable {
    public var label: Int
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Number of samples whose true label is this class.
    public var support: Int
    /// Number of samples predicted as this class.
    public var predicted = 0

    /// Whether the class occurs at all, as a true label or a prediction (an output unit beyond the
    /// data's classes may never), the classes scikit-learn's report lists.
    public var occurs: Bool { support > 0 || predicted > 0 }

    /// The unweighted mean of precision, recall and F1 over the classes that occur.
    public static func macroAverage(_ metrics: [ClassMetrics]) -> (precision: Double, recall: Double, f1: Double) {
        let present = metrics.filter(\.occurs)
        let n = Double(max(present.count, 1))
        return (present.reduce(0) { $0 + $1.precision } / n, present.reduce(0) { $0 + $1.recall } / n,
                present.reduce(0) { $0 + $1.f1 } / n)
    }

    /// One entry per class of `confusion` (row = true label, column = prediction); 0 where undefined.
    public static func report(confusion: [[Int]]) -> [ClassMetrics] {
        confusion.indices.map { c in
            let tp = Double(confusion[c][c])
            let support = confusion[c].reduce(0, +)
            let predicted = confusion.reduce(0) { $0 + $1[c] }
            let precision = predicted > 0 ? tp / Double(predicted) : 0
            let recall = support > 0 ? tp / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            return ClassMetrics(label: c, precision: precision, recall: recall, f1: f1, support: support, predicted: predicted)
        }
    }
}
