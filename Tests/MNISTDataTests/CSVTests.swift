import MNISTData
import XCTest

final class CSVTests: XCTestCase {
    private let set = Fixtures.set(count: 30)

    func testKaggleHeaderLabelFirst() throws {
        let dir = try Fixtures.tempDir()
        let header = "label," + (0..<784).map { "pixel\($0)" }.joined(separator: ",")
        let path = try Fixtures.write(Fixtures.csv(set, labelFirst: true, header: header), dir, "train.csv")
        let dataset = try DatasetLoader.load(path: path, options: LoadOptions(testFraction: 0))
        XCTAssertEqual(dataset.train, set)
        XCTAssertEqual(dataset.name, "train.csv")
    }

    func testNoHeaderLabelLastGzippedAutoDetected() throws {
        let dir = try Fixtures.tempDir()
        let set = Fixtures.set(count: 50)
        let path = try Fixtures.write(Fixtures.gzipped(Fixtures.csv(set, labelFirst: false)), dir, "digits.csv.gz")
        let dataset = try DatasetLoader.load(path: path)
        XCTAssertEqual(dataset.train.count, 40)
        XCTAssertEqual(dataset.test.labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        XCTAssertEqual(dataset.test.image(3), set.image(43))
        XCTAssertEqual(dataset.train.image(39), set.image(39))
        XCTAssertEqual(dataset.notices, ["no separate test set in digits.csv.gz: split 40 train / 10 test (every 5th image of each class is test)"])
        let halves = try DatasetLoader.load(path: path, options: LoadOptions(testFraction: 0.5))
        XCTAssertEqual(halves.test.count, 20)
        XCTAssertTrue(halves.notices[0].hasSuffix("(every 2nd image of each class is test)"), halves.notices[0])
    }

    func testHeaderLabelLastAndCRLFAndTrainCount() throws {
        let dir = try Fixtures.tempDir()
        let header = (0..<784).map { "\($0 / 28 + 1)x\($0 % 28 + 1)" }.joined(separator: ",") + ",\"label\""
        let text = String(decoding: Fixtures.csv(set, labelFirst: false, header: header), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: "\r\n")
        let path = try Fixtures.write(Array(text.utf8), dir, "x.csv")
        let dataset = try DatasetLoader.load(path: path, options: LoadOptions(trainCount: 25))
        XCTAssertEqual(dataset.train.count, 25)
        XCTAssertEqual(dataset.test.labels, [5, 6, 7, 8, 9])
        XCTAssertEqual(dataset.test.image(4), set.image(29))
    }

    func testExplicitLabelColumnOverridesTie() throws {
        // Pixels of 0-9 make both end columns look like labels; ties go first unless told.
        let faint = ImageSet(rows: 28, cols: 28, pixels: (0..<784 * 3).map { UInt8($0 % 9) }, labels: [3, 4, 5])
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.write(Fixtures.csv(faint, labelFirst: false), dir, "faint.csv")
        let auto = try DatasetLoader.load(path: path, options: LoadOptions(testFraction: 0))
        XCTAssertEqual(auto.train.labels, [0, 1, 2])
        let last = try DatasetLoader.load(path: path, options: LoadOptions(labelColumn: .last, testFraction: 0))
        XCTAssertEqual(last.train.labels, [3, 4, 5])
        // A constant all-zero border column is a pixel, not a label.
        let dark = ImageSet(rows: 28, cols: 28, pixels: [UInt8](repeating: 0, count: 784 * 3), labels: [3, 4, 5])
        let darkPath = try Fixtures.write(Fixtures.csv(dark, labelFirst: false), dir, "dark.csv")
        XCTAssertEqual(try DatasetLoader.load(path: darkPath, options: LoadOptions(testFraction: 0)).train.labels, [3, 4, 5])
    }

    func testRaggedRow() throws {
        var text = String(decoding: Fixtures.csv(set, labelFirst: true), as: UTF8.self).split(separator: "\n").map(String.init)
        text[4] = text[4].split(separator: ",").dropLast().joined(separator: ",")
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.write(Array(text.joined(separator: "\n").utf8), dir, "ragged.csv")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertEqual(error.line, 5)
        XCTAssertEqual(error.message, "expected 785 columns, got 784")
        XCTAssertTrue(error.description.contains("ragged.csv, line 5"), error.description)
    }

    func testNonNumericCell() throws {
        var lines = String(decoding: Fixtures.csv(set, labelFirst: true), as: UTF8.self).split(separator: "\n").map(String.init)
        var cells = lines[2].split(separator: ",").map(String.init)
        cells[10] = "abc"
        lines[2] = cells.joined(separator: ",")
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.write(Array(lines.joined(separator: "\n").utf8), dir, "bad.csv")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertEqual(error.line, 3)
        XCTAssertTrue(error.message.contains("column 11: \"abc\" is not"), error.message)
    }

    func testValueOutOfRange() throws {
        var lines = String(decoding: Fixtures.csv(set, labelFirst: true), as: UTF8.self).split(separator: "\n").map(String.init)
        var cells = lines[6].split(separator: ",").map(String.init)
        cells[100] = "256"
        lines[6] = cells.joined(separator: ",")
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.write(Array(lines.joined(separator: "\n").utf8), dir, "big.csv")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertEqual(error.line, 7)
        XCTAssertTrue(error.message.contains("column 101: value 256 is outside 0-255"), error.message)
    }

    func testLabelOutOfRange() throws {
        var lines = String(decoding: Fixtures.csv(set, labelFirst: true, header: "label," + (1...784).map { "p\($0)" }.joined(separator: ",")), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        var cells = lines[9].split(separator: ",").map(String.init)
        cells[0] = "42"
        lines[9] = cells.joined(separator: ",")
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.write(Array(lines.joined(separator: "\n").utf8), dir, "labels.csv")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertEqual(error.line, 10)
        XCTAssertTrue(error.message.contains("label 42 in the first column is outside 0-9"), error.message)
    }
}
