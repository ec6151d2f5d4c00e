/// termgraph-style horizontal bar charts (`label: ▇▇▇▇ value`).
public enum BarChart {
    /// One row per label: the label right-aligned, `▇` blocks proportional to the value, the value.
    ///
    /// The largest value spans `width` blocks; a positive value too small for one block shows `▏`,
    /// zero and negative values show no bar. The `highlight` row (e.g. the predicted class) is
    /// marked with `◀` and, with colour, drawn in bold green. Example: `BarChart.render(labels:
    /// (0...9).map(String.init), values: probabilities, width: 40, valueFormat: { String(format:
    /// "%.4f", $0) }, highlight: predicted, color: .gray256)`.
    public static func render(labels: [String], values: [Double], width: Int,
                              valueFormat: (Double) -> String, highlight: Int?, color: ColorMode) -> String {
        precondition(labels.count == values.count, "\(labels.count) labels for \(values.count) values")
        let top = values.filter(\.isFinite).max() ?? 0
        let labelWidth = labels.map(\.count).max() ?? 0
        let blocks = values.map { v -> Int in
            top > 0 && v.isFinite && v > 0 ? Int((v / top * Double(width)).rounded()) : 0
        }
        let barWidth = blocks.max() ?? 0
        return labels.indices.map { i in
            let v = values[i]
            let bar = blocks[i] > 0 ? String(repeating: "▇", count: blocks[i]) : (v > 0 ? "▏" : "")
            let marked = i == highlight
            let shown = marked ? ANSI.paint(bar, ANSI.bold + ANSI.basic(2), color) : bar
            let value = marked ? ANSI.paint(valueFormat(v), ANSI.bold, color) : valueFormat(v)
            return ANSI.pad(labels[i], to: labelWidth, alignRight: true) + ": "
                + ANSI.pad(shown, to: max(barWidth, 1)) + " " + value + (marked ? " ◀" : "")
        }.joined(separator: "\n")
    }
}
