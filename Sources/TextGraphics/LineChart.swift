import Foundation

/// asciichart-style line charts of one or more series (training curves).
public enum LineChart {
    /// Line glyphs for one series: flat, vertical, and the four corners.
    struct Glyphs {
        let flat, vertical, upFrom, upTo, downFrom, downTo: Character
    }

    /// Glyph sets per series, distinct so curves can be told apart without colour:
    /// light rounded, heavy, double, then light again.
    static let glyphSets: [Glyphs] = [
        Glyphs(flat: "─", vertical: "│", upFrom: "╯", upTo: "╭", downFrom: "╮", downTo: "╰"),
        Glyphs(flat: "━", vertical: "┃", upFrom: "┛", upTo: "┏", downFrom: "┓", downTo: "┗"),
        Glyphs(flat: "═", vertical: "║", upFrom: "╝", upTo: "╔", downFrom: "╗", downTo: "╚"),
    ]
    /// ANSI colours per series: blue, yellow, green, magenta, cyan, red.
    static let palette = [4, 3, 2, 5, 6, 1]

    /// A chart of `series` with the y axis labelled on every row and the x axis numbered 1...N.
    ///
    /// The plot area is `width` columns by `height` rows. Every series is resampled (linear
    /// interpolation) to fill the width, so a 10-epoch curve and a 2,000-batch curve both span
    /// it; ticks label the original point numbers (epochs 1..N). Series use distinct line
    /// glyphs (`─`, `━`, `═`) and, when `color` is on, distinct colours; a legend follows when
    /// there is more than one series or the series has a name. Non-finite values leave gaps.
    /// Example: `LineChart.render(series: [("loss", losses), ("val_loss", valLosses)],
    /// height: 12, width: 60, title: "Loss", xLabel: "epoch", color: .none)`.
    public static func render(series: [(name: String, values: [Double])], height: Int, width: Int,
                              title: String, xLabel: String, color: ColorMode) -> String {
        let rows = max(2, height), columns = max(2, width)
        let finite = series.flatMap(\.values).filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else {
            return ([title, "(no data)"].filter { !$0.isEmpty }).joined(separator: "\n")
        }
        let (lo, hi) = low == high ? (low - 1, high + 1) : (low, high)
        let rowOf = { (v: Double) -> Int in Int(((hi - v) / (hi - lo) * Double(rows - 1)).rounded()) }

        var cells = [[(Character, Int)?]](repeating: [(Character, Int)?](repeating: nil, count: columns), count: rows)
        var starts: [(row: Int, series: Int)] = []
        for (s, entry) in series.enumerated() where !entry.values.isEmpty {
            let g = glyphSets[s % glyphSets.count]
            let samples = resample(entry.values, count: columns + 1)
            if samples[0].isFinite { starts.append((rowOf(samples[0]), s)) }
            for x in 0..<columns {
                guard samples[x].isFinite, samples[x + 1].isFinite else { continue }
                let r0 = rowOf(samples[x]), r1 = rowOf(samples[x + 1])
                if r0 == r1 { cells[r0][x] = (g.flat, s); continue }
                let (upper, lower) = (min(r0, r1), max(r0, r1))
                for r in (upper + 1)..<lower { cells[r][x] = (g.vertical, s) }
                if r1 < r0 { cells[r1][x] = (g.upTo, s); cells[r0][x] = (g.upFrom, s) }
                else { cells[r0][x] = (g.downFrom, s); cells[r1][x] = (g.downTo, s) }
            }
        }

        let step = (hi - lo) / Double(rows - 1)
        let labels = (0..<rows).map { axisLabel(hi - Double($0) * step, step: step) }
        let labelWidth = labels.map(\.count).max() ?? 1
        let paint = { (text: String, s: Int) -> String in
            ANSI.paint(text, ANSI.basic(palette[s % palette.count]), color)
        }
        var lines: [String] = []
        if !title.isEmpty { lines.append(ANSI.center(title, width: labelWidth + 2 + columns)) }
        for r in 0..<rows {
            let axis = starts.last { $0.row == r }.map { paint("┼", $0.series) } ?? "┤"
            var line = ANSI.pad(labels[r], to: labelWidth, alignRight: true) + " " + axis
            var x = 0
            while x < columns {
                guard let (_, s) = cells[r][x] else { line.append(" "); x += 1; continue }
                var run = ""
                while x < columns, let (ch, t) = cells[r][x], t == s { run.append(ch); x += 1 }
                line += paint(run, s)
            }
            lines.append(line)
        }
        let points = series.map(\.values.count).max() ?? 1
        let ticks = xTicks(points: points, columns: columns)
        var axis = Array(repeating: Character("─"), count: columns)
        for t in ticks { axis[t.column] = "┬" }
        let margin = String(repeating: " ", count: labelWidth + 1)
        lines.append(margin + "└" + String(axis))
        lines.append(margin + " " + tickLine(ticks, width: columns))
        if !xLabel.isEmpty { lines.append(margin + " " + ANSI.center(xLabel, width: columns)) }
        if series.count > 1 || !(series.first?.name.isEmpty ?? true) {
            let legend = series.enumerated().map { s, entry in
                paint(String(repeating: glyphSets[s % glyphSets.count].flat, count: 3), s) + " " + entry.name
            }
            lines.append(margin + " " + legend.joined(separator: "   "))
        }
        return lines.joined(separator: "\n")
    }

    /// `count` evenly spaced samples of `values` by linear interpolation, keeping both ends exact.
    static func resample(_ values: [Double], count: Int) -> [Double] {
        guard values.count > 1 else { return Array(repeating: values.first ?? .nan, count: count) }
        let last = Double(values.count - 1)
        return (0..<count).map { i in
            let t = Double(i) * last / Double(count - 1)
            let k = min(Int(t), values.count - 2)
            let f = t - Double(k)
            return f == 0 ? values[k] : values[k] + (values[k + 1] - values[k]) * f
        }
    }

    /// Ticks at point numbers 1, step, 2*step, ... N, spaced so labels fit.
    ///
    /// Point i (0-based) of N is drawn at column `i * columns / (N - 1)`, clamped to the last column.
    static func xTicks(points: Int, columns: Int) -> [(column: Int, label: String, start: Int)] {
        let n = max(1, points)
        let widest = String(n).count + 2
        let maxLabels = max(2, columns / widest)
        let step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]
            .first { (n + $0 - 1) / $0 + 1 <= maxLabels } ?? max(1, n / maxLabels)
        var numbers = [1] + stride(from: step, through: n, by: step).filter { $0 > 1 }
        if numbers.last != n { numbers.append(n) }
        return ([numbers.first!, numbers.last!] + numbers.dropFirst().dropLast()).map { k in
            let column = n == 1 ? 0 : min(columns - 1, (k - 1) * columns / (n - 1))
            let label = String(k)
            let start = k == 1 ? column : min(columns - label.count, column - label.count / 2)
            return (column, label, start)
        }
    }
}
