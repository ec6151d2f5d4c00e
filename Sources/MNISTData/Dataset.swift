/// A loaded data set: training and test images, where they came from, and what the loader did.
public struct Dataset: Sendable {
    /// Display name: "MNIST", "Fashion-MNIST", "MNIST sample (5,000 digits)", or the file name.
    public var name: String
    /// What the user asked for: "mnist", "fashion", "sample", or a path.
    public var source: String
    /// Absolute paths of the files actually read, so a session can checksum them later.
    public var files: [String]
    public var train: ImageSet
    public var test: ImageSet
    /// Names of the classes 0...9.
    public var classNames: [String]
    /// Human-readable notes about the load, e.g. how a single set was split.
    public var notices: [String]
    /// The format read: "IDX", "CSV", "NPZ" or "MAT" (empty for a set built in memory).
    public var format = ""
    /// True when the loader split a single set as the load options say (test fraction or train
    /// count); false when the source has its own test set or a conventional split.
    public var splitByOptions = false

    public init(name: String, source: String, files: [String], train: ImageSet, test: ImageSet,
                classNames: [String] = Dataset.digitClassNames, notices: [String] = []) {
        self.name = name
        self.source = source
        self.files = files
        self.train = train
        self.test = test
        self.classNames = classNames
        self.notices = notices
    }

    /// "0" ... "9".
    public static let digitClassNames = (0..<10).map(String.init)
    /// The Fashion-MNIST class names, in label order.
    public static let fashionClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
}
