import ArgumentParser
import CSupport
import Foundation
import MNISTData
import ShellCore
import NeuralNet
import TextGraphics

@main
struct MNISTShell: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist-shell",
        abstract: "Explore MNIST and train neural networks on it, interactively or from scripts.",
        discussion: """
            With no script and stdin a terminal, starts the interactive shell (type 'help').
            Otherwise runs commands without prompts or colour and exits non-zero at the first failing
            command (unless --keep-going): mnist-shell -c 'load fashion; show 0-9', mnist-shell script.mnsh,
            or mnist-shell < script.
            """)

    @Option(name: .customShort("c"), help: "Run these commands (separated by ';') and exit.")
    var commands: String?

    @Argument(help: "A script file of shell commands, one or more per line.", completion: .file())
    var script: String?

    @Flag(help: "In scripts, continue after a failing command (the exit status still reports it).")
    var keepGoing = false

    @Option(help: "Where data sets are looked for and downloaded (default: $MNIST_SHELL_DATA or ./data).")
    var dataDir: String?

    @Option(help: "Where sessions are saved (default: $MNIST_SHELL_SESSIONS or ./sessions).")
    var sessionsDir: String?

    @Option(help: "Start with this saved session restored.")
    var restore: String?

    @Flag(help: "Never try to download (also $MNIST_SHELL_OFFLINE=1).")
    var offline = false

    @Flag(help: "No colour, even on a terminal (also $NO_COLOR).")
    var noColor = false

    func validate() throws {
        if commands != nil, let script {
            throw ValidationError("give either -c COMMANDS or a script file (\(script)), not both")
        }
    }

    mutating func run() throws {
        BLASTuning.reexecWithFastKernelIfNeeded()
        csupport_install_sigint_flag()

        let env = ProcessInfo.processInfo.environment
        let session = LiveSession(
            dataDir: dataDir ?? env["MNIST_SHELL_DATA"] ?? "data",
            offline: offline || env["MNIST_SHELL_OFFLINE"] == "1",
            sessionsDir: sessionsDir ?? env["MNIST_SHELL_SESSIONS"] ?? "sessions")

        let interactive = commands == nil && script == nil && isatty(0) == 1 && isatty(1) == 1
        let stdoutTTY = isatty(1) == 1
        var color = ColorMode.detect(environment: env, isTTY: stdoutTTY && interactive)
        if noColor { color = .none }
        let columns = Int(csupport_terminal_columns(1))
        let console = TerminalConsole(capabilities: ConsoleCapabilities(
            isInteractive: interactive, color: color, width: columns > 0 ? columns : 100))
        let shell = Shell(session: session, console: console)
        if let restore, !shell.execute(["restore", restore]) {   // as one word: no quoting to escape
            throw ExitCode.failure
        }

        if interactive {
            console.print("mnist-shell — explore MNIST and train networks. Type 'help' for commands, Ctrl-D to quit.")
            let history = env["MNIST_SHELL_HISTORY"] ?? (NSHomeDirectory() + "/.mnist_shell_history")
            Repl(shell: shell, historyPath: history).run()
            return
        }

        let ok: Bool
        if let commands {
            shell.location = nil
            ok = shell.run(commands, keepGoing: keepGoing)
        } else {
            let (name, text) = try readScript()
            ok = runScript(text, name: name, shell: shell)
        }
        if session.interrupted { throw ExitCode(130) }
        if !ok { throw ExitCode.failure }
    }

    private func readScript() throws -> (String, String) {
        guard let script else {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return ("<stdin>", String(decoding: data, as: UTF8.self))
        }
        do {
            return (script, try String(contentsOfFile: script, encoding: .utf8))
        } catch {
            throw ValidationError("cannot read script \(script): \(fileErrorReason(error))")
        }
    }

    /// Runs a script line by line so errors can name the line; stops at Ctrl-C.
    private func runScript(_ text: String, name: String, shell: Shell) -> Bool {
        var allOK = true
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            shell.location = "\(name):\(number + 1)"
            if !shell.run(String(line), keepGoing: keepGoing) {
                allOK = false
                if !keepGoing { break }
            }
            if shell.quitRequested || shell.session.interrupted { break }
        }
        return allOK
    }
}
