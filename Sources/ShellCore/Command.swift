/// How a command's option is written: a flag (`--test`) or an option with a value (`--bins 20`).
public struct OptionSpec: Sendable {
    public var name: String          // without dashes
    public var valueName: String?    // nil for flags
    public var help: String

    public static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }
    public static func value(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help)
    }
}

/// A command's arguments after option parsing.
public struct ParsedArguments: Sendable {
    public var positional: [String]
    public var flags: Set<String>
    public var values: [String: String]

    public func has(_ flag: String) -> Bool { flags.contains(flag) }

    public func value(_ name: String) -> String? { values[name] }

    /// An integer option, validated against `range`.
    public func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            throw ShellError("--\(name) needs a whole number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return n
    }

    /// A decimal option, validated against `range`.
    public func double(_ name: String, default fallback: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let text = values[name] else { return fallback }
        guard let x = Double(text), x.isFinite, range.contains(x) else {
            throw ShellError("--\(name) needs a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return x
    }
}

/// An error a command reports to the user; the session is left as it was.
public struct ShellError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String { message }
}

/// The topics `help` groups commands under, in display order.
public enum CommandGroup: String, CaseIterable, Sendable {
    case data = "Data"
    case explore = "Explore"
    case model = "Model"
    case training = "Training"
    case inspect = "Inspect"
    case session = "Session"
    case shell = "Shell"
}

/// One shell command: its documentation, its options, and what it does.
public struct CommandSpec: Sendable {
    public var name: String
    public var group: CommandGroup
    public var summary: String
    /// Usage line(s) after the command name, e.g. "[mnist|fashion|PATH]".
    public var usage: String
    public var details: String
    public var options: [OptionSpec]
    public var example: String
    /// Words completed after the command name (sub-commands, preset names, ...).
    public var completions: @Sendable (LiveSession) -> [String]
    /// The first positional argument is a file path (completion offers files).
    public var completesPaths: Bool
    public var run: @Sendable (inout CommandContext) throws -> Void

    public init(
        name: String, group: CommandGroup, summary: String, usage: String = "", details: String = "",
        options: [OptionSpec] = [], example: String, completions: @escaping @Sendable (LiveSession) -> [String] = { _ in [] },
        completesPaths: Bool = false, run: @escaping @Sendable (inout CommandContext) throws -> Void
    ) {
        self.name = name
        self.group = group
        self.summary = summary
        self.usage = usage
        self.details = details
        self.options = options
        self.example = example
        self.completions = completions
        self.completesPaths = completesPaths
        self.run = run
    }
}

extension CommandSpec {
    /// The most positional arguments the usage line allows (nil: any number, for INDICES): the
    /// words of its longest alternative, "[rm NAME]" counting two. Words past it are an error, not
    /// silently ignored (`pop 3` used to remove one layer).
    var maxPositional: Int? {
        if usage.contains("INDICES") { return nil }
        return usage.components(separatedBy: " | ").map { $0.split(separator: " ").count }.max() ?? 0
    }

    /// Throws when `args` has more positional arguments than the usage allows.
    func checkArgumentCount(_ args: ParsedArguments) throws {
        guard let limit = maxPositional, args.positional.count > limit else { return }
        let extra = args.positional[limit...].map { "'\($0)'" }.joined(separator: ", ")
        throw ShellError(limit == 0 ? "'\(name)' takes no arguments; got \(extra)" : "too many arguments: \(extra)",
                         hint: "usage: \(name)" + (usage.isEmpty ? "" : " " + usage))
    }
}

/// Everything a command's `run` gets: its arguments, the live session and the console.
public struct CommandContext {
    public var args: ParsedArguments
    public let session: LiveSession
    public let console: Console
    public let shell: Shell

    public var color: Bool { console.capabilities.color != .none }
}
