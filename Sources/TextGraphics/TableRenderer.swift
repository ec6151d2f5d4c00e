/// Aligned text tables: Keras `summary()` box tables and plain listings.
public enum TableRenderer {
    /// A box table like Keras's model summary: heavy header box, light body, a rule between rows.
    ///
    /// ```
    /// ┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┓
    /// ┃ Layer (type)      ┃ Param # ┃
    /// ┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━┩
    /// │ flatten (Flatten) │       0 │
    /// └───────────────────┴─────────┘
    /// ```
    /// Columns listed in `alignRight` (numbers) are right-aligned, header included.
    public static func box(headers: [String], rows: [[String]], alignRight: Set<Int>) -> String {
        let widths = columnWidths(headers: headers, rows: rows)
        let rule = { (l: String, fill: String, mid: String, r: String) in
            l + widths.map { String(repeating: fill, count: $0 + 2) }.joined(separator: mid) + r
        }
        let line = { (row: [String], bar: String) in
            bar + " " + cells(row, widths, alignRight).joined(separator: " \(bar) ") + " " + bar
        }
        var lines = [rule("┏", "━", "┳", "┓"), line(headers, "┃"), rule("┡", "━", "╇", "┩")]
        for (i, row) in rows.enumerated() {
            if i > 0 { lines.append(rule("├", "─", "┼", "┤")) }
            lines.append(line(row, "│"))
        }
        lines.append(rule("└", "─", "┴", "┘"))
        return lines.joined(separator: "\n")
    }

    /// A plain table: header, a `─` rule under each column, rows; columns two spaces apart.
    public static func plain(headers: [String], rows: [[String]], alignRight: Set<Int>) -> String {
        let widths = columnWidths(headers: headers, rows: rows)
        let join = { (c: [String]) in trimTrailing(c.joined(separator: "  ")) }
        return ([join(cells(headers, widths, alignRight)), join(widths.map { String(repeating: "─", count: $0) })]
            + rows.map { join(cells($0, widths, alignRight)) }).joined(separator: "\n")
    }

    /// The widest visible cell per column, over the header and all rows.
    private static func columnWidths(headers: [String], rows: [[String]]) -> [Int] {
        let count = ([headers.count] + rows.map(\.count)).max() ?? 0
        return (0..<count).map { c in
            ([headers] + rows).map { c < $0.count ? ANSI.visibleWidth($0[c]) : 0 }.max() ?? 0
        }
    }

    /// A row's cells padded to the column widths (missing cells are blank).
    private static func cells(_ row: [String], _ widths: [Int], _ alignRight: Set<Int>) -> [String] {
        widths.indices.map { c in ANSI.pad(c < row.count ? row[c] : "", to: widths[c], alignRight: alignRight.contains(c)) }
    }

    private static func trimTrailing(_ s: String) -> String {
        String(s.reversed().drop { $0 == " " }.reversed())
    }
}
