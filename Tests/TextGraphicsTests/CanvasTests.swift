import XCTest
import CZlib
import TextGraphics

/// A minimal PNG reader for the tests: walks the chunks, checks every CRC and inflates IDAT.
struct DecodedPNG {
    var chunkTypes: [String] = []
    var width = 0, height = 0
    var bitDepth = 0, colorType = 0, interlace = 0
    /// RGB bytes, row-major, after removing the per-row filter byte (which must be 0).
    var rgb: [UInt8] = []

    init(_ data: [UInt8]) throws {
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        func u32(_ i: Int) -> Int { Int(data[i]) << 24 | Int(data[i + 1]) << 16 | Int(data[i + 2]) << 8 | Int(data[i + 3]) }
        var offset = 8, idat: [UInt8] = []
        while offset < data.count {
            let length = u32(offset)
            let body = Array(data[(offset + 4)..<(offset + 8 + length)])
            let type = String(decoding: body.prefix(4), as: UTF8.self)
            let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            XCTAssertEqual(UInt32(u32(offset + 8 + length)), UInt32(crc), "CRC of \(type)")
            chunkTypes.append(type)
            let payload = Array(body.dropFirst(4))
            if type == "IHDR" {
                width = payload.prefix(4).reduce(0) { $0 << 8 | Int($1) }
                height = payload[4..<8].reduce(0) { $0 << 8 | Int($1) }
                bitDepth = Int(payload[8]); colorType = Int(payload[9]); interlace = Int(payload[12])
            }
            if type == "IDAT" { idat += payload }
            offset += 12 + length
        }
        XCTAssertEqual(offset, data.count, "chunks end exactly at the end of the file")
        var rawLength = uLong(height * (width * 3 + 1))
        var raw = [UInt8](repeating: 0, count: Int(rawLength))
        let status = raw.withUnsafeMutableBufferPointer { dst in
            idat.withUnsafeBufferPointer { uncompress(dst.baseAddress, &rawLength, $0.baseAddress, uLong($0.count)) }
        }
        XCTAssertEqual(status, Z_OK)
        XCTAssertEqual(Int(rawLength), raw.count)
        for y in 0..<height {
            let row = y * (width * 3 + 1)
            XCTAssertEqual(raw[row], 0, "filter type of row \(y)")
            rgb += raw[(row + 1)...(row + width * 3)]
        }
    }

    func pixel(_ x: Int, _ y: Int) -> RGB {
        let i = 3 * (y * width + x)
        return RGB(rgb[i], rgb[i + 1], rgb[i + 2])
    }
}

final class CanvasTests: XCTestCase {
    func testPNGRoundTripOfSmallCanvas() throws {
        var canvas = Canvas(width: 3, height: 2, background: RGB(10, 20, 30))
        canvas.set(x: 0, y: 0, RGB(255, 0, 0))
        canvas.set(x: 2, y: 1, RGB(0, 0, 255))
        canvas.set(x: 5, y: 5, .white)  // clipped
        let png = try DecodedPNG(canvas.pngData())
        XCTAssertEqual(png.chunkTypes, ["IHDR", "IDAT", "IEND"])
        XCTAssertEqual([png.width, png.height, png.bitDepth, png.colorType, png.interlace], [3, 2, 8, 2, 0])
        XCTAssertEqual(png.rgb, [255, 0, 0, 10, 20, 30, 10, 20, 30,
                                 10, 20, 30, 10, 20, 30, 0, 0, 255])
    }

    func testLineRectAndClipping() {
        var canvas = Canvas(width: 10, height: 10, background: .white)
        canvas.line(x0: 0, y0: 0, x1: 9, y1: 9, .black)
        XCTAssertTrue((0..<10).allSatisfy { canvas.pixel(x: $0, y: $0) == .black })
        XCTAssertEqual(canvas.pixel(x: 1, y: 0), .white)
        canvas.line(x0: 9, y0: 2, x1: 0, y1: 5, RGB(1, 2, 3))
        XCTAssertEqual(canvas.pixel(x: 9, y: 2), RGB(1, 2, 3))
        XCTAssertEqual(canvas.pixel(x: 0, y: 5), RGB(1, 2, 3))
        canvas.fillRect(x: 8, y: 8, width: 5, height: 5, RGB(9, 9, 9))
        XCTAssertEqual(canvas.pixel(x: 9, y: 9), RGB(9, 9, 9))
        XCTAssertEqual(canvas.pixel(x: 7, y: 9), .white)
    }

    func testTextAndBlit() {
        XCTAssertEqual(Canvas.textWidth("Hi", scale: 2), 22)
        var canvas = Canvas(width: 30, height: 20, background: .white)
        canvas.text("T", x: 1, y: 1, scale: 2, .black)
        // "T": top row full, then the middle column.
        XCTAssertTrue((1..<11).allSatisfy { canvas.pixel(x: $0, y: 1) == .black })
        XCTAssertEqual(canvas.pixel(x: 5, y: 13), .black)
        XCTAssertEqual(canvas.pixel(x: 1, y: 13), .white)
        XCTAssertEqual(canvas.pixel(x: 11, y: 1), .white, "nothing right of the glyph")
        canvas.blitGray([0, 128, 200, 255], width: 2, height: 2, x: 20, y: 10, scale: 3)
        XCTAssertEqual(canvas.pixel(x: 20, y: 10), RGB(gray: 0))
        XCTAssertEqual(canvas.pixel(x: 25, y: 12), RGB(gray: 128))
        XCTAssertEqual(canvas.pixel(x: 22, y: 15), RGB(gray: 200))
        XCTAssertEqual(canvas.pixel(x: 25, y: 15), RGB(gray: 255))
    }

    func testFiguresAreValidPNGsWithTheirContent() throws {
        let seven = Fixtures.seven()
        let grid = Figures.digitGrid(images: [seven, Fixtures.zero(), seven], width: 28, height: 28,
                                     titles: ["Digit: 7", "Digit: 0", "Digit: 7"], columns: 2, scale: 4)
        let decoded = try DecodedPNG(grid.pngData())
        XCTAssertEqual(decoded.width, grid.width)
        XCTAssertEqual(decoded.rgb, grid.pixels)
        // Find the first cell's image (black box) and check the 7's top bar is white at 4x.
        let black = (0..<grid.height).lazy.flatMap { y in (0..<grid.width).lazy.map { (x: $0, y: y) } }
            .first { p in
                p.x + 112 <= grid.width && p.y + 112 <= grid.height
                    && (0..<112).allSatisfy { grid.pixel(x: p.x + $0, y: p.y) == .black && grid.pixel(x: p.x, y: p.y + $0) == .black }
            }!
        XCTAssertEqual(grid.pixel(x: black.x + 4 * 10, y: black.y + 4 * 7 + 2), .white)
        XCTAssertEqual(grid.pixel(x: black.x + 4 * 10, y: black.y + 4 * 3), .black)
        XCTAssertGreaterThan(grid.height, 2 * 28 * 4, "two rows of cells")

        let h = Histogram(values: seven.map(Double.init), bins: 256, range: 0...255)
        for canvas in [Figures.histogram(h, title: "Pixels", xLabel: "intensity", yLabel: "count", logScale: false),
                       Figures.histogram(h, title: "Pixels", xLabel: "intensity", yLabel: "count", logScale: true),
                       Figures.barChart(labels: (0...9).map(String.init), values: [0.1, 0, 0, 0, 0, 0, 0, 0.8, 0.1, 0], title: "p")] {
            XCTAssertTrue(canvas.pixels.withUnsafeBufferPointer { contains($0, Figures.palette[0]) }, "bars drawn")
            XCTAssertNoThrow(try DecodedPNG(canvas.pngData()))
        }
        let chart = Figures.lineChart(series: [("loss", [0.5, 0.3, 0.2]), ("val_loss", [0.6, 0.4, 0.35])],
                                      title: "Loss", xLabel: "epoch", yLabel: "loss")
        XCTAssertTrue(chart.pixels.withUnsafeBufferPointer { contains($0, Figures.palette[0]) && contains($0, Figures.palette[1]) })
    }

    private func contains(_ pixels: UnsafeBufferPointer<UInt8>, _ color: RGB) -> Bool {
        stride(from: 0, to: pixels.count, by: 3).contains { pixels[$0] == color.r && pixels[$0 + 1] == color.g && pixels[$0 + 2] == color.b }
    }
}
