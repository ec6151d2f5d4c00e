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
        // Samples above the header's maxval: a binary one used to stop the program (a byte of 200
        // scaled by a maxval of 10 overflowed the gray value), an ASCII one was clipped silently.
        let binary = try XCTUnwrap(expectDataError {
            try DigitImage.read(path: try Fixtures.write(Array("P5 2 2 10\n".utf8) + [1, 2, 200, 4], dir, "b.pgm"))
        })
        XCTAssertEqual(binary.message, "sample 3 of 4 is 200, above the header's maxval 10")
        let ascii = try XCTUnwrap(expectDataError { try DigitImage.read(path: try Fixtures.write(Array("P2\n2 2\n10\n1 2 300 4\n".utf8), dir, "a.pgm")) })
        XCTAssertEqual(ascii.message, "sample 3 of 4 is 300, above the header's maxval 10")
        let other = try XCTUnwrap(expectDataError { try DigitImage.read(path: try Fixtures.write(Array("hello".utf8), dir, "h.txt")) })
        XCTAssertTrue(other.message.contains("not a PNG, JPEG or PGM/PPM"), other.message)
    }

    /// A header claiming a huge image is refused before its pixels are decoded: a 57-byte PNG
    /// of 1,000,000x1,000,000 used to trap allocating 2 TB, a JPEG of 60,000x60,000 to decode
    /// for minutes.
    func testHugeImageHeadersAreRefusedBeforeDecoding() throws {
        let dir = try Fixtures.tempDir()
        let png: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
                            0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x0f, 0x42, 0x40, 0x00, 0x0f, 0x42, 0x40,
                            0x08, 0x00, 0x00, 0x00, 0x00, 0x79, 0x06, 0x67, 0xa1,
                            0x00, 0x00, 0x00, 0x00, 0x49, 0x44, 0x41, 0x54, 0x35, 0xaf, 0x06, 0x1e,
                            0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]
        // SOI, a baseline SOF0 of 60000x60000 with one component, SOS.
        let jpeg: [UInt8] = [0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0xea, 0x60, 0xea, 0x60, 0x01, 0x01, 0x11, 0x00,
                             0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00] + [UInt8](repeating: 0, count: 10) + [0xff, 0xd9]
        let pgm = Array("P5 100000 100000 255\n".utf8) + [UInt8](repeating: 0, count: 100)
        for (name, bytes, size) in [("big.png", png, "1000000x1000000"), ("big.jpg", jpeg, "60000x60000"), ("big.pgm", pgm, "100000x100000")] {
            let path = try Fixtures.write(bytes, dir, name)
            let error = try XCTUnwrap(expectDataError { try DigitImage.read(path: path) }, name)
            XCTAssertEqual(error.file, path)
            XCTAssertTrue(error.message.hasPrefix("the image is \(size) pixels, more than the 67,108,864"), error.message)
        }
    }
}
