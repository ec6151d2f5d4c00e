/// Reads MNIST as CSV: one image per line, a label column (0-9) and `rows * cols` pixel columns
/// (0-255), optionally a header row, the label first (Kaggle) or last (other dumps).
///
/// Parses bytes directly; a 60,000-line file takes a fraction of a second.
enum CSVReader {
    /// The UTF-8 byte order mark some editors and Excel write at the start of a CSV file.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Where the text starts: after a byte order mark, if there is one.
    static func textStart(_ bytes: [UInt8]) -> Int { bytes.starts(with: byteOrderMark) ? byteOrderMark.count : 0 }

    /// True if the start of `bytes` looks like comma-separated text.
    static func detect(_ bytes: [UInt8]) -> Bool {
        let head = bytes.dropFirst(textStart(bytes)).prefix(4096)
        guard head.contains(UInt8(ascii: ",")) else { return false }
        return head.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || (32...126).contains($0) }
    }

    static func read(_ file: String, bytes: [UInt8], options: LoadOptions) throws -> ImageSet {
        var lines = LineScanner(bytes: bytes)
        guard var first = lines.next() else {
            throw DataError(file: file, message: "the CSV file is empty")
        }
        var headerNames: [String]?
        let firstIsText = bytes[first.range].contains { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
        if options.header == .present || (options.header == .auto && firstIsText) {
            headerNames = bytes[first.range].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self).trimmingQuotesAndSpaces() }
            guard let next = lines.next() else {
                throw DataError(file: file, line: 1, message: "the CSV file has a header but no data rows")
            }
            first = next
        }

        // Parse every row into a table of values, checking shape and range as we go.
        let columns = headerNames?.count ?? countColumns(bytes[first.range])
        let side = Int(Double(columns - 1).squareRoot().rounded())
        guard columns >= 2, side * side == columns - 1 else {
            throw DataError(file: file, offset: first.range.lowerBound, line: first.number,
                            message: "\(columns) columns is not a label plus a square image (MNIST has 785: a label and 28x28 pixels)")
        }
        var table = [UInt8]()
        table.reserveCapacity(bytes.count / 2)
        var row: Line? = first
        var rowCount = 0
        while let line = row {
            try parseRow(bytes, line, columns: columns, file: file, into: &table)
            rowCount += 1
            row = lines.next()
        }

        let (labelAtFirst, detected) = try labelColumn(table, rows: rowCount, columns: columns, header: headerNames,
                                           options: options, file: file)
        try checkLabels(table, rows: rowCount, columns: columns, atFirst: labelAtFirst, detected: detected, file: file,
                        headerLines: headerNames == nil ? 0 : 1, lineNumbers: lines.dataLineNumbers)
        var labels = [UInt8](repeating: 0, count: rowCount)
        var pixels = [UInt8](repeating: 0, count: rowCount * (columns - 1))
        let labelIndex = labelAtFirst ? 0 : columns - 1
        let pixelStart = labelAtFirst ? 1 : 0
        table.withUnsafeBufferPointer { t in
            pixels.withUnsafeMutableBufferPointer { p in
                for r in 0..<rowCount {
                    labels[r] = t[r * columns + labelIndex]
                    let source = t.baseAddress! + r * columns + pixelStart
                    (p.baseAddress! + r * (columns - 1)).update(from: source, count: columns - 1)
                }
            }
        }
        return ImageSet(rows: side, cols: side, pixels: pixels, labels: labels)
    }

    // MARK: Rows

    struct Line {
        var range: Range<Int>
        var number: Int   // 1-based
    }

    /// Splits bytes into non-empty lines (LF or CRLF), keeping their 1-based numbers.
    struct LineScanner {
        let bytes: [UInt8]
        var position = 0
        var number = 0
        /// Line numbers of the lines returned so far (used to report label errors after parsing).
        var dataLineNumbers: [Int] = []

        init(bytes: [UInt8]) {
            self.bytes = bytes
            position = CSVReader.textStart(bytes)
        }

        mutating func next() -> Line? {
            while position < bytes.count {
                number += 1
                let start = position
                var end = bytes[start...].firstIndex(of: 10) ?? bytes.count
                position = end + 1
                if end > start && bytes[end - 1] == 13 { end -= 1 }
                if bytes[start..<end].contains(where: { $0 != 32 && $0 != 9 }) {
                    dataLineNumbers.append(number)
                    return Line(range: start..<end, number: number)
                }
            }
            return nil
        }
    }

    private static func countColumns(_ line: ArraySlice<UInt8>) -> Int {
        line.reduce(1) { $1 == UInt8(ascii: ",") ? $0 + 1 : $0 }
    }

    /// Appends the row's values to `table`, or says which cell is wrong.
    private static func parseRow(_ bytes: [UInt8], _ line: Line, columns: Int, file: String, into table: inout [UInt8]) throws {
        var column = 0
        var i = line.range.lowerBound
        let end = line.range.upperBound
        while true {
            let cellStart = i
            while i < end && (bytes[i] == 32 || bytes[i] == 9) { i += 1 }
            var value = 0
            var digits = 0
            while i < end, bytes[i] >= 48, bytes[i] <= 57 {
                value = min(value * 10 + Int(bytes[i] - 48), 1 << 20)
                digits += 1
                i += 1
            }
            // Tolerate "12.0"-style integers written by float-minded tools.
            if i < end && bytes[i] == UInt8(ascii: ".") {
                i += 1
                while i < end && bytes[i] == 48 { i += 1 }
            }
            while i < end && (bytes[i] == 32 || bytes[i] == 9) { i += 1 }
            let atSeparator = i == end || bytes[i] == UInt8(ascii: ",")
            if digits == 0 || !atSeparator {
                var cellEnd = i
                while cellEnd < end && bytes[cellEnd] != UInt8(ascii: ",") { cellEnd += 1 }
                let cell = String(decoding: bytes[cellStart..<cellEnd], as: UTF8.self)
                throw DataError(file: file, offset: cellStart, line: line.number,
                                message: "column \(column + 1): \"\(cell)\" is not a non-negative integer")
            }
            if value > 255 {
                throw DataError(file: file, offset: cellStart, line: line.number,
                                message: "column \(column + 1): value \(value) is outside 0-255")
            }
            column += 1
            if column <= columns { table.append(UInt8(value)) }
            if i == end { break }
            i += 1   // the comma
        }
        guard column == columns else {
            table.removeLast(min(column, columns))
            throw DataError(file: file, offset: line.range.lowerBound, line: line.number,
                            message: "expected \(columns) columns, got \(column)",
                            hint: "every row needs a label and \(columns - 1) pixels")
        }
    }

    // MARK: Labels

    /// Decides whether the label is the first column (`atFirst`) or the last, and whether that was
    /// `detected` from the values (rather than given in the options or named by the header).
    private static func labelColumn(_ table: [UInt8], rows: Int, columns: Int, header: [String]?,
                                    options: LoadOptions, file: String) throws -> (atFirst: Bool, detected: Bool) {
        switch options.labelColumn {
        case .first: return (true, false)
        case .last: return (false, false)
        case .auto: break
        }
        if let header {
            if header.first?.lowercased() == "label" { return (true, false) }
            if header.last?.lowercased() == "label" { return (false, false) }
        }
        return (try labelColumnFromValues(table, rows: rows, columns: columns, file: file), true)
    }

    /// The label column as the values show it: true for the first column, false for the last.
    private static func labelColumnFromValues(_ table: [UInt8], rows: Int, columns: Int, file: String) throws -> Bool {
        // Weigh each end column as a label column: how many rows hold 0-9 there, and how many
        // different values those are. A label column holds 0-9 in (nearly) every row and varies;
        // a border pixel column is usually all 0, or holds values above 9. checkLabels then
        // validates every row under the chosen column and reports the first bad line, so a few bad
        // labels are reported, never read as pixels with the image shifted by one.
        struct Evidence {
            /// Rows holding 0-9 in this column.
            var valid = 0
            /// Different values among those.
            var distinct = 0
            /// The same value in every row.
            var constant = true
            /// The first value of 0-9 seen (the only one when `distinct` is 1).
            var value = 0
        }
        func evidence(_ column: Int) -> Evidence {
            var seen = [Bool](repeating: false, count: 10)
            var e = Evidence()
            for r in 0..<rows {
                let v = Int(table[r * columns + column])
                if v != Int(table[column]) { e.constant = false }
                guard v <= 9 else { continue }
                if e.valid == 0 { e.value = v }
                e.valid += 1
                if !seen[v] { seen[v] = true; e.distinct += 1 }
            }
            return e
        }
        let first = evidence(0), last = evidence(columns - 1)
        func aboveNine(_ e: Evidence) -> String { "holds values above 9 in \((rows - e.valid).grouped) of \(rows.grouped) rows" }
        func cannotTell(_ why: String) -> DataError {
            DataError(file: file, message: "cannot tell which column holds the label: " + why,
                      hint: "say which column holds the label: --label first or --label last")
        }
        // A column with values above 9 in half the rows or more is not the label column.
        switch (2 * first.valid > rows, 2 * last.valid > rows) {
        case (false, false):
            throw cannotTell("the first column \(aboveNine(first)), the last column \(aboveNine(last))")
        case (true, false):
            // A constant column is a border pixel as likely as a label: it does not outweigh a varying other column.
            if first.constant && !last.constant && rows > 1 {
                throw cannotTell("the first column holds \(table[0]) in every row, the last column \(aboveNine(last))")
            }
            return true
        case (false, true):
            if last.constant && !first.constant && rows > 1 {
                throw cannotTell("the last column holds \(table[columns - 1]) in every row, the first column \(aboveNine(first))")
            }
            return false
        case (true, true):
            // Varying beats constant (a constant column is a border pixel, unless both are), then
            // fewer rows outside 0-9, then more different values; a full tie goes to the first column.
            let firstVaries = first.distinct > 1 || rows < 2, lastVaries = last.distinct > 1 || rows < 2
            if firstVaries != lastVaries { return firstVaries }
            if !firstVaries {
                // One value of 0-9 in each (a file of a single class): a border pixel is 0, so a
                // nonzero column against a zero one is the label; two zeros (or two nonzero values)
                // fit either layout, and guessing would shift every image by one pixel.
                if (first.value == 0) != (last.value == 0) { return first.value != 0 }
                func holds(_ e: Evidence) -> String {
                    e.valid == rows ? "holds \(e.value) in every row"
                        : "holds \(e.value) in \(e.valid.grouped) of \(rows.grouped) rows and values above 9 in the rest"
                }
                throw cannotTell("the first column \(holds(first)), the last column \(holds(last))")
            }
            if first.valid != last.valid { return first.valid > last.valid }
            if first.distinct != last.distinct { return first.distinct > last.distinct }
            return true
        }
    }

    private static func checkLabels(_ table: [UInt8], rows: Int, columns: Int, atFirst: Bool, detected: Bool,
                                    file: String, headerLines: Int, lineNumbers: [Int]) throws {
        let column = atFirst ? 0 : columns - 1
        for r in 0..<rows where table[r * columns + column] > 9 {
            let line = lineNumbers[r + headerLines]
            let side = atFirst ? "first" : "last"
            throw DataError(file: file, line: line,
                            message: "label \(table[r * columns + column]) in the \(side) column is outside 0-9"
                                + (detected ? " (the other rows say the label is the \(side) column)" : ""),
                            hint: detected ? "fix the row, or say which column holds the label: --label first or --label last"
                                           : "if the label is in the other column, say so (label column first/last)")
        }
    }
}

private extension String {
    func trimmingQuotesAndSpaces() -> String {
        String(self.drop { $0 == " " || $0 == "\"" }.reversed().drop { $0 == " " || $0 == "\"" }.reversed())
    }
}
