import XCTest
import TextGraphics

final class ChartTests: XCTestCase {
    func testHistogramBinsMatchHandCount() {
        let h = Histogram(values: [0, 0.5, 1, 1.5, 2, 10, -1, 11, .nan], bins: 5, range: 0...10)
        XCTAssertEqual(h.counts, [4, 1, 0, 0, 1])
        XCTAssertEqual(h.edges, [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(h.outside, 3)
        let pixels = Histogram(values: Fixtures.seven().map(Double.init), bins: 256, range: 0...255)
        XCTAssertEqual(pixels.counts[0], 28 * 28 - 42 - 14 * 3)
        XCTAssertEqual(pixels.counts[255], 42 + 14)
        XCTAssertEqual(pixels.counts[160], 28)
        XCTAssertEqual(pixels.counts.reduce(0, +), 784)
    }

    func testHistogramRenderAxes() {
        let h = Histogram(values: Fixtures.seven().map(Double.init), bins: 256, range: 0...255)
        let text = h.render(title: "Pixel intensities", xLabel: "intensity", yLabel: "count", width: 64, height: 10, logScale: false)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.count, 1 + 1 + 10 + 1 + 1 + 1)
        XCTAssertTrue(lines[0].contains("Pixel intensities"))
        XCTAssertEqual(lines[1], "count")
        XCTAssertEqual(lines[2], "700 ┤█" + String(repeating: " ", count: 63), "tallest bin fills the top row")
        XCTAssertTrue(lines[12].hasPrefix("  0 └┬"))
        XCTAssertEqual(lines[13].split(separator: " "), ["0", "127", "255"])
        XCTAssertTrue(lines[14].contains("intensity"))
        // 160 (28 pixels) and 255 (56): linear bar heights are 28/700 and 56/700 of 80 eighths.
        XCTAssertEqual(lines[11].last, "▆", "56/700*80 = 6.4 → 6 eighths")
        let log = h.render(title: "", xLabel: "", yLabel: "count", width: 64, height: 10, logScale: true)
        XCTAssertTrue(log.contains("count (log scale)"))
        XCTAssertTrue(log.split(separator: "\n")[4].hasSuffix("▁"), "log scale lifts the small bins")

        let normalised = Histogram(values: Fixtures.zero().map { Double($0) / 255 }, bins: 10, range: 0...1)
        let tick = normalised.render(title: "t", xLabel: "v", yLabel: "n", width: 50, height: 8, logScale: false)
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(tick[tick.count - 2].split(separator: " "), ["0.0", "0.5", "1.0"])
    }

    func testHistogramListing() {
        let h = Histogram(values: [0, 0.5, 1, 1.5, 2, 10], bins: 5, range: 0...10)
        XCTAssertEqual(h.listing(width: 8, logScale: false), """
            [0, 2)  4 ▇▇▇▇▇▇▇▇
            [2, 4)  1 ▇▇
            [4, 6)  0
            [6, 8)  0
            [8, 10] 1 ▇▇
            """)
    }

    func testLineChartGolden() {
        let text = LineChart.render(series: [("s", [1, 2, 3])], height: 3, width: 4, title: "T", xLabel: "", color: .none)
        XCTAssertEqual(text, """
               T   
            3 ┤   ╭
            2 ┤ ╭─╯
            1 ┼─╯  
              └┬──┬
               1  3
               ─── s
            """)
    }

    func testLineChartMonotonicShapeAndLegend() {
        let rising = (1...20).map(Double.init)
        let falling = rising.reversed().map { $0 }
        let text = LineChart.render(series: [("up", rising), ("down", falling)], height: 8, width: 30,
                                    title: "", xLabel: "epoch", color: .none)
        let lines = text.split(separator: "\n").map(String.init)
        let plot = Array(lines[0..<8])
        XCTAssertTrue(plot[7].contains("┼─") || plot[7].contains("┼╯"), "rising series starts on the bottom row")
        XCTAssertTrue(plot[0].contains("┼━") || plot[0].contains("┼┓"), "falling series starts on the top row")
        XCTAssertTrue(plot[0].hasSuffix("─") || plot[0].hasSuffix("╭"), "rising series ends on the top row")
        XCTAssertTrue(plot[7].hasSuffix("━") || plot[7].hasSuffix("┗"), "falling series ends on the bottom row")
        XCTAssertTrue(plot[0].hasPrefix("20 ┼") && plot[7].hasPrefix(" 1 ┼"), "labels right-aligned")
        XCTAssertTrue(lines.contains { $0.contains("epoch") })
        XCTAssertTrue(lines.last!.contains("─── up") && lines.last!.contains("━━━ down"))
        XCTAssertTrue(lines[9].hasPrefix("    1 ") && lines[9].hasSuffix("20"), lines[9])
        XCTAssertFalse(text.contains("\u{1B}"))
        let colored = LineChart.render(series: [("up", rising), ("down", falling)], height: 8, width: 30,
                                       title: "", xLabel: "", color: .gray256)
        XCTAssertTrue(colored.contains("\u{1B}[34m") && colored.contains("\u{1B}[33m"))
        XCTAssertEqual(ANSI.strip(colored), LineChart.render(series: [("up", rising), ("down", falling)], height: 8, width: 30,
                                                             title: "", xLabel: "", color: .none))
    }

    func testLineChartResamplesLongSeries() {
        let long = (0..<1000).map { Double($0) }
        let lines = LineChart.render(series: [("loss", long)], height: 5, width: 40, title: "", xLabel: "", color: .none)
            .split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0..<5].allSatisfy { ANSI.visibleWidth($0) == lines[0].count })
        XCTAssertEqual(lines[0].count, "999 ┤".count + 40)
        XCTAssertTrue(lines[6].hasSuffix("1000"))
    }

    func testBarChartProportionalAndHighlighted() {
        let text = BarChart.render(labels: ["a", "bb", "c", "d", "e"], values: [1, 2, 4, 0, 0.01], width: 8,
                                   valueFormat: { String(format: "%.2f", $0) }, highlight: 2, color: .none)
        XCTAssertEqual(text, """
             a: ▇▇       1.00
            bb: ▇▇▇▇     2.00
             c: ▇▇▇▇▇▇▇▇ 4.00 ◀
             d:          0.00
             e: ▏        0.01
            """)
        let colored = BarChart.render(labels: ["a", "b"], values: [1, 2], width: 4, valueFormat: { "\($0)" }, highlight: 1, color: .gray256)
        XCTAssertTrue(colored.contains("\u{1B}[1m\u{1B}[32m▇▇▇▇\u{1B}[0m"))
        XCTAssertFalse(colored.split(separator: "\n")[0].contains("\u{1B}"))
    }

    func testBoxTableGolden() {
        let table = TableRenderer.box(headers: ["Layer (type)", "Param #"],
                                      rows: [["flatten (Flatten)", "0"], ["dense (Dense)", "401,920"]], alignRight: [1])
        XCTAssertEqual(table, """
            ┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┓
            ┃ Layer (type)      ┃ Param # ┃
            ┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━┩
            │ flatten (Flatten) │       0 │
            ├───────────────────┼─────────┤
            │ dense (Dense)     │ 401,920 │
            └───────────────────┴─────────┘
            """)
    }

    func testPlainTableGolden() {
        let table = TableRenderer.plain(headers: ["set", "images"], rows: [["train", "60,000"], ["test", "10,000"]], alignRight: [1])
        XCTAssertEqual(table, "set    images\n─────  ──────\ntrain  60,000\ntest   10,000")
    }
}
