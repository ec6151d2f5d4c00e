import Foundation
import ShellCore

/// The real terminal: stdout for results, stderr for diagnostics, in-place redraws for progress.
final class TerminalConsole: Console {
    let capabilities: ConsoleCapabilities
    private var statusShown = false

    init(capabilities: ConsoleCapabilities) {
        self.capabilities = capabilities
    }

    func print(_ text: String) {
        endStatus()
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    func printError(_ text: String) {
        endStatus()
        var line = text
        if capabilities.color != .none {
            // Colour only the severity word, as swift-format and compilers do.
            for (word, code) in [("error:", "31"), ("warning:", "33"), ("note:", "36"), ("hint:", "36")] where line.hasPrefix(word) {
                line = "\u{1B}[1;\(code)m\(word)\u{1B}[0m" + line.dropFirst(word.count)
            }
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func status(_ line: String) {
        FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + line).utf8))
        statusShown = true
    }

    func endStatus() {
        guard statusShown else { return }
        statusShown = false
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    func ask(_ question: String) -> String? {
        endStatus()
        // Ctrl-C answers nil, like Ctrl-D, and leaves the interrupt flag set for the command to see.
        guard case .line(let answer) = Repl.readLine(prompt: question) else { return nil }
        return answer.trimmingCharacters(in: .whitespaces)
    }
}
