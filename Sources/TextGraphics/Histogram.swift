import Foundation

/// Counts of values in fixed-width bins, with text renderings.
public struct Histogram: Sendable, Equatable {
    /// Number of values in each bin.
    public let counts: [Int]
    /// Bin edges, `counts.count + 1` of them, from `range.lowerBound` to `range.upperBound`.
    public let edges: [Double]
    /// Values outside the range (or NaN), which no bin counts.
    public let outside: Int

    /// Bins `values` into `bins` equal-width bins over `range`.
    ///
    /// Bins are half-open `[edge_i, edge_i+1)` except the last, which includes the upper bound,
    /// like numpy's `histogram`. Example: `Histogram(values: pixels.map(Double.init), bins: 256,
    /// range: 0...255)`.
    public init(values: some Sequence<Double>, bins: Int, range: ClosedRange<Double>) {
        precondition(bins > 0, "a histogram needs at least one bin")
        let lo = range.lowerBound, hi = range.upperBound
        let binWidth = (hi - lo) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        var outside = 0
        for v in values {
            guard v >= lo, v <= hi else { outside += 1; continue }
            let i = binWidth > 0 ? Int((v - lo) / binWidth) : 0
            counts[min(i, bins - 1)] += 1
        }
        self.counts = counts
        self.edges = (0...bins).map { $0 == bins ? hi : lo + Double($0) * binWidth }
        self.outside = outside
    }

    /// Label text for an edge value: integers for wide ranges, 1-2 decimals for narrow ones.
    func edgeLabel(_ v: Double) -> String {
        let span = edges[edges.count - 1] - edges[0]
        if span >= 10 { return String(Int(v.rounded(.down))) }
        return fixed(v, decimals: span >= 1 ? 1 : 2)
    }

    /// A vertical-bar chart with labelled axes.
    ///
    /// The plot area is about `width` columns by `height` rows: with more bins than columns,
    /// neighbouring bins are summed into one column; with fewer, each bin gets `width / bins`
    /// columns. Bars use eighth blocks `▁▂▃▄▅▆▇█`, and a non-empty bin always shows at least `▁`.
    /// The y axis shows counts (top, middle, 0), the x axis ticks the range ends and middle.
    /// `logScale` plots `log10(1 + count)`, which keeps small bins visible next to the huge
    /// zero bin of a pixel histogram.
    public func render(title: String, xLabel: String, yLabel: String, width: Int, height: Int,
                       logScale: Bool) -> String {
        let rows = max(1, height)
        let columns = columnCounts(width: max(1, width))
        let plotWidth = columns.count
        let top = columns.max() ?? 0
        let scale = { (c: Int) -> Double in
            guard top > 0 else { return 0 }
            return logScale ? log10(1 + Double(c)) / log10(1 + Double(top)) : Double(c) / Double(top)
        }
        let inverse = { (f: Double) -> Int in
            logScale ? Int((pow(10, f * log10(1 + Double(top))) - 1).rounded()) : Int((f * Double(top)).rounded())
        }
        let levels = columns.map { c in c == 0 ? 0 : max(1, Int((scale(c) * Double(rows * 8)).rounded())) }
        let middleRow = rows / 2
        var yLabels = [Int: String]()
        yLabels[0] = String(top)
        if middleRow > 0 && middleRow < rows - 1 {
            yLabels[middleRow] = String(inverse(Double(rows - middleRow) / Double(rows)))
        }
        let labelWidth = (yLabels.values.map(\.count) + [1]).max()!
        let eighths: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

        var lines: [String] = []
        let totalWidth = labelWidth + 2 + plotWidth
        if !title.isEmpty { lines.append(ANSI.center(title, width: totalWidth)) }
        if !yLabel.isEmpty || logScale { lines.append(yLabel + (logScale ? " (log scale)" : "")) }
        for r in 0..<rows {
            let fromBottom = rows - 1 - r
            let bars = String(levels.map { eighths[min(8, max(0, $0 - fromBottom * 8))] })
            let label = yLabels[r].map { ANSI.pad($0, to: labelWidth, alignRight: true) + " ┤" }
                ?? String(repeating: " ", count: labelWidth) + " │"
            lines.append(label + bars)
        }
        let ticks = xTicks(plotWidth: plotWidth)
        var axis = Array(repeating: Character("─"), count: plotWidth)
        for t in ticks { axis[t.column] = "┬" }
        lines.append(ANSI.pad("0", to: labelWidth, alignRight: true) + " └" + String(axis))
        let margin = String(repeating: " ", count: labelWidth + 2)
        lines.append(margin + tickLine(ticks, width: plotWidth))
        if !xLabel.isEmpty { lines.append(margin + ANSI.center(xLabel, width: plotWidth)) }
        if outside > 0 { lines.append("(\(outside) values outside \(edgeLabel(edges[0]))..\(edgeLabel(edges[edges.count - 1])))") }
        return lines.joined(separator: "\n")
    }

    /// One line per bin, termgraph style: `[lo, hi)  ▇▇▇▇ count`.
    ///
    /// Bars are scaled so the largest bin spans `width` blocks (on `log10(1 + count)` when
    /// `logScale`); a non-empty bin too small for one block shows `▏`.
    public func listing(width: Int, logScale: Bool) -> String {
        let last = counts.count - 1
        let labels = counts.indices.map { i in
            "[\(edgeLabel(edges[i])), \(edgeLabel(edges[i + 1]))\(i == last ? "]" : ")")"
        }
        let values = counts.map { logScale ? log10(1 + Double($0)) : Double($0) }
        let countWidth = counts.map { String($0).count }.max() ?? 1
        let top = values.max() ?? 0
        let labelWidth = labels.map(\.count).max() ?? 0
        return counts.indices.map { i in
            let blocks = top > 0 ? Int((values[i] / top * Double(width)).rounded()) : 0
            let bar = blocks > 0 ? String(repeating: "▇", count: blocks) : (counts[i] > 0 ? "▏" : "")
            return ANSI.pad(labels[i], to: labelWidth) + " " + ANSI.pad(String(counts[i]), to: countWidth, alignRight: true)
                + (bar.isEmpty ? "" : " " + bar)
        }.joined(separator: "\n")
    }

    /// Counts per plot column: bins summed when there are more bins than columns, repeated otherwise.
    private func columnCounts(width: Int) -> [Int] {
        let bins = counts.count
        if bins <= width {
            let repeatCount = width / bins
            return counts.flatMap { Array(repeating: $0, count: repeatCount) }
        }
        return (0..<width).map { c in counts[(c * bins / width)..<((c + 1) * bins / width)].reduce(0, +) }
    }

    /// Ticks at the range's lower end, upper end and middle, each with the column its label starts at
    /// (ends aligned to the plot edges, the middle centred); ends come first so they win overlaps.
    private func xTicks(plotWidth: Int) -> [(column: Int, label: String, start: Int)] {
        let lo = edges[0], hi = edges[edges.count - 1]
        let first = edgeLabel(lo), last = edgeLabel(hi), middle = edgeLabel((lo + hi) / 2)
        return [(0, first, 0), (plotWidth - 1, last, plotWidth - last.count),
                (plotWidth / 2, middle, plotWidth / 2 - middle.count / 2)]
    }
}
