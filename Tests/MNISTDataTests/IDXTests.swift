import MNISTData
import XCTest

final class IDXTests: XCTestCase {
    func testDirectoryWithBothPairsGzipped() throws {
        let dir = try Fixtures.tempDir()
        let train = Fixtures.set(count: 30), test = Fixtures.set(count: 12)
        try Fixtures.writeIDX(train: train, test: test, dir: dir)
        let dataset = try DatasetLoader.load(path: dir)
        XCTAssertEqual(dataset.train, train)
        XCTAssertEqual(dataset.test, test)
        XCTAssertEqual(dataset.files.count, 4)
        XCTAssertTrue(dataset.notices.isEmpty)
        XCTAssertEqual(dataset.classNames, Dataset.digitClassNames)
        XCTAssertEqual(dataset.train.classCounts, [3, 3, 3, 3, 3, 3, 3, 3, 3, 3])
        XCTAssertEqual(dataset.train.indices(ofLabel: 4), [4, 14, 24])
        XCTAssertEqual(Array(dataset.train.image(2).prefix(3)), [14, 19, 24])
    }

    func testDottedRawNamesAndSingleFile() throws {
        let dir = try Fixtures.tempDir()
        let train = Fixtures.set(count: 50), test = Fixtures.set(count: 10)
        try Fixtures.writeIDX(train: train, test: test, dir: dir, dotted: true, gzip: false)
        XCTAssertEqual(try DatasetLoader.load(path: dir).test, test)
        // A single images file finds its labels beside it and is split 80/20 per class.
        let single = try DatasetLoader.load(path: dir + "/train-images.idx3-ubyte")
        XCTAssertEqual(single.test.classCounts, [Int](repeating: 1, count: 10))
        XCTAssertEqual(single.test.image(0), train.image(40))
        XCTAssertEqual(single.notices.count, 1)
        XCTAssertTrue(single.notices[0].contains("split 40 train / 10 test"), single.notices[0])
        // So does a labels file.
        XCTAssertEqual(try DatasetLoader.load(path: dir + "/t10k-labels.idx1-ubyte", options: LoadOptions(trainCount: 6)).train.count, 6)
    }

    func testTestOnlyDirectoryIsSplit() throws {
        let dir = try Fixtures.tempDir()
        try Fixtures.writeIDX(train: nil, test: Fixtures.set(count: 50), dir: dir)
        let dataset = try DatasetLoader.load(path: dir)
        XCTAssertEqual(dataset.train.count, 40)
        XCTAssertEqual(dataset.test.count, 10)
        XCTAssertEqual(dataset.test.classCounts, [Int](repeating: 1, count: 10))
        XCTAssertTrue(dataset.notices[0].contains("every 5th image of each class is test"), dataset.notices[0])
    }

    func testWrongMagicSaysSwapped() throws {
        let dir = try Fixtures.tempDir()
        let set = Fixtures.set(count: 5)
        try Fixtures.write(Fixtures.idxLabels(set.labels), dir, "train-images-idx3-ubyte")
        try Fixtures.write(Fixtures.idxImages(set), dir, "train-labels-idx1-ubyte")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: dir) })
        XCTAssertTrue(error.file.hasSuffix("train-images-idx3-ubyte"))
        XCTAssertEqual(error.offset, 0)
        XCTAssertTrue(error.message.contains("wrong magic number 0x801"), error.message)
        XCTAssertEqual(error.hint, "images and labels files look swapped")
    }

    func testTruncatedImagesReportSizes() throws {
        let dir = try Fixtures.tempDir()
        let set = Fixtures.set(count: 10)
        try Fixtures.write(Array(Fixtures.idxImages(set).dropLast(100)), dir, "train-images-idx3-ubyte")
        try Fixtures.write(Fixtures.idxLabels(set.labels), dir, "train-labels-idx1-ubyte")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: dir) })
        XCTAssertEqual(error.offset, 16 + 7840 - 100)
        XCTAssertTrue(error.message.contains("needing 7,856 bytes"), error.message)
        XCTAssertTrue(error.message.contains("ends at byte 7,756"), error.message)
    }

    func testShortHeader() throws {
        let dir = try Fixtures.tempDir()
        try Fixtures.write([0, 0, 8, 3, 0, 0], dir, "train-images-idx3-ubyte")
        try Fixtures.write(Fixtures.idxLabels([1]), dir, "train-labels-idx1-ubyte")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: dir) })
        XCTAssertTrue(error.message.contains("header needs 16 bytes"), error.message)
    }

    func testCountMismatch() throws {
        let dir = try Fixtures.tempDir()
        let set = Fixtures.set(count: 10)
        try Fixtures.write(Fixtures.idxImages(set), dir, "train-images-idx3-ubyte")
        try Fixtures.write(Fixtures.idxLabels(Array(set.labels.prefix(9))), dir, "train-labels-idx1-ubyte")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: dir) })
        XCTAssertTrue(error.file.hasSuffix("train-labels-idx1-ubyte"))
        XCTAssertTrue(error.message.contains("holds 9 labels but train-images-idx3-ubyte holds 10 images"), error.message)
    }

    func testLabelOutOfRangeGivesIndex() throws {
        let dir = try Fixtures.tempDir()
        let set = Fixtures.set(count: 10)
        var labels = set.labels
        labels[7] = 12
        try Fixtures.write(Fixtures.idxImages(set), dir, "train-images-idx3-ubyte")
        try Fixtures.write(Fixtures.idxLabels(labels), dir, "train-labels-idx1-ubyte")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: dir) })
        XCTAssertEqual(error.offset, 8 + 7)
        XCTAssertTrue(error.message.contains("label 12 at index 7"), error.message)
    }

    func testCorruptGzipNamesFileAndOffset() throws {
        let dir = try Fixtures.tempDir()
        let set = Fixtures.set(count: 30)
        var gz = Fixtures.gzipped(Fixtures.idxImages(set))
        for i in 40..<60 { gz[i] ^= 0x5a }
        try Fixtures.write(gz, dir, "train-images-idx3-ubyte.gz")
        try Fixtures.write(Fixtures.gzipped(Fixtures.idxLabels(set.labels)), dir, "train-labels-idx1-ubyte.gz")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: dir) })
        XCTAssertTrue(error.file.hasSuffix("train-images-idx3-ubyte.gz"))
        XCTAssertNotNil(error.offset)
        XCTAssertTrue(error.message.contains("gzip data is corrupt") || error.message.contains("truncated"), error.message)
    }

    func testTruncatedGzip() throws {
        let dir = try Fixtures.tempDir()
        let gz = Fixtures.gzipped(Fixtures.idxImages(Fixtures.set(count: 30)))
        let path = try Fixtures.write(Array(gz.prefix(gz.count / 2)), dir, "t10k-images-idx3-ubyte.gz")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertEqual(error.offset, gz.count / 2)
        XCTAssertTrue(error.message.contains("truncated"), error.message)
    }

    func testGzipDetectedByContentNotName() throws {
        let dir = try Fixtures.tempDir()
        let set = Fixtures.set(count: 10)
        try Fixtures.write(Fixtures.gzipped(Fixtures.idxImages(set)), dir, "train-images-idx3-ubyte")
        try Fixtures.write(Fixtures.idxLabels(set.labels), dir, "train-labels-idx1-ubyte.gz")
        let dataset = try DatasetLoader.load(path: dir, options: LoadOptions(testFraction: 0))
        XCTAssertEqual(dataset.train, set)
        XCTAssertEqual(dataset.test.count, 0)
    }

    func testMissingLabelsFileBesideImages() throws {
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.write(Fixtures.idxImages(Fixtures.set(count: 3)), dir, "train-images-idx3-ubyte")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertTrue(error.message.contains("no labels file"), error.message)
        XCTAssertTrue(error.hint?.contains("train-labels-idx1-ubyte") ?? false)
    }
}
