import XCTest
import TextGraphics

final class DigitArtTests: XCTestCase {
    /// A 4x3 image whose pixels hit known ramp steps (index = value * 10 / 256).
    let small: [UInt8] = [0, 64, 128, 255,
                          255, 128, 64, 0,
                          30, 100, 200, 230]

    func testAsciiGoldenSmallImage() {
        let text = DigitArt.grid(images: [small], width: 4, height: 3, titles: ["A"], columns: 1, style: .ascii)
        XCTAssertEqual(text, "   A    \n  ::++@@\n@@++::  \n..--##%%")
    }

    func testGridLayoutColumnsAndRows() {
        let two = DigitArt.grid(images: [small, small], width: 4, height: 3, titles: ["A", "B"], columns: 2, style: .ascii)
        XCTAssertEqual(two.split(separator: "\n").first, "   A        B    ")
        XCTAssertEqual(two.split(separator: "\n", omittingEmptySubsequences: false)[1], "  ::++@@   ::++@@")
        let stacked = DigitArt.grid(images: [small, small], width: 4, height: 3, titles: ["A", "B"], columns: 1, style: .ascii)
        XCTAssertEqual(stacked, "   A    \n  ::++@@\n@@++::  \n..--##%%\n\n   B    \n  ::++@@\n@@++::  \n..--##%%")
    }

    func testAsciiSevenGolden() {
        let lines = DigitArt.grid(images: [Fixtures.seven()], width: 28, height: 28, titles: ["Digit: 7"], columns: 1, style: .ascii)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.count, 29)
        XCTAssertEqual(lines[0], String(repeating: " ", count: 24) + "Digit: 7" + String(repeating: " ", count: 24))
        XCTAssertTrue(lines.allSatisfy { $0.count == 56 })
        let blank = String(repeating: " ", count: 56)
        XCTAssertEqual(lines[1], blank)
        XCTAssertEqual(lines[7], String(repeating: " ", count: 14) + String(repeating: "@", count: 28) + String(repeating: " ", count: 14))
        XCTAssertEqual(lines[10], String(repeating: " ", count: 38) + "**@@**" + String(repeating: " ", count: 12))
        XCTAssertEqual(lines[23], String(repeating: " ", count: 20) + "**@@**" + String(repeating: " ", count: 30))
        XCTAssertEqual(lines[24], blank)
    }

    func testHalfBlockMonochromeGolden() {
        let image: [UInt8] = [255, 0, 0, 255, 255, 255]  // 2x3: odd height pads with background
        XCTAssertEqual(DigitArt.render(image, width: 2, height: 3, style: .halfBlock(.none)), ["▀▄", "▀▀"])
    }

    func testHalfBlockStructurePerColorMode() {
        for mode in [ColorMode.none, .gray256, .trueColor] {
            let text = DigitArt.grid(images: [Fixtures.zero()], width: 28, height: 28, titles: ["Digit: 0"], columns: 1,
                                     style: .halfBlock(mode))
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(lines.count, 15, "\(mode): title + 14 rows")
            XCTAssertTrue(lines.allSatisfy { ANSI.visibleWidth($0) == 28 }, "\(mode)")
            switch mode {
            case .none:
                XCTAssertFalse(text.contains("\u{1B}"))
                XCTAssertTrue(lines.dropFirst().joined().allSatisfy { " ▀▄█".contains($0) })
                XCTAssertTrue(text.contains("█"))
            case .gray256:
                XCTAssertTrue(text.contains("\u{1B}[38;5;255m") && text.contains("\u{1B}[48;5;232m"))
                XCTAssertTrue(lines.dropFirst().allSatisfy { $0.hasSuffix(ANSI.reset) && ANSI.strip($0) == String(repeating: "▀", count: 28) })
            case .trueColor:
                XCTAssertTrue(text.contains("\u{1B}[38;2;255;255;255m") && text.contains("\u{1B}[48;2;0;0;0m"))
            }
        }
    }

    func testMatrixAlignment() {
        XCTAssertEqual(DigitArt.matrix(pixels: [0, 255, 7, 12], width: 2, height: 2, normalized: false),
                       "    0   1\n0   0 255\n1   7  12")
        XCTAssertEqual(DigitArt.matrix(pixels: [0, 255, 51, 128], width: 2, height: 2, normalized: true),
                       "     0    1\n0 0.00 1.00\n1 0.20 0.50")
        for normalized in [false, true] {
            let lines = DigitArt.matrix(pixels: Fixtures.seven(), width: 28, height: 28, normalized: normalized).split(separator: "\n")
            XCTAssertEqual(lines.count, 29)
            XCTAssertEqual(Set(lines.map(\.count)).count, 1, "every line the same width")
            XCTAssertEqual(lines[0].count, 2 + 1 + 28 * (normalized ? 4 : 3) + 27)
        }
    }

    func testSideBySideMeasuresWithoutEscapes() {
        let left = "\u{1B}[31mab\u{1B}[0m\nc"
        XCTAssertEqual(DigitArt.sideBySide(left, "X\nY\nZ", gap: 2), "\u{1B}[31mab\u{1B}[0m  X\nc   Y\n    Z")
        XCTAssertEqual(DigitArt.sideBySide("abc\nd\ne", "X", gap: 1), "abc X\nd\ne")
    }
}
