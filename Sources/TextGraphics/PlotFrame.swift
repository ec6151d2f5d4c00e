/// The axes box of a PNG figure: maps data coordinates to pixels and draws title, axes, ticks and labels.
struct PlotFrame {
    static let textScale = 2
    static let ink = RGB(40, 40, 40)
    static let grid = RGB(230, 230, 230)

    let left, top, right, bottom: Int
    let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>

    /// A frame leaving room for a title above, tick labels and an x label below, a y label at the left.
    init(canvasWidth: Int, canvasHeight: Int, yLabelWidth: Int, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        let line = Canvas.textHeight(scale: PlotFrame.textScale)
        left = 20 + line + yLabelWidth + 12
        top = 24 + line
        right = canvasWidth - 24
        bottom = canvasHeight - (2 * line + 36)
        self.xRange = xRange
        self.yRange = yRange
    }

    func x(_ v: Double) -> Int {
        let span = xRange.upperBound - xRange.lowerBound
        return left + Int(((v - xRange.lowerBound) / (span == 0 ? 1 : span) * Double(right - left)).rounded())
    }

    func y(_ v: Double) -> Int {
        let span = yRange.upperBound - yRange.lowerBound
        return bottom - Int(((v - yRange.lowerBound) / (span == 0 ? 1 : span) * Double(bottom - top)).rounded())
    }

    /// Grid lines at the y ticks; drawn first so data covers them.
    func drawGrid(on canvas: inout Canvas, yTicks: [(Double, String)]) {
        for (v, _) in yTicks where y(v) < bottom { canvas.line(x0: left, y0: y(v), x1: right, y1: y(v), PlotFrame.grid) }
    }

    /// Axis lines, tick marks with labels, the title and both axis labels.
    func drawAxes(on canvas: inout Canvas, xTicks: [(Double, String)], yTicks: [(Double, String)],
                  title: String, xLabel: String, yLabel: String) {
        let s = PlotFrame.textScale, line = Canvas.textHeight(scale: s)
        canvas.line(x0: left, y0: top, x1: left, y1: bottom, PlotFrame.ink)
        canvas.line(x0: left, y0: bottom, x1: right, y1: bottom, PlotFrame.ink)
        for (v, label) in xTicks {
            let px = x(v)
            canvas.line(x0: px, y0: bottom, x1: px, y1: bottom + 5, PlotFrame.ink)
            canvas.text(label, x: px - Canvas.textWidth(label, scale: s) / 2, y: bottom + 9, scale: s, PlotFrame.ink)
        }
        for (v, label) in yTicks {
            let py = y(v)
            canvas.line(x0: left - 5, y0: py, x1: left, y1: py, PlotFrame.ink)
            canvas.text(label, x: left - 8 - Canvas.textWidth(label, scale: s), y: py - line / 2, scale: s, PlotFrame.ink)
        }
        let centre = (left + right) / 2
        canvas.text(title, x: centre - Canvas.textWidth(title, scale: s) / 2, y: 12, scale: s, RGB.black)
        canvas.text(xLabel, x: centre - Canvas.textWidth(xLabel, scale: s) / 2, y: bottom + 9 + line + 12, scale: s, PlotFrame.ink)
        let yLength = Canvas.textWidth(yLabel, scale: s)
        canvas.verticalText(yLabel, x: 12, y: (top + bottom) / 2 - yLength / 2, scale: s, PlotFrame.ink)
    }

    /// Width in pixels of the widest tick label.
    static func labelWidth(_ ticks: [(Double, String)]) -> Int {
        ticks.map { Canvas.textWidth($0.1, scale: textScale) }.max() ?? 0
    }
}
