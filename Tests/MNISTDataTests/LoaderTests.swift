import Foundation
import MNISTData
import XCTest

final class LoaderTests: XCTestCase {
    func testMissingFile() throws {
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: "/nonexistent/mnist.npz") })
        XCTAssertEqual(error.file, "/nonexistent/mnist.npz")
        XCTAssertTrue(error.message.contains("no such file"))
    }

    func testUnknownFormat() throws {
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.write([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4], dir, "weird.bin")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertTrue(error.message.contains("unknown data format (starts with de ad be ef"), error.message)
        XCTAssertTrue(error.hint?.contains("NPZ") ?? false)
    }

    func testEmptyDirectory() throws {
        let dir = try Fixtures.tempDir()
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: dir) })
        XCTAssertTrue(error.message.contains("no IDX files"), error.message)
    }

    func testEmptyFileAndDevicesAreNamedAsSuch() throws {
        let dir = try Fixtures.tempDir()
        let empty = try Fixtures.write([], dir, "empty.csv")
        XCTAssertEqual(try XCTUnwrap(expectDataError { try DatasetLoader.load(path: empty) }).message, "the file is empty")
        let device = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: "/dev/null") })
        XCTAssertEqual(device.message, "is a device or socket, not a data file")
        XCTAssertEqual(device.file, "/dev/null")
        // A path through a file says so, not "no such file".
        let through = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: empty + "/x.csv") })
        XCTAssertEqual(through.message, "not a directory")
    }

    func testAPipeIsReadToItsEnd() throws {
        // `load <(zcat digits.csv.gz)` in a shell hands over a pipe: read it like a file.
        let dir = try Fixtures.tempDir()
        let fifo = dir + "/digits.csv"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let set = Fixtures.set(count: 300)  // ~300 KB: more than a pipe holds at once
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            let bytes = Fixtures.csv(set, labelFirst: true)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            close(fd)
        }
        writer.start()
        let dataset = try DatasetLoader.load(path: fifo, options: LoadOptions(testFraction: 0))
        XCTAssertEqual(dataset.train, set)
    }

    /// What the shell needs to tell whether its options applied: the format, and whether the
    /// options split the set.
    func testFormatAndSplitByOptionsAreReported() throws {
        let dir = try Fixtures.tempDir()
        try Fixtures.writeIDX(train: Fixtures.set(count: 20), test: Fixtures.set(count: 10), dir: dir)
        let pairs = try DatasetLoader.load(path: dir)
        XCTAssertEqual(pairs.format, "IDX")
        XCTAssertFalse(pairs.splitByOptions)
        let csv = try DatasetLoader.load(path: try Fixtures.write(Fixtures.csv(Fixtures.set(count: 50), labelFirst: true), dir, "d.csv"))
        XCTAssertEqual(csv.format, "CSV")
        XCTAssertTrue(csv.splitByOptions)
        let mat = try Fixtures.write(Fixtures.mat(Fixtures.set(count: 50), compressed: false), dir, "d.mat")
        XCTAssertEqual(try DatasetLoader.load(path: mat).format, "MAT")
        XCTAssertTrue(try DatasetLoader.load(path: mat).splitByOptions, "50 images: no conventional split, so the options split them")
    }

    func testHalfAnIDXPairNamesTheMissingFile() throws {
        // Images without their labels: say so, rather than "no IDX files".
        let dir = try Fixtures.tempDir()
        try Fixtures.writeIDX(train: Fixtures.set(count: 20), test: nil, dir: dir)
        try FileManager.default.removeItem(atPath: dir + "/train-labels-idx1-ubyte.gz")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: dir) })
        XCTAssertTrue(error.file.hasSuffix("/train-images-idx3-ubyte.gz"), error.file)
        XCTAssertEqual(error.message, "found no labels file beside this one")
        XCTAssertTrue(error.hint?.contains("train-labels-idx1-ubyte.gz") ?? false, error.hint ?? "")
        // A full training pair with test labels but no test images: not silently split.
        let both = try Fixtures.tempDir()
        try Fixtures.writeIDX(train: Fixtures.set(count: 20), test: Fixtures.set(count: 10), dir: both)
        try FileManager.default.removeItem(atPath: both + "/t10k-images-idx3-ubyte.gz")
        let testError = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: both) })
        XCTAssertTrue(testError.file.hasSuffix("/t10k-labels-idx1-ubyte.gz"), testError.file)
        XCTAssertEqual(testError.message, "found no images file beside this one")
    }

    func testASetWithNoImagesIsAnErrorNamingItsFile() throws {
        let empty = ImageSet(rows: 28, cols: 28, pixels: [], labels: [])
        // One IDX pair holding 0 images.
        let lone = try Fixtures.tempDir()
        try Fixtures.writeIDX(train: empty, test: nil, dir: lone)
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: lone) })
        XCTAssertTrue(error.file.hasSuffix("train-images-idx3-ubyte.gz"), error.file)
        XCTAssertEqual(error.message, "the file holds no images")
        // Two pairs, the test one empty: the error names the test images file.
        let pairs = try Fixtures.tempDir()
        try Fixtures.writeIDX(train: Fixtures.set(count: 20), test: empty, dir: pairs)
        let testError = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: pairs) })
        XCTAssertTrue(testError.file.hasSuffix("t10k-images-idx3-ubyte.gz"), testError.file)
        XCTAssertEqual(testError.message, "the test set holds no images")
        // A Keras .npz with an empty x_train.
        let npz = try Fixtures.write(Fixtures.npz(train: empty, test: Fixtures.set(count: 10), deflated: false), lone, "empty.npz")
        let npzError = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: npz) })
        XCTAssertEqual(npzError.file, npz)
        XCTAssertEqual(npzError.message, "the training set holds no images")
    }

    func testASplitLeavingASetEmptyIsAnErrorWithTheCounts() throws {
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.write(Fixtures.csv(Fixtures.set(count: 30), labelFirst: true), dir, "thirty.csv")
        for trainCount in [30, 5000] {
            let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path, options: LoadOptions(trainCount: trainCount)) })
            XCTAssertEqual(error.file, path)
            XCTAssertEqual(error.message, "a train count of \(trainCount == 30 ? "30" : "5,000") leaves no test images: the file holds 30 images")
            XCTAssertEqual(error.hint, "give a train count between 1 and 29, or a test fraction instead")
        }
        XCTAssertEqual(try DatasetLoader.load(path: path, options: LoadOptions(trainCount: 29)).test.count, 1)
        // Too few images of each class for a stratified test set.
        let few = try Fixtures.write(Fixtures.csv(Fixtures.set(count: 20), labelFirst: true), dir, "twenty.csv")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: few) })
        XCTAssertEqual(error.message, "a test fraction of 0.2 leaves the test set empty: 20 images split 20 train / 0 test")
        XCTAssertEqual(try DatasetLoader.load(path: few, options: LoadOptions(testFraction: 0.5)).test.count, 10)
    }

    func testSampleAndFashionLookup() throws {
        let dir = try Fixtures.tempDir()
        XCTAssertTrue(try XCTUnwrap(expectDataError { try DatasetLoader.loadSample(dataDir: dir) }).message.contains("not installed"))
        let set = Fixtures.set(count: 100)
        try Fixtures.write(Fixtures.gzipped(Fixtures.csv(set, labelFirst: false)), dir, "mnist_5k.csv.gz")
        let sample = try DatasetLoader.loadSample(dataDir: dir)
        XCTAssertEqual(sample.name, "MNIST sample (100 digits)")
        XCTAssertEqual(sample.train.count, 80)
        XCTAssertEqual(sample.test.classCounts, [Int](repeating: 2, count: 10))

        let noSystem = dir + "/no-such-system-dir"
        XCTAssertTrue(try XCTUnwrap(expectDataError { try DatasetLoader.loadFashion(dataDir: dir, systemDir: noSystem) })
            .hint?.contains("dataset-fashion-mnist") ?? false)
        try FileManager.default.createDirectory(atPath: dir + "/fashion", withIntermediateDirectories: true)
        try Fixtures.writeIDX(train: Fixtures.set(count: 20), test: Fixtures.set(count: 10), dir: dir + "/fashion")
        let fashion = try DatasetLoader.loadFashion(dataDir: dir, systemDir: noSystem)
        XCTAssertEqual(fashion.name, "Fashion-MNIST")
        XCTAssertEqual(fashion.classNames[9], "Ankle boot")
        XCTAssertEqual(fashion.test.count, 10)
    }
}
