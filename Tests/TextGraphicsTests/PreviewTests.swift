import XCTest
import TextGraphics

final class PreviewTests: XCTestCase {
    func testPreview() throws {
        guard ProcessInfo.processInfo.environment["TG_PREVIEW"] != nil else { throw XCTSkip("set TG_PREVIEW=1 to print previews") }
        var out = ""
        out += DigitArt.grid(images: [Fixtures.zero(), Fixtures.seven()], width: 28, height: 28, titles: ["Digit: 0", "Digit: 7"], columns: 2, style: .ascii) + "\n"
        out += DigitArt.grid(images: [Fixtures.zero(), Fixtures.seven(), Fixtures.zero()], width: 28, height: 28, titles: ["Digit: 0", "Digit: 7", "x"], columns: 2, style: .halfBlock(.none)) + "\n"
        out += DigitArt.grid(images: [Fixtures.zero(), Fixtures.seven()], width: 28, height: 28, titles: ["Digit: 0", "Digit: 7"], columns: 2, style: .halfBlock(.gray256)) + "\n"
        let h = Histogram(values: Fixtures.seven().map(Double.init), bins: 256, range: 0...255)
        out += h.render(title: "Pixel intensities", xLabel: "intensity", yLabel: "count", width: 64, height: 10, logScale: false) + "\n"
        out += h.render(title: "Pixel intensities", xLabel: "intensity", yLabel: "count", width: 64, height: 10, logScale: true) + "\n"
        let h2 = Histogram(values: Fixtures.zero().map { Double($0) / 255 }, bins: 10, range: 0...1)
        out += h2.render(title: "Normalised", xLabel: "value", yLabel: "count", width: 50, height: 8, logScale: false) + "\n"
        out += h2.listing(width: 30, logScale: false) + "\n"
        let loss = (0..<10).map { 0.3 * exp(-Double($0) / 3) + 0.02 }
        let acc = (0..<10).map { 0.9 + 0.09 * (1 - exp(-Double($0) / 3)) }
        out += LineChart.render(series: [("loss", loss), ("val_loss", loss.map { $0 * 1.2 + 0.01 })], height: 10, width: 50, title: "Loss", xLabel: "epoch", color: .none) + "\n"
        out += LineChart.render(series: [("accuracy", acc)], height: 8, width: 40, title: "Accuracy", xLabel: "epoch", color: .gray256) + "\n"
        let probs = [0.0001, 0.00002, 0.001, 0.002, 0.0, 0.01, 0.0, 0.95, 0.03, 0.007]
        let bars = BarChart.render(labels: (0...9).map(String.init), values: probs, width: 30, valueFormat: { String(format: "%.4f", $0) }, highlight: 7, color: .gray256)
        out += DigitArt.sideBySide(DigitArt.grid(images: [Fixtures.seven()], width: 28, height: 28, titles: ["test #0"], columns: 1, style: .halfBlock(.gray256)), "\n\n" + bars, gap: 3) + "\n"
        out += TableRenderer.box(headers: ["Layer (type)", "Output Shape", "Param #"], rows: [["flatten (Flatten)", "(None, 784)", "0"], ["dense (Dense)", "(None, 512)", "401,920"]], alignRight: [2]) + "\n"
        out += TableRenderer.plain(headers: ["name", "count"], rows: [["train", "60,000"], ["test", "10,000"]], alignRight: [1]) + "\n"
        out += ProgressBar.line(step: 12, total: 469, elapsedSeconds: 0.13, metrics: [("accuracy", 0.5), ("loss", 1.2)], finished: false, color: .none) + "\n"
        out += ProgressBar.line(step: 469, total: 469, elapsedSeconds: 2.8, metrics: [("accuracy", 0.9127), ("loss", 0.3066)], finished: true, color: .gray256) + "\n"
        out += DigitArt.matrix(pixels: Array(Fixtures.seven()[0..<(28*10)]), width: 28, height: 10, normalized: true) + "\n"
        try out.write(toFile: "/tmp/tg_preview.txt", atomically: true, encoding: .utf8)
        let images = (0..<20).map { $0 % 2 == 0 ? Fixtures.zero() : Fixtures.seven() }
        let figures: [(String, Canvas)] = [
            ("grid", Figures.digitGrid(images: images, width: 28, height: 28, titles: (0..<20).map { "Digit: \($0 % 2 == 0 ? 0 : 7)" }, columns: 5, scale: 4)),
            ("hist", Figures.histogram(h, title: "Pixel intensities", xLabel: "intensity", yLabel: "count", logScale: false)),
            ("histlog", Figures.histogram(h, title: "Pixel intensities", xLabel: "intensity", yLabel: "count", logScale: true)),
            ("hist01", Figures.histogram(h2, title: "Normalised pixels", xLabel: "value", yLabel: "count", logScale: false)),
            ("line", Figures.lineChart(series: [("loss", loss), ("val_loss", loss.map { $0 * 1.2 + 0.01 })], title: "Model loss", xLabel: "epoch", yLabel: "loss")),
            ("bar", Figures.barChart(labels: (0...9).map(String.init), values: probs, title: "Prediction")),
        ]
        for (name, canvas) in figures {
            try Data(canvas.pngData()).write(to: URL(fileURLWithPath: "/tmp/tg_\(name).png"))
        }
    }
}
