import XCTest
import TextGraphics

final class ColorModeTests: XCTestCase {
    func testDetect() {
        XCTAssertEqual(ColorMode.detect(environment: ["TERM": "xterm-256color"], isTTY: false), .none)
        XCTAssertEqual(ColorMode.detect(environment: ["TERM": "dumb", "COLORTERM": "truecolor"], isTTY: true), .none)
        XCTAssertEqual(ColorMode.detect(environment: ["TERM": "xterm", "NO_COLOR": ""], isTTY: true), .none)
        XCTAssertEqual(ColorMode.detect(environment: ["TERM": "xterm", "COLORTERM": "truecolor"], isTTY: true), .trueColor)
        XCTAssertEqual(ColorMode.detect(environment: ["COLORTERM": "24bit"], isTTY: true), .trueColor)
        XCTAssertEqual(ColorMode.detect(environment: ["TERM": "xterm-256color"], isTTY: true), .gray256)
    }

    func testVisibleWidthIgnoresEscapes() {
        XCTAssertEqual(ANSI.visibleWidth("\u{1B}[38;5;232m\u{1B}[48;5;255m▀▀\u{1B}[0m x"), 4)
        XCTAssertEqual(ANSI.strip("\u{1B}[1mbold\u{1B}[0m"), "bold")
        XCTAssertEqual(ANSI.pad("\u{1B}[1m7\u{1B}[0m", to: 3, alignRight: true), "  \u{1B}[1m7\u{1B}[0m")
        XCTAssertEqual(ANSI.grayIndex(0), 232)
        XCTAssertEqual(ANSI.grayIndex(255), 255)
    }
}
