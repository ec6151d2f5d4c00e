import XCTest
import TextGraphics

final class ProgressBarTests: XCTestCase {
    let bar20 = String(repeating: "━", count: 20)

    func testFinishedLineWithoutColor() {
        let line = ProgressBar.line(step: 469, total: 469, elapsedSeconds: 2.8, metrics: [("accuracy", 0.9127), ("loss", 0.3066)],
                                    finished: true, color: .none)
        XCTAssertEqual(line, "469/469 \(bar20) 3s 6ms/step - accuracy: 0.9127 - loss: 0.3066")
    }

    func testRunningLineShowsEta() {
        XCTAssertEqual(ProgressBar.line(step: 12, total: 469, elapsedSeconds: 0.132, metrics: [("loss", 1.2)], finished: false, color: .none),
                       " 12/469 " + String(repeating: "─", count: 20) + " 5s 11ms/step - loss: 1.2000")
        XCTAssertEqual(ProgressBar.line(step: 235, total: 469, elapsedSeconds: 10, metrics: [], finished: false, color: .none),
                       "235/469 " + String(repeating: "━", count: 10) + String(repeating: "─", count: 10) + " 9s 43ms/step")
        XCTAssertTrue(ProgressBar.line(step: 100, total: 1000, elapsedSeconds: 100, metrics: [], finished: false, color: .none)
            .hasSuffix(" 15:00 1s/step"))
        XCTAssertTrue(ProgressBar.line(step: 1, total: 4001, elapsedSeconds: 1, metrics: [], finished: false, color: .none)
            .hasSuffix(" 1:06:40 1s/step"))
        XCTAssertTrue(ProgressBar.line(step: 0, total: 10, elapsedSeconds: 0, metrics: [], finished: false, color: .none)
            .hasSuffix(" 0s 0s/step"))
    }

    func testColoredLines() {
        let done = ProgressBar.line(step: 469, total: 469, elapsedSeconds: 2.8, metrics: [("accuracy", 0.9127)], finished: true, color: .gray256)
        XCTAssertEqual(done, "\u{1B}[1m469/469\u{1B}[0m \u{1B}[32m\(bar20)\u{1B}[0m \u{1B}[1m3s\u{1B}[0m 6ms/step - accuracy: 0.9127")
        let running = ProgressBar.line(step: 235, total: 469, elapsedSeconds: 10, metrics: [], finished: false, color: .trueColor)
        let half = String(repeating: "━", count: 10)
        XCTAssertEqual(running, "\u{1B}[1m235/469\u{1B}[0m \u{1B}[32m\(half)\u{1B}[0m\u{1B}[2m\(half)\u{1B}[0m \u{1B}[1m9s\u{1B}[0m 43ms/step")
    }

    func testMetricFormatting() {
        XCTAssertEqual(ProgressBar.metric(0.30664), "0.3066")
        XCTAssertEqual(ProgressBar.metric(0.0001), "1.0000e-04")
        XCTAssertEqual(ProgressBar.metric(12.5), "12.5000")
    }

    func testFormatNumberAndBytes() {
        XCTAssertEqual(ProgressBar.formatNumber(0), "0")
        XCTAssertEqual(ProgressBar.formatNumber(999), "999")
        XCTAssertEqual(ProgressBar.formatNumber(1000), "1,000")
        XCTAssertEqual(ProgressBar.formatNumber(669_706), "669,706")
        XCTAssertEqual(ProgressBar.formatNumber(-1_234_567), "-1,234,567")
        XCTAssertEqual(ProgressBar.formatBytes(669_706 * 4), "2.55 MB")
        XCTAssertEqual(ProgressBar.formatBytes(512), "512.00 B")
        XCTAssertEqual(ProgressBar.formatBytes(2048), "2.00 KB")
        XCTAssertEqual(ProgressBar.formatBytes(3 * 1024 * 1024 * 1024), "3.00 GB")
    }
}
