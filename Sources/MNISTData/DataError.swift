/// A failure to read or download data, saying what went wrong, where, and what to do.
///
/// `description` reads like `data/train.csv, line 12: expected 785 columns, got 784 (hint: ...)`.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or URL) concerned.
    public var file: String
    /// Byte offset in the file (or in its decompressed content, as `message` says).
    public var offset: Int?
    /// 1-based line number, for text formats.
    public var line: Int?
    public var message: String
    /// What the user can do about it.
    public var hint: String?

    public init(file: String, offset: Int? = nil, line: Int? = nil, message: String, hint: String? = nil) {
        self.file = file
        self.offset = offset
        self.line = line
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = file
        if let line { text += ", line \(line)" }
        if let offset { text += ", byte \(offset)" }
        text += ": " + message
        if let hint { text += " (\(hint))" }
        return text
    }
}
