import CPNG
import MNISTData
import XCTest

final class DigitImageTests: XCTestCase {
    /// A 100x150 white canvas with a dark, slightly slanted "1" stroke left of centre.
    private func drawing() -> (width: Int, height: Int, gray: [UInt8]) {
        let width = 100, height = 150
        var gray = [UInt8](repeating: 240, count: width * height)
        for y in 20..<130 { for x in 0..<14 { gray[y * width + 25 + x + (130 - y) / 10] = 20 } }
        return (width, height, gray)
    }

    private func checkMNISTStyle(_ out: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(out.count, 784, file: file, line: line)
        // White on black: the border is black and the ink reaches full white.
        let borderRows = Array(out[0..<28]) + Array(out[27 * 28 ..< 784])
        XCTAssertEqual(borderRows.max(), 0, file: file, line: line)
        XCTAssertEqual(out.max(), 255, file: file, line: line)
        // The ink is 20 pixels tall (the long side) and its centre of mass is at the centre.
        let inkRows = (0..<28).filter { y in (0..<28).contains { out[y * 28 + $0] > 64 } }
        XCTAssertEqual(inkRows.count, 20, file: file, line: line)
        var mass = 0.0, sx = 0.0, sy = 0.0
        for y in 0..<28 { for x in 0..<28 { let v = Double(out[y * 28 + x]); mass += v; sx += v * (Double(x) + 0.5); sy += v * (Double(y) + 0.5) } }
        XCTAssertEqual(sx / mass, 14, accuracy: 0.75, file: file, line: line)
        XCTAssertEqual(sy / mass, 14, accuracy: 0.75, file: file, line: line)
        // A "1" is narrow: far fewer ink columns than rows.
        let inkColumns = (0..<28).filter { x in (0..<28).contains { out[$0 * 28 + x] > 64 } }
        XCTAssertLessThan(inkColumns.count, 10, file: file, line: line)
    }

    func testBinaryPGMRoundTripAndPreprocess() throws {
        let (w, h, gray) = drawing()
        let path = try Fixtures.write(Array("P5\n# a drawn one\n\(w) \(h)\n255\n".utf8) + gray, try Fixtures.tempDir(), "one.pgm")
        let image = try DigitImage.read(path: path)
        XCTAssertEqual(image.width, w)
        XCTAssertEqual(image.height, h)
        XCTAssertEqual(image.gray, gray)
        checkMNISTStyle(try DigitImage.preprocess(width: w, height: h, gray: image.gray))
    }

    func testAsciiPPMIsConvertedToGray() throws {
        let text = "P3 2 1 15\n15 15 15  0 0 15\n"
        let image = try DigitImage.read(path: try Fixtures.write(Array(text.utf8), try Fixtures.tempDir(), "c.ppm"))
        XCTAssertEqual(image.gray, [255, 29])
    }

    func testPNGWrittenWithLibpng() throws {
        let (w, h, gray) = drawing()
        let path = try Fixtures.tempDir() + "/one.png"
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(w)
        image.height = UInt32(h)
        image.format = UInt32(PNG_FORMAT_GRAY)
        XCTAssertNotEqual(png_image_write_to_file(&image, path, 0, gray, 0, nil), 0)
        let read = try DigitImage.read(path: path)
        XCTAssertEqual(read.gray, gray)
        checkMNISTStyle(try DigitImage.preprocess(width: read.width, height: read.height, gray: read.gray))
    }

    func testLightOnDarkIsNotInverted() throws {
        let (w, h, gray) = drawing()
        checkMNISTStyle(try DigitImage.preprocess(width: w, height: h, gray: gray.map { 255 - $0 }))
    }

    func testBlankImageIsAnError() throws {
        let error = try XCTUnwrap(expectDataError { try DigitImage.preprocess(width: 10, height: 10, gray: [UInt8](repeating: 200, count: 100)) })
        XCTAssertTrue(error.message.contains("blank"), error.message)
    }

    func testBadFiles() throws {
        let dir = try Fixtures.tempDir()
        let jpeg = try XCTUnwrap(expectDataError { try DigitImage.read(path: try Fixtures.write([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3], dir, "x.jpg")) })
        XCTAssertTrue(jpeg.message.hasPrefix("cannot decode JPEG"), jpeg.message)
        let pgm = try XCTUnwrap(expectDataError { try DigitImage.read(path: try Fixtures.write(Array("P5 10 10 255\n123".utf8), dir, "t.pgm")) })
        XCTAssertTrue(pgm.message.contains("truncated"), pgm.message)
        let other = try XCTUnwrap(expectDataError { try DigitImage.read(path: try Fixtures.write(Array("hello".utf8), dir, "h.txt")) })
        XCTAssertTrue(other.message.contains("not a PNG, JPEG or PGM/PPM"), other.message)
    }
}
