/// Turning a single set of images into a train and a test set.
enum Split {
    /// The first `trainCount` images train, the rest test.
    static func firstN(_ set: ImageSet, trainCount: Int) -> (train: ImageSet, test: ImageSet) {
        let n = min(max(trainCount, 0), set.count)
        return (set.subset(Array(0..<n)), set.subset(Array(n..<set.count)))
    }

    /// Holds out `fraction` of each class as the test set, spread evenly through the class's
    /// images in order: for 0.2, every 5th image of each class is a test image.
    static func stratified(_ set: ImageSet, testFraction fraction: Double) -> (train: ImageSet, test: ImageSet) {
        let f = min(max(fraction, 0), 1)
        var seen = [Int](repeating: 0, count: 10)
        var train: [Int] = [], test: [Int] = []
        for i in 0..<set.count {
            let label = Int(set.labels[i])
            let k = Double(seen[label])
            seen[label] += 1
            // The k-th image of the class is a test image when it crosses the next multiple of 1/f.
            if ((k + 1) * f).rounded(.down) > (k * f).rounded(.down) { test.append(i) } else { train.append(i) }
        }
        return (set.subset(train), set.subset(test))
    }

    /// Splits `set` as `options` say and describes it: "no separate test set in X: split ...".
    /// A split that leaves the training or the test set empty is an error naming `file` and the
    /// counts (a test fraction of 0 asks for an empty test set on purpose and gets one).
    static func apply(_ set: ImageSet, options: LoadOptions, naturalTrainCount: Int?, sourceName: String, file: String)
        throws -> (train: ImageSet, test: ImageSet, notice: String)
    {
        let prefix = "no separate test set in \(sourceName)"
        if let n = options.trainCount ?? naturalTrainCount {
            let (train, test) = firstN(set, trainCount: n)
            if train.count == 0 || test.count == 0 {
                let empty = train.count == 0 ? "no training images" : "no test images"
                let below = set.count > 1 ? "between 1 and \((set.count - 1).grouped)" : "below the number of images"
                throw DataError(file: file,
                                message: "a train count of \(n.grouped) leaves \(empty): the file holds \(set.count.grouped) images",
                                hint: "give a train count \(below), or a test fraction instead")
            }
            return (train, test, "\(prefix): the first \(train.count.grouped) images are train, the last \(test.count.grouped) test")
        }
        if options.testFraction <= 0 {
            return (set, set.subset([]), "\(prefix): all \(set.count.grouped) images are train, the test set is empty")
        }
        let (train, test) = stratified(set, testFraction: options.testFraction)
        if train.count == 0 || test.count == 0 {
            throw DataError(file: file,
                            message: "a test fraction of \(describe(options.testFraction)) leaves the \(train.count == 0 ? "training" : "test") set empty: "
                                + "\(set.count.grouped) images split \(train.count.grouped) train / \(test.count.grouped) test",
                            hint: train.count == 0 ? "give a smaller test fraction" : "give a larger test fraction, or a train count")
        }
        let inverse = 1 / options.testFraction
        let how = inverse.isFinite && inverse == inverse.rounded() && inverse >= 2
            ? "every \(ordinal(Int(inverse))) image of each class is test"
            : "\(describe((options.testFraction * 100 * 10).rounded() / 10))% of each class is test"
        return (train, test, "\(prefix): split \(train.count.grouped) train / \(test.count.grouped) test (\(how))")
    }

    private static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}
