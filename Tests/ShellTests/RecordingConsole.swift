import ShellCore
import TextGraphics

/// A console that keeps everything in memory, for driving the shell in tests.
final class RecordingConsole: Console {
    var capabilities = ConsoleCapabilities(isInteractive: false, color: .none, width: 100)
    var output: [String] = []
    var errors: [String] = []
    var answers: [String] = []

    var text: String { output.joined(separator: "\n") }
    var errorText: String { errors.joined(separator: "\n") }

    func print(_ text: String) { output.append(text) }
    func printError(_ text: String) { errors.append(text) }
    func status(_ line: String) {}
    func endStatus() {}
    func ask(_ question: String) -> String? { answers.isEmpty ? nil : answers.removeFirst() }
}
