/// `help` and `quit`.
enum ShellCommands {
    static var all: [CommandSpec] { [help, quit] }

    static let help = CommandSpec(
        name: "help", group: .shell, summary: "List commands, or show how to use one",
        usage: "[COMMAND]",
        details: "Without an argument, lists every command by topic. With a command name (or a unique prefix), shows its usage, options and an example.",
        example: "help show",
        completions: { _ in Shell.allCommands().map(\.name) }
    ) { ctx in
        if let name = ctx.args.positional.first {
            let (spec, _) = try ctx.shell.resolve(name)
            ctx.console.print(HelpText.full(spec))
        } else {
            ctx.console.print(HelpText.overview(ctx.shell.commands))
        }
    }

    static let quit = CommandSpec(
        name: "quit", group: .shell, summary: "Leave the shell (also: exit, Ctrl-D)",
        example: "quit"
    ) { ctx in
        ctx.shell.quitRequested = true
    }
}

/// The text of `help` and `help CMD`.
enum HelpText {
    static func overview(_ commands: [CommandSpec]) -> String {
        let width = (commands.map(\.name.count).max() ?? 8) + 2
        var lines: [String] = []
        for group in CommandGroup.allCases {
            let inGroup = commands.filter { $0.group == group }
            guard !inGroup.isEmpty else { continue }
            if !lines.isEmpty { lines.append("") }
            lines.append(group.rawValue)
            for spec in inGroup {
                lines.append("  " + spec.name.padding(toLength: width, withPad: " ", startingAt: 0) + spec.summary)
            }
        }
        lines.append("")
        lines.append("Type 'help COMMAND' for its options and an example. Unique prefixes work ('sh 0-9').")
        lines.append("Several commands on one line: separate them with ';'. '#' starts a comment.")
        return lines.joined(separator: "\n")
    }

    static func full(_ spec: CommandSpec) -> String {
        var lines = ["usage: \(spec.name)" + (spec.usage.isEmpty ? "" : " " + spec.usage) + (spec.options.isEmpty ? "" : " [options]")]
        lines.append("")
        lines.append(spec.summary + ".")
        if !spec.details.isEmpty {
            lines.append(spec.details)
        }
        if !spec.options.isEmpty {
            lines.append("")
            lines.append("options:")
            let labels = spec.options.map { "--" + $0.name + ($0.valueName.map { " " + $0 } ?? "") }
            let width = (labels.map(\.count).max() ?? 0) + 2
            for (label, option) in zip(labels, spec.options) {
                lines.append("  " + label.padding(toLength: width, withPad: " ", startingAt: 0) + option.help)
            }
        }
        lines.append("")
        lines.append("example:")
        for line in spec.example.split(separator: "\n") { lines.append("  " + line) }
        return lines.joined(separator: "\n")
    }
}

extension Shell {
    /// Every command the shell knows, in the order `help` lists them within a topic.
    static func allCommands() -> [CommandSpec] {
        DataCommands.all + ExploreCommands.all + ModelCommands.all + TrainingCommands.all + InspectCommands.all
            + SessionCommands.all + ShellCommands.all + [TutorialCommand.spec]
    }
}
