/// Splits shell input into statements and words.
///
/// Rules: `;` and newlines separate statements; `#` outside quotes starts a comment to the end of
/// the line; single and double quotes group words (no escapes inside single quotes); a backslash
/// escapes the next character outside single quotes.
///
///     try Tokenizer.statements("load mnist; show 0-19  # first twenty")
///     // [["load", "mnist"], ["show", "0-19"]]
public enum Tokenizer {
    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    public static func statements(_ text: String) throws -> [[String]] {
        var result: [[String]] = []
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character? = nil
        var escaping = false
        var inComment = false

        func endWord() {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        }
        func endStatement() {
            endWord()
            if !words.isEmpty { result.append(words) }
            words = []
        }

        for ch in text {
            if inComment {
                if ch == "\n" { inComment = false; endStatement() }
                continue
            }
            if escaping {
                word.append(ch); inWord = true; escaping = false
                continue
            }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaping = true } else { word.append(ch) }
                continue
            }
            switch ch {
            case "\\": escaping = true; inWord = true
            case "'", "\"": quote = ch; inWord = true
            case "#" where !inWord: inComment = true
            case ";", "\n": endStatement()
            case " ", "\t", "\r": endWord()
            default: word.append(ch); inWord = true
            }
        }
        if let q = quote { throw Error(description: "unterminated \(q) quote") }
        endStatement()
        return result
    }

    /// Parses a command's words (after its name) against its option specs.
    public static func parseArguments(_ words: [String], options: [OptionSpec], command: String) throws -> ParsedArguments {
        var parsed = ParsedArguments(positional: [], flags: [], values: [:])
        var i = 0
        var onlyPositional = false
        while i < words.count {
            let w = words[i]
            i += 1
            if onlyPositional || !w.hasPrefix("--") || w == "--" {
                if w == "--" && !onlyPositional { onlyPositional = true; continue }
                parsed.positional.append(w)
                continue
            }
            var name = String(w.dropFirst(2))
            var inlineValue: String? = nil
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                let known = options.map { "--" + $0.name }
                let hint = nearest(to: "--" + name, in: known).map { "did you mean \($0)?" }
                    ?? (known.isEmpty ? "'\(command)' takes no options" : "options: " + known.joined(separator: ", "))
                throw ShellError("unknown option --\(name) for '\(command)'", hint: hint)
            }
            if spec.valueName == nil {
                if inlineValue != nil { throw ShellError("--\(name) is a flag and takes no value") }
                parsed.flags.insert(name)
            } else {
                // `--png --ascii` must not write a file named --ascii (`--png=--ascii` still can).
                guard let v = inlineValue ?? (i < words.count && !words[i].hasPrefix("--") ? words[i] : nil) else {
                    throw ShellError("--\(name) needs a value (\(spec.valueName!))"
                                     + (i < words.count ? ", got the option \(words[i])" : ""))
                }
                if inlineValue == nil { i += 1 }
                if let earlier = parsed.values[name] {
                    throw ShellError("--\(name) is given twice ('\(earlier)' and '\(v)')", hint: "give it once")
                }
                parsed.values[name] = v
            }
        }
        return parsed
    }
}

/// The closest candidate by edit distance, if it is close enough to be a plausible typo.
func nearest(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word, $0)) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return best.1 <= max(2, word.count / 3) ? best.0 : nil
}

/// Levenshtein distance.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
