import Foundation
import SessionStore

/// The command interpreter: finds a command by name or unique prefix, parses its options, runs it,
/// and reports errors without disturbing the live session.
///
///     let shell = Shell(session: LiveSession(dataDir: "data"), console: console)
///     let ok = shell.run("load fashion; show 0-19")
public final class Shell {
    public let session: LiveSession
    public let console: Console
    public private(set) var commands: [CommandSpec] = []
    /// Set by `quit`; the driver stops reading input.
    public var quitRequested = false
    /// Where a script's current statement came from, for error messages ("script.mnsh:12").
    public var location: String? = nil
    private var depth = 0

    public init(session: LiveSession, console: Console) {
        self.session = session
        self.console = console
        for spec in Shell.allCommands() { register(spec) }
    }

    public func register(_ spec: CommandSpec) {
        commands.removeAll { $0.name == spec.name }
        commands.append(spec)
    }

    /// Command names and their aliases, e.g. `exit` for `quit`.
    static let aliases: [String: String] = ["exit": "quit", "?": "help", "denormalize": "normalize --undo"]

    /// Resolves a typed name: exact name, alias, or unique prefix.
    public func resolve(_ name: String) throws -> (CommandSpec, extraWords: [String]) {
        if let spec = commands.first(where: { $0.name == name }) { return (spec, []) }
        if let target = Shell.aliases[name] {
            let words = target.split(separator: " ").map(String.init)
            if let spec = commands.first(where: { $0.name == words[0] }) { return (spec, Array(words.dropFirst())) }
        }
        let matches = commands.filter { $0.name.hasPrefix(name) }
        if matches.count == 1 { return (matches[0], []) }
        if matches.count > 1 {
            throw ShellError("'\(name)' is ambiguous: " + matches.map(\.name).sorted().joined(separator: ", "))
        }
        let hint = nearest(to: name, in: commands.map(\.name)).map { "did you mean '\($0)'? (type 'help' for all commands)" }
            ?? "type 'help' for the list of commands"
        throw ShellError("unknown command '\(name)'", hint: hint)
    }

    /// Runs every statement in `text`. Returns false at the first failure (the rest is skipped
    /// unless `keepGoing`), true if all succeeded.
    @discardableResult
    public func run(_ text: String, keepGoing: Bool = false) -> Bool {
        // Only what the user typed goes into the session's history, not what commands run inside.
        depth += 1
        defer { depth -= 1 }
        let statements: [[String]]
        do {
            statements = try Tokenizer.statements(text)
        } catch {
            report(ShellError("cannot parse the line: \(error)"), command: nil)
            return false
        }
        if depth == 1 && !statements.isEmpty { session.commandHistory.append(text) }
        var allOK = true
        for words in statements {
            // Ctrl-C abandons the rest of the line (or script), not just the running command.
            if quitRequested || session.interrupted { break }
            if !execute(words) {
                allOK = false
                if !keepGoing { break }
            }
        }
        return allOK
    }

    /// Runs one statement already split into words.
    public func execute(_ words: [String]) -> Bool {
        guard let name = words.first else { return true }
        var commandName = name
        do {
            let (spec, extra) = try resolve(name)
            commandName = spec.name
            let args = try Tokenizer.parseArguments(extra + words.dropFirst(), options: spec.options, command: spec.name)
            try spec.checkArgumentCount(args)
            var context = CommandContext(args: args, session: session, console: console, shell: self)
            try spec.run(&context)
            return true
        } catch {
            report(error, command: commandName)
            return false
        }
    }

    /// Prints `error: …` naming the command and, from a script, the line; plus a hint when known.
    func report(_ error: Error, command: String?) {
        var prefix = "error: "
        if let location { prefix += "\(location): " }
        if let command { prefix += "\(command): " }
        console.printError(prefix + String(describing: error))
        if let shellError = error as? ShellError, let hint = shellError.hint {
            console.printError("hint: " + hint)
        } else if let hinted = error as? HintedError, let hint = hinted.hint {
            console.printError("hint: " + hint)
        }
    }
}

/// Errors from the libraries that carry advice for the user.
public protocol HintedError: Error {
    var hint: String? { get }
}

extension Shell {
    /// Before an interactive shell exits: offers to save a session with unsaved work (a model, or a
    /// session saved before). Returns false if the user chose to stay: `c`, or Ctrl-C at either
    /// question, cancels; Ctrl-D (end of input) at the first question quits without saving, and at
    /// the name question takes the suggested name (the user has asked to save: nothing is lost).
    public func confirmQuit() -> Bool {
        guard console.capabilities.isInteractive, session.hasUnsavedChanges,
              session.model != nil || session.name != nil
        else { return true }
        // A Ctrl-C left over from before the question must not answer it.
        session.clearInterrupt()
        while true {
            let question = "Save this session before quitting? [y]es, [n]o, [c]ancel: "
            guard let answer = console.ask(question)?.lowercased() else {
                // The console answers nil for Ctrl-C as for Ctrl-D; the interrupt flag tells them apart.
                return !cancelledByInterrupt()
            }
            switch answer.first {
            case "n": return true
            case "c": return false
            case "y":
                let suggested = session.name ?? SessionName.timestamped()
                let typed = console.ask("Name [\(suggested)]: ")
                if typed == nil && cancelledByInterrupt() { return false }
                let name = typed.flatMap { $0.isEmpty ? nil : $0 } ?? suggested
                do {
                    try SessionCommands.saveSession(session, as: name)
                    console.print("saved session '\(name)' in \(session.sessionsDir)/\(name)")
                    return true
                } catch {
                    report(error, command: "save")
                }
            default:
                continue
            }
        }
    }

    /// True (and the flag cleared, so the prompt that follows is not interrupted) if Ctrl-C was pressed.
    private func cancelledByInterrupt() -> Bool {
        guard session.interrupted else { return false }
        session.clearInterrupt()
        return true
    }
}
