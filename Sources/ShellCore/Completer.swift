/// Tab-completion candidates, computed from the command table (readline asks; this answers).
public enum Completer {
    public enum Kind: Equatable {
        /// Complete from these words.
        case words([String])
        /// Let readline complete a file path.
        case paths
    }

    /// What to offer for the word being typed, given the text of the statement before it.
    ///
    ///     Completer.complete(before: "show 0-4 --t", shell: shell)  // .words(["--test"])
    public static func complete(before: String, shell: Shell) -> Kind {
        // Only the current statement matters: text after the last ';'.
        let statement = before.split(separator: ";", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        let words = statement.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let typingNewWord = statement.last == " " || words.isEmpty
        let partial = typingNewWord ? "" : words.last!
        let previous = typingNewWord ? words : Array(words.dropLast())

        guard let commandWord = previous.first else {
            return .words(filter(shell.commands.map(\.name) + Shell.aliases.keys.filter { $0 != "?" }, partial))
        }
        guard let (spec, _) = try? shell.resolve(commandWord) else { return .words([]) }
        if partial.hasPrefix("-") {
            return .words(filter(spec.options.map { "--" + $0.name }, partial))
        }
        // After an option that takes a value, the value: a path for files, nothing otherwise.
        if let last = previous.last, last.hasPrefix("--"),
           let option = spec.options.first(where: { "--" + $0.name == last }), option.valueName != nil {
            return option.valueName == "FILE" || option.valueName == "DIR" ? .paths : .words([])
        }
        let positionalsSoFar = previous.dropFirst().filter { !$0.hasPrefix("--") }.count
        let candidates = positionalsSoFar == 0 ? spec.completions(shell.session) : []
        let matches = filter(candidates, partial)
        if spec.completesPaths && positionalsSoFar == 0 && (matches.isEmpty || partial.contains("/") || partial.hasPrefix(".")) {
            return .paths
        }
        return .words(matches)
    }

    static func filter(_ candidates: [String], _ prefix: String) -> [String] {
        Array(Set(candidates.filter { $0.hasPrefix(prefix) })).sorted()
    }
}
