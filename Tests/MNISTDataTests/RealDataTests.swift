import MNISTData
import XCTest

/// Checks against real data sets when they are installed; skipped otherwise.
final class RealDataTests: XCTestCase {
    private func require(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is not present") }
    }

    func testFashionMNIST() throws {
        try require("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
        let fashion = try DatasetLoader.loadFashion(dataDir: "/nonexistent")
        XCTAssertEqual(fashion.train.count, 60_000)
        XCTAssertEqual(fashion.test.count, 10_000)
        XCTAssertEqual(fashion.train.rows, 28)
        XCTAssertEqual(fashion.train.cols, 28)
        XCTAssertEqual(fashion.train.classCounts, [Int](repeating: 6_000, count: 10))
        XCTAssertEqual(fashion.test.classCounts, [Int](repeating: 1_000, count: 10))
        XCTAssertEqual(fashion.files.count, 4)
    }

    func testMNISTTestSet() throws {
        try require("/work/shared/data/mnist-t10k")
        let dataset = try DatasetLoader.load(path: "/work/shared/data/mnist-t10k", options: LoadOptions(testFraction: 0))
        XCTAssertEqual(dataset.train.count, 10_000)
        // The official test set's class counts and first labels.
        XCTAssertEqual(dataset.train.classCounts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        XCTAssertEqual(Array(dataset.train.labels.prefix(5)), [7, 2, 1, 0, 4])
    }

    func testMNISTSample() throws {
        try require("/work/shared/data/mnist_5k.csv.gz")
        let dataset = try DatasetLoader.load(path: "/work/shared/data/mnist_5k.csv.gz")
        XCTAssertEqual(dataset.train.count, 4_000)
        XCTAssertEqual(dataset.test.count, 1_000)
        XCTAssertEqual(dataset.train.classCounts, [Int](repeating: 400, count: 10))
        XCTAssertEqual(dataset.test.classCounts, [Int](repeating: 100, count: 10))
        XCTAssertEqual(dataset.notices, ["no separate test set in mnist_5k.csv.gz: split 4,000 train / 1,000 test (every 5th image of each class is test)"])
    }
}
