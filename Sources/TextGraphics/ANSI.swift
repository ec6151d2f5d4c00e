/// ANSI escape sequences and width measurement of strings that contain them.
public enum ANSI {
    /// Resets all attributes.
    public static let reset = "\u{1B}[0m"
    public static let bold = "\u{1B}[1m"
    public static let dim = "\u{1B}[2m"

    /// One of the 8 basic foreground colours (30-37): 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan.
    public static func basic(_ code: Int) -> String { "\u{1B}[\(30 + code)m" }

    /// Foreground (or background) escape for a grey level 0-255 in the given mode; empty for `.none`.
    ///
    /// `gray256` maps onto the 24-step grey ramp 232-255, `trueColor` uses the exact level.
    public static func gray(_ level: UInt8, mode: ColorMode, background: Bool = false) -> String {
        let layer = background ? 48 : 38
        switch mode {
        case .none: return ""
        case .gray256: return "\u{1B}[\(layer);5;\(grayIndex(level))m"
        case .trueColor: return "\u{1B}[\(layer);2;\(level);\(level);\(level)m"
        }
    }

    /// The xterm palette index (232-255) closest to a grey level.
    public static func grayIndex(_ level: UInt8) -> Int { 232 + (Int(level) * 23 + 127) / 255 }

    /// Wraps `text` in `code` and a reset when colour is on.
    static func paint(_ text: String, _ code: String, _ mode: ColorMode) -> String {
        mode.enabled && !code.isEmpty && !text.isEmpty ? code + text + reset : text
    }

    /// The string without its CSI escape sequences (`ESC [ ... final`).
    public static func strip(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var inEscape = false, sawBracket = false
        for u in s.unicodeScalars {
            if inEscape {
                if !sawBracket { sawBracket = true; if u == "[" { continue } }
                if (0x40...0x7E).contains(u.value) { inEscape = false }
                continue
            }
            if u == "\u{1B}" { inEscape = true; sawBracket = false; continue }
            out.append(u)
        }
        return String(out)
    }

    /// Number of terminal columns `s` takes, ignoring escape sequences (every character counts as one).
    public static func visibleWidth(_ s: String) -> Int { strip(s).count }

    /// Pads `s` with spaces to `width` visible columns (left- or right-aligned); never truncates.
    public static func pad(_ s: String, to width: Int, alignRight: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - visibleWidth(s)))
        return alignRight ? fill + s : s + fill
    }

    /// Centres plain text in `width` columns, truncating when it is longer.
    static func center(_ s: String, width: Int) -> String {
        let t = s.count > width ? String(s.prefix(width)) : s
        let left = (width - t.count) / 2
        return String(repeating: " ", count: left) + t + String(repeating: " ", count: width - t.count - left)
    }
}
