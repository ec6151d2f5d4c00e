import TextGraphics

/// What the shell knows about where its output goes. The executable fills this in from the real
/// terminal; tests use a recording console.
public struct ConsoleCapabilities: Sendable {
    /// stdin and stdout are a terminal: prompts, questions and in-place progress redraws are allowed.
    public var isInteractive: Bool
    /// Colour for stdout (none when not a TTY, TERM=dumb or NO_COLOR).
    public var color: ColorMode
    /// Columns available for figures.
    public var width: Int

    public init(isInteractive: Bool, color: ColorMode, width: Int) {
        self.isInteractive = isInteractive
        self.color = color
        self.width = width
    }
}

/// The shell's only way to talk to the user. ShellCore never touches file descriptors 0-2 itself.
public protocol Console: AnyObject {
    var capabilities: ConsoleCapabilities { get }
    /// Regular output; `text` is written as given plus a newline.
    func print(_ text: String)
    /// Diagnostics (`error: …`, `warning: …`, `note: …`), to stderr.
    func printError(_ text: String)
    /// A transient status line redrawn in place (progress bars). Only called when interactive.
    func status(_ line: String)
    /// Ends the transient line so the next output starts on a fresh line.
    func endStatus()
    /// Asks a question and returns the answer, or nil at end of input. Only called when interactive.
    func ask(_ question: String) -> String?
}
