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
