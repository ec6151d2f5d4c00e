import CReadline
import CSupport
import Foundation
import ShellCore

// readline calls back into C function pointers that cannot capture context, so the REPL keeps its
// state in these globals. Only the main thread touches them.
nonisolated(unsafe) private var receivedLine: String?
nonisolated(unsafe) private var endOfInput = false
nonisolated(unsafe) private var completionShell: Shell?
nonisolated(unsafe) private var completionWords: [String] = []
nonisolated(unsafe) private var completionIndex = 0

/// The interactive loop: GNU readline with history and tab completion. Uses readline's callback
/// interface so that Ctrl-C at the prompt just clears the line instead of killing the shell.
struct Repl {
    let shell: Shell
    let historyPath: String

    func run() {
        completionShell = shell
        mnsh_rl_configure(strdup("mnist-shell"), complete)
        using_history()
        stifle_history(2000)
        // append_history only appends to a file that exists: create it on the first run.
        if read_history(historyPath) == ENOENT { _ = write_history(historyPath) }

        repeat {
            shell.quitRequested = false
            readLines()
        } while !shell.confirmQuit()
        _ = history_truncate_file(historyPath, 2000)
    }

    /// Reads and runs lines until `quit` or Ctrl-D.
    private func readLines() {
        input: while !shell.quitRequested {
            // A Ctrl-C that came after the last command stopped looking is spent; don't replay it.
            shell.session.clearInterrupt()
            let line: String
            switch Repl.readLine(prompt: prompt()) {
            case .line(let text): line = text
            case .interrupted: continue  // the line was discarded: prompt again
            case .endOfInput:  // Ctrl-D
                // readline ends the line itself when bracketed paste is on (the default since 8.1).
                if let paste = rl_variable_value("enable-bracketed-paste"), String(cString: paste) == "on" { break input }
                FileHandle.standardOutput.write(Data("\n".utf8))
                break input
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            add_history(trimmed)
            _ = append_history(1, historyPath)
            shell.run(trimmed)
        }
    }

    /// "mnist> " with the data set and normalisation shown once loaded: "fashion-mnist norm> ".
    func prompt() -> String {
        guard let dataset = shell.session.dataset else { return "mnist> " }
        let name = dataset.name.split(separator: " ").first.map { $0.lowercased() } ?? "data"
        return name + (shell.session.normalized ? " norm" : "") + "> "
    }

    /// What a read from the terminal produced.
    enum Input {
        case line(String)
        /// Ctrl-C: the line being typed was discarded and "^C" shown; the interrupt flag stays set.
        case interrupted
        case endOfInput
    }

    /// One line from readline's callback interface, for the prompt and for questions. Unlike
    /// `readline()`, which silently retries reads our SIGINT handler interrupts, this notices Ctrl-C
    /// at once (and returns at once if the flag is already set).
    static func readLine(prompt: String) -> Input {
        receivedLine = nil
        endOfInput = false
        rl_callback_handler_install(prompt, { raw in
            if let raw {
                receivedLine = String(cString: raw)
                free(raw)
            } else {
                endOfInput = true
            }
            rl_callback_handler_remove()
        })
        while receivedLine == nil && !endOfInput {
            if csupport_sigint_pending() != 0 {
                // Leave an incremental search (Ctrl-R) or a half-typed key sequence too, as
                // readline's own SIGINT handling does; otherwise the next Enter runs the match.
                rl_free_line_state()
                rl_callback_sigcleanup()
                rl_replace_line("", 0)
                FileHandle.standardOutput.write(Data("^C\n".utf8))
                rl_callback_handler_remove()
                return .interrupted
            }
            // Ctrl-C inside poll ends it with EINTR; the timeout catches one that lands while
            // readline is busy with a key, which would otherwise wait for the next keypress.
            var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            if poll(&fds, 1, 100) > 0 {
                rl_callback_read_char()
            }
        }
        return receivedLine.map { .line($0) } ?? .endOfInput
    }
}

/// readline's completion hook: words from the command table, or nil to let readline complete paths.
private func complete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    guard let shell = completionShell, let buffer = mnsh_rl_line_buffer() else { return nil }
    let bytes = UnsafeRawBufferPointer(start: buffer, count: Int(end))
    let before = String(decoding: bytes, as: UTF8.self)
    switch Completer.complete(before: before, shell: shell) {
    case .paths:
        mnsh_rl_set_completion_over(0)
        return nil
    case .words(let words):
        mnsh_rl_set_completion_over(1)
        completionWords = words
        completionIndex = 0
        guard let text else { return nil }
        return rl_completion_matches(text, { _, _ in
            guard completionIndex < completionWords.count else { return nil }
            defer { completionIndex += 1 }
            return strdup(completionWords[completionIndex])
        })
    }
}
