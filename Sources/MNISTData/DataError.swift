import Foundation

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

/// Why a file operation failed, in plain words: the system's reason ("is a directory", "no such
/// file or directory", "permission denied") rather than Foundation's "The operation could not be
/// completed. (NSCocoaErrorDomain error 512.)".
public func fileErrorReason(_ error: Error) -> String {
    // Foundation keeps the system's error under NSUnderlyingErrorKey, as a POSIXError here.
    let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? Error
    let code = (error as? POSIXError ?? underlying as? POSIXError)?.code.rawValue
        ?? (underlying as NSError?).flatMap { $0.domain == NSPOSIXErrorDomain ? Int32($0.code) : nil }
    guard let code else { return error.localizedDescription }
    return systemErrorReason(code)
}

/// The system's words for errno `code`, lower-cased to sit inside a message: "not a directory".
public func systemErrorReason(_ code: Int32) -> String {
    guard let message = strerror(code) else { return "error \(code)" }
    let text = String(cString: message)
    return text.prefix(1).lowercased() + text.dropFirst()
}
