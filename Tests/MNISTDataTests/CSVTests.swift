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

    func testAByteOrderMarkIsSkipped() throws {
        // Excel's "CSV UTF-8" starts the file with EF BB BF; the header and every image stay put.
        let dir = try Fixtures.tempDir()
        let header = "label," + (0..<784).map { "pixel\($0)" }.joined(separator: ",")
        let path = try Fixtures.write([0xEF, 0xBB, 0xBF] + Fixtures.csv(set, labelFirst: true, header: header), dir, "bom.csv")
        let dataset = try DatasetLoader.load(path: path, options: LoadOptions(testFraction: 0))
        XCTAssertEqual(dataset.train, set)
        // Without a header the first row is an image, its label right after the mark.
        let bare = try Fixtures.write([0xEF, 0xBB, 0xBF] + Fixtures.csv(set, labelFirst: true), dir, "bare.csv")
        XCTAssertEqual(try DatasetLoader.load(path: bare, options: LoadOptions(testFraction: 0)).train, set)
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

    /// 100 images whose top-left pixel is 0, as in MNIST, written label last: the first column is
    /// then a constant 0 that is a valid label, the last varies.
    private func labelLastLines(count: Int = 100) -> (ImageSet, [String]) {
        var pixels = Fixtures.pixels(count: count)
        for i in 0..<count { pixels[i * 784] = 0 }
        let set = ImageSet(rows: 28, cols: 28, pixels: pixels, labels: Fixtures.labels(count: count))
        return (set, String(decoding: Fixtures.csv(set, labelFirst: false), as: UTF8.self).split(separator: "\n").map(String.init))
    }

    private func withLabel(_ label: String, atLine line: Int, in lines: [String]) -> [String] {
        var lines = lines
        var cells = lines[line - 1].split(separator: ",").map(String.init)
        cells[cells.count - 1] = label
        lines[line - 1] = cells.joined(separator: ",")
        return lines
    }

    private func bytes(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) }

    func testDetectionReportsABadLabelInsteadOfShiftingTheImages() throws {
        let (set, lines) = labelLastLines()
        let dir = try Fixtures.tempDir()
        let good = try DatasetLoader.load(path: try Fixtures.write(bytes(lines), dir, "c_ok.csv"), options: LoadOptions(testFraction: 0.1))
        XCTAssertEqual(good.train.count + good.test.count, 100)
        XCTAssertEqual(good.train.image(0), set.image(0), "label last: the images are not shifted")
        XCTAssertEqual(good.train.labels.prefix(10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])

        let path = try Fixtures.write(bytes(withLabel("11", atLine: 81, in: lines)), dir, "c_badlabel.csv")
        let auto = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertEqual(auto.line, 81)
        XCTAssertTrue(auto.message.hasPrefix("label 11 in the last column is outside 0-9"), auto.message)
        XCTAssertTrue(auto.hint?.contains("--label first or --label last") ?? false, auto.hint ?? "")
        let told = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path, options: LoadOptions(labelColumn: .last)) })
        XCTAssertEqual(told.line, 81)
        XCTAssertEqual(told.message, "label 11 in the last column is outside 0-9")
        // Reading the constant first column as labels is still possible when asked for.
        XCTAssertEqual(try DatasetLoader.load(path: path, options: LoadOptions(labelColumn: .first, testFraction: 0)).train.labels,
                       [UInt8](repeating: 0, count: 100))
    }

    func testDetectionRefusesWhenNeitherEndColumnIsPlausible() throws {
        let dir = try Fixtures.tempDir()
        // Most labels above 9: the last column cannot hold the labels, and a constant first column
        // (a border pixel as likely as a label) does not outweigh it.
        var (_, lines) = labelLastLines(count: 20)
        for line in 1...15 { lines = withLabel("\(100 + line)", atLine: line, in: lines) }
        let path = try Fixtures.write(bytes(lines), dir, "mostly-bad.csv")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertEqual(error.message, "cannot tell which column holds the label: the first column holds 0 in every row, the last column holds values above 9 in 15 of 20 rows")
        XCTAssertEqual(error.hint, "say which column holds the label: --label first or --label last")
        // Both end columns mostly above 9: label first, every label 20; the fixtures' last pixel is above 9 in 28 of 30 images.
        let both = String(decoding: Fixtures.csv(Fixtures.set(count: 30), labelFirst: true), as: UTF8.self)
            .split(separator: "\n").map { "20" + $0.drop { $0 != "," } }
        let bothError = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: try Fixtures.write(bytes(both), dir, "both-bad.csv")) })
        XCTAssertEqual(bothError.message, "cannot tell which column holds the label: the first column holds values above 9 in 30 of 30 rows, the last column holds values above 9 in 28 of 30 rows")
    }

    func testSingleClassFilesNeedANonzeroColumnOrAnExplicitLabel() throws {
        // Like the first rows of a class-sorted sample: one class, corner pixels 0 as in MNIST.
        func singleClass(_ label: UInt8, labelFirst: Bool) -> (ImageSet, [String]) {
            var pixels = Fixtures.pixels(count: 40)
            for i in 0..<40 { pixels[i * 784] = 0; pixels[i * 784 + 783] = 0 }
            let set = ImageSet(rows: 28, cols: 28, pixels: pixels, labels: [UInt8](repeating: label, count: 40))
            return (set, String(decoding: Fixtures.csv(set, labelFirst: labelFirst), as: UTF8.self).split(separator: "\n").map(String.init))
        }
        let dir = try Fixtures.tempDir()
        // All zeros at both ends: either layout fits, so detection refuses rather than guess.
        let (_, zeros) = singleClass(0, labelFirst: false)
        let zerosPath = try Fixtures.write(bytes(zeros), dir, "zeros.csv")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: zerosPath) })
        XCTAssertEqual(error.message, "cannot tell which column holds the label: the first column holds 0 in every row, the last column holds 0 in every row")
        XCTAssertEqual(error.hint, "say which column holds the label: --label first or --label last")
        XCTAssertEqual(try DatasetLoader.load(path: zerosPath, options: LoadOptions(labelColumn: .last)).train.count, 32)
        // One bad label there: still no silent shift.
        let badPath = try Fixtures.write(bytes(withLabel("11", atLine: 17, in: zeros)), dir, "zeros-bad.csv")
        let bad = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: badPath) })
        XCTAssertEqual(bad.message, "cannot tell which column holds the label: the first column holds 0 in every row, the last column holds 0 in 39 of 40 rows and values above 9 in the rest")
        XCTAssertEqual(try XCTUnwrap(expectDataError { try DatasetLoader.load(path: badPath, options: LoadOptions(labelColumn: .last)) }).line, 17)
        // A nonzero class against a zero border pixel is the label, at either end.
        for labelFirst in [false, true] {
            let (set, threes) = singleClass(3, labelFirst: labelFirst)
            let loaded = try DatasetLoader.load(path: try Fixtures.write(bytes(threes), dir, "threes-\(labelFirst).csv"), options: LoadOptions(testFraction: 0))
            XCTAssertEqual(loaded.train, set, "label \(labelFirst ? "first" : "last")")
        }
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
