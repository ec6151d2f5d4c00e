import Foundation

/// A matrix in numpy `savetxt` text: one row per line, values separated by spaces.
///
/// Writing uses `savetxt`'s defaults (`'%.18e'`, a space between values, `\n` after each row), so
/// a float32 value survives the round trip exactly. Reading accepts any float text numpy writes
/// (`%.18e`, `%g`, `%f`, `nan`, `inf`), separated by spaces, tabs or commas; `#` starts a comment.
public struct ThetaMatrix: Equatable, Sendable {
    public var rows: Int
    public var cols: Int
    /// Row-major.
    public var values: [Double]

    public init(rows: Int, cols: Int, values: [Double]) {
        precondition(values.count == rows * cols, "ThetaMatrix: \(rows)x\(cols) needs \(rows * cols) values, got \(values.count)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// The text numpy's `savetxt(file, matrix)` writes.
    public var text: String {
        var out = ""
        out.reserveCapacity(values.count * 26)
        for r in 0..<rows {
            for c in 0..<cols {
                if c > 0 { out += " " }
                out += String(format: "%.18e", values[r * cols + c])
            }
            out += "\n"
        }
        return out
    }

    /// Parses `text`; `file` names it in errors, which give the line and column of a bad value.
    public init(text: String, file: String) throws {
        var values: [Double] = []
        var rows = 0, cols = 0
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.prefix { $0 != "#" }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" })
            if fields.isEmpty { continue }
            if rows == 0 { cols = fields.count }
            guard fields.count == cols else {
                throw SessionError(file: file, problem: "line \(index + 1): \(fields.count) values, the first row has \(cols)",
                                   hint: "every row of a Theta matrix must have the same number of columns")
            }
            for (column, field) in fields.enumerated() {
                guard let v = Double(field) else {
                    throw SessionError(file: file, problem: "line \(index + 1), column \(column + 1): '\(field)' is not a number")
                }
                values.append(v)
            }
            rows += 1
        }
        guard rows > 0 else { throw SessionError(file: file, problem: "no numbers in the file", hint: "expected a matrix written by numpy.savetxt") }
        self.init(rows: rows, cols: cols, values: values)
    }
}
