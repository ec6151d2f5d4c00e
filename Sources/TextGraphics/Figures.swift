import Foundation

/// The text figures as PNG-ready canvases (digit grid, histogram, line chart, bar chart).
public enum Figures {
    /// matplotlib's default colour cycle ("tab10"), so curves look familiar.
    public static let palette: [RGB] = [
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
        RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207),
    ]

    /// Images in a grid, `columns` per row, each scaled up `scale` times with its title above
    /// (white digits on black, like matplotlib's `cmap="gray"`).
    public static func digitGrid(images: [[UInt8]], width: Int, height: Int, titles: [String],
                                 columns: Int, scale: Int) -> Canvas {
        precondition(columns > 0 && scale > 0, "digitGrid needs positive columns and scale")
        let textScale = scale >= 3 ? 2 : 1
        let titleHeight = Canvas.textHeight(scale: textScale) + 6
        let cellWidth = max(width * scale, (titles.map { Canvas.textWidth($0, scale: textScale) }.max() ?? 0))
        let pad = 12
        let rows = max(1, (images.count + columns - 1) / columns)
        let used = min(columns, max(1, images.count))
        var canvas = Canvas(width: pad + used * (cellWidth + pad), height: pad + rows * (titleHeight + height * scale + pad),
                            background: .white)
        for (i, image) in images.enumerated() {
            let x = pad + (i % columns) * (cellWidth + pad)
            let y = pad + (i / columns) * (titleHeight + height * scale + pad)
            let title = i < titles.count ? titles[i] : ""
            canvas.text(title, x: x + (cellWidth - Canvas.textWidth(title, scale: textScale)) / 2, y: y, scale: textScale, .black)
            canvas.blitGray(image, width: width, height: height, x: x + (cellWidth - width * scale) / 2, y: y + titleHeight, scale: scale)
        }
        return canvas
    }

    /// A histogram with one bar per bin, ticked axes and labels; `logScale` plots log10(1 + count).
    public static func histogram(_ h: Histogram, title: String, xLabel: String, yLabel: String, logScale: Bool) -> Canvas {
        let top = Double(h.counts.max() ?? 0)
        let transform = { (c: Double) in logScale ? log10(1 + c) : c }
        let yTicks: [(Double, String)]
        if logScale {
            let decades = Int(log10(max(1, top)).rounded(.up))
            yTicks = [(0, "0")] + (0...decades).map { k in (log10(1 + pow(10, Double(k))), String(Int(pow(10, Double(k))))) }
        } else {
            yTicks = ticksCovering(max(1, top * 1.05))
        }
        let yMax = max(transform(max(1, top)), yTicks.map(\.0).max() ?? 1)
        let lo = h.edges[0], hi = h.edges[h.edges.count - 1]
        let xTicksRaw = niceTicks(lo, hi, maxTicks: 6)
        let xTicks = xTicksRaw.values.map { ($0, axisLabel($0, step: xTicksRaw.step)) }
        let frame = PlotFrame(canvasWidth: 720, canvasHeight: 480, yLabelWidth: PlotFrame.labelWidth(yTicks),
                              xRange: lo...(hi > lo ? hi : lo + 1), yRange: 0...yMax)
        var canvas = Canvas(width: 720, height: 480, background: .white)
        frame.drawGrid(on: &canvas, yTicks: yTicks)
        for (i, count) in h.counts.enumerated() where count > 0 {
            let x0 = frame.x(h.edges[i]), x1 = max(frame.x(h.edges[i + 1]), x0 + 1)
            let y0 = frame.y(transform(Double(count)))
            canvas.fillRect(x: x0, y: y0, width: x1 - x0, height: frame.bottom - y0, palette[0])
        }
        frame.drawAxes(on: &canvas, xTicks: xTicks, yTicks: yTicks, title: title, xLabel: xLabel,
                       yLabel: yLabel + (logScale ? " (log)" : ""))
        return canvas
    }

    /// Curves over points 1...N with ticked axes, a legend and one colour per series.
    public static func lineChart(series: [(name: String, values: [Double])], title: String, xLabel: String, yLabel: String) -> Canvas {
        let finite = series.flatMap(\.values).filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if lo == hi { lo -= 1; hi += 1 }
        let margin = (hi - lo) * 0.05
        let yTicksRaw = niceTicks(lo - margin, hi + margin, maxTicks: 7)
        let yTicks = yTicksRaw.values.map { ($0, axisLabel($0, step: yTicksRaw.step)) }
        let points = max(1, series.map(\.values.count).max() ?? 1)
        let xTicksRaw = niceTicks(1, Double(points), maxTicks: 10)
        let xStep = max(1, Int(xTicksRaw.step))
        let xTicks: [(Double, String)] = (1...points).filter { k in k == 1 || k % xStep == 0 }
            .map { k in (Double(k), String(k)) }
        let frame = PlotFrame(canvasWidth: 720, canvasHeight: 480, yLabelWidth: PlotFrame.labelWidth(yTicks),
                              xRange: 1...Double(max(2, points)), yRange: (lo - margin)...(hi + margin))
        var canvas = Canvas(width: 720, height: 480, background: .white)
        frame.drawGrid(on: &canvas, yTicks: yTicks)
        for (s, entry) in series.enumerated() {
            let color = palette[s % palette.count]
            let xy = entry.values.enumerated().map { (frame.x(Double($0 + 1)), frame.y($1), $1.isFinite) }
            for (a, b) in zip(xy, xy.dropFirst()) where a.2 && b.2 {
                canvas.line(x0: a.0, y0: a.1, x1: b.0, y1: b.1, color, thickness: 2)
            }
            if entry.values.count <= 30 {
                for p in xy where p.2 { canvas.fillRect(x: p.0 - 3, y: p.1 - 3, width: 7, height: 7, color) }
            }
        }
        frame.drawAxes(on: &canvas, xTicks: xTicks, yTicks: yTicks, title: title, xLabel: xLabel, yLabel: yLabel)
        drawLegend(on: &canvas, names: series.map(\.name), right: frame.right - 10, top: frame.top + 10)
        return canvas
    }

    /// Vertical bars, one per label, with the value (2 decimals unless all are integers) above each bar.
    public static func barChart(labels: [String], values: [Double], title: String) -> Canvas {
        precondition(labels.count == values.count, "\(labels.count) labels for \(values.count) values")
        let top = max(values.filter(\.isFinite).max() ?? 0, 0)
        let yTicks = ticksCovering(top > 0 ? top * 1.1 : 1)
        let frame = PlotFrame(canvasWidth: 720, canvasHeight: 480, yLabelWidth: PlotFrame.labelWidth(yTicks),
                              xRange: 0...Double(max(1, labels.count)), yRange: 0...(yTicks.last?.0 ?? 1))
        var canvas = Canvas(width: 720, height: 480, background: .white)
        frame.drawGrid(on: &canvas, yTicks: yTicks)
        let integral = values.allSatisfy { $0 == $0.rounded() }
        let texts = values.map { integral ? String(Int($0)) : fixed($0, decimals: 2) }
        let slot = frame.x(1) - frame.x(0) - 4
        let valueScale = (texts.map { Canvas.textWidth($0, scale: 2) }.max() ?? 0) <= slot ? 2 : 1
        for (i, v) in values.enumerated() {
            let x0 = frame.x(Double(i) + 0.15), x1 = frame.x(Double(i) + 0.85)
            let centre = (x0 + x1) / 2
            let label = labels[i]
            canvas.text(label, x: centre - Canvas.textWidth(label, scale: 2) / 2, y: frame.bottom + 9, scale: 2, PlotFrame.ink)
            guard v.isFinite, v > 0 else { continue }
            let y0 = frame.y(v)
            canvas.fillRect(x: x0, y: y0, width: x1 - x0, height: frame.bottom - y0, palette[0])
            let text = texts[i]
            canvas.text(text, x: centre - Canvas.textWidth(text, scale: valueScale) / 2,
                        y: y0 - Canvas.textHeight(scale: valueScale) - 4, scale: valueScale, PlotFrame.ink)
        }
        frame.drawAxes(on: &canvas, xTicks: [], yTicks: yTicks, title: title, xLabel: "", yLabel: "")
        return canvas
    }

    /// Labelled ticks from 0 up to the first round value at or above `upper`.
    private static func ticksCovering(_ upper: Double) -> [(Double, String)] {
        let step = niceTicks(0, upper, maxTicks: 6).step
        let count = Int((upper / step).rounded(.up))
        return (0...count).map { (Double($0) * step, axisLabel(Double($0) * step, step: step)) }
    }

    /// A framed legend whose top-right corner is at (right, top): a colour swatch and name per series.
    private static func drawLegend(on canvas: inout Canvas, names: [String], right: Int, top: Int) {
        guard !names.isEmpty else { return }
        let s = PlotFrame.textScale, line = Canvas.textHeight(scale: s) + 8
        let width = 44 + (names.map { Canvas.textWidth($0, scale: s) }.max() ?? 0)
        let left = right - width, height = names.count * line + 8
        canvas.fillRect(x: left, y: top, width: width, height: height, .white)
        for (x0, y0, x1, y1) in [(left, top, right, top), (left, top + height, right, top + height),
                                 (left, top, left, top + height), (right, top, right, top + height)] {
            canvas.line(x0: x0, y0: y0, x1: x1, y1: y1, RGB(200, 200, 200))
        }
        for (i, name) in names.enumerated() {
            let y = top + 8 + i * line
            let color = palette[i % palette.count]
            canvas.line(x0: left + 8, y0: y + line / 2 - 4, x1: left + 32, y1: y + line / 2 - 4, color, thickness: 3)
            canvas.text(name, x: left + 38, y: y, scale: s, PlotFrame.ink)
        }
    }
}
