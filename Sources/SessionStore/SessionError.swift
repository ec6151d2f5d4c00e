/// A problem saving, restoring, importing or exporting, with the file it concerns and what to do.
///
///     sessions/run1/weights.npz: checksum mismatch (file damaged or edited) — restore an older session or re-save
public struct SessionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file or directory concerned.
    public var file: String
    public var problem: String
    public var hint: String?

    public init(file: String, problem: String, hint: String? = nil) {
        self.file = file
        self.problem = problem
        self.hint = hint
    }

    public var description: String {
        "\(file): \(problem)" + (hint.map { " (\($0))" } ?? "")
    }
}
