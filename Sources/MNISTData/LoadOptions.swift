/// How to interpret ambiguous inputs and how to split a source that holds a single set.
public struct LoadOptions: Sendable, Equatable {
    /// Where a CSV file keeps the label.
    public enum LabelColumn: Sendable, Equatable { case auto, first, last }
    /// Whether a CSV file starts with a header row.
    public enum Header: Sendable, Equatable { case auto, present, absent }

    public var labelColumn: LabelColumn
    public var header: Header
    /// Share of each class held out as the test set when a source has only one set (CSV, a MAT
    /// file not of 70,000 images, a lone IDX pair). 0 keeps everything for training.
    public var testFraction: Double
    /// When set, the first `trainCount` images of a single-set source are the training set and
    /// the rest the test set, instead of a stratified split.
    public var trainCount: Int?

    /// The test fractions and train counts the shell's `load` accepts, and a restored session may carry.
    public static let testFractions = 0.01...0.99
    public static let trainCounts = 1...10_000_000

    public init(labelColumn: LabelColumn = .auto, header: Header = .auto,
                testFraction: Double = 0.2, trainCount: Int? = nil) {
        self.labelColumn = labelColumn
        self.header = header
        self.testFraction = testFraction
        self.trainCount = trainCount
    }
}
