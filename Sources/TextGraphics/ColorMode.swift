/// How much colour a terminal can show.
public enum ColorMode: Sendable, Equatable {
    /// No escape codes at all (pipes, files, `TERM=dumb`, `NO_COLOR`).
    case none
    /// The 24 greys of the xterm 256-colour palette (232-255) plus the basic 8 colours.
    case gray256
    /// 24-bit colour (`COLORTERM=truecolor` or `24bit`).
    case trueColor

    /// Chooses a mode from the process environment and whether the output is a terminal.
    ///
    /// `none` if `!isTTY`, `TERM=dumb` or `NO_COLOR` is set (any value, see no-color.org);
    /// `trueColor` if `COLORTERM` is `truecolor` or `24bit`; otherwise `gray256`.
    public static func detect(environment: [String: String], isTTY: Bool) -> ColorMode {
        if !isTTY || environment["TERM"] == "dumb" || environment["NO_COLOR"] != nil { return .none }
        switch environment["COLORTERM"]?.lowercased() {
        case "truecolor", "24bit": return .trueColor
        default: return .gray256
        }
    }

    /// Whether any escape codes may be written.
    public var enabled: Bool { self != .none }
}

/// How `DigitArt` draws a grey image.
public enum DigitStyle: Sendable, Equatable {
    /// One ramp character per pixel, doubled horizontally: works everywhere.
    case ascii
    /// Two pixels per cell with `▀`; coloured greys unless the mode is `.none` (then `" ▀▄█"`).
    case halfBlock(ColorMode)
}
