/// Keras-style progress lines and number formatting.
public struct ProgressBar: Sendable {
    /// Cells in the bar.
    public static let width = 20

    /// One Keras progbar line: `469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.9127 - loss: 0.3066`.
    ///
    /// As in `keras/src/utils/progbar.py`: the step count is padded to the width of `total`; the
    /// bar has `20 * step / total` finished cells; the time field is the ETA
    /// (`time per step * steps left`, `"%ds"`, `m:ss` or `h:mm:ss`) while running and the elapsed
    /// seconds when finished; then the time per step in s, ms or us; then each metric with
    /// 4 decimals (scientific below 1e-3). With colour the counts and time are bold, the finished
    /// cells green and the rest dim; without colour the rest is drawn with `─` so progress stays
    /// visible. No `\r`: the caller decides how to redraw.
    public static func line(step: Int, total: Int, elapsedSeconds: Double, metrics: [(String, Double)],
                            finished: Bool, color: ColorMode) -> String {
        let total = max(1, total)
        let step = min(max(0, step), total)
        let count = ANSI.pad(String(step), to: String(total).count, alignRight: true) + "/\(total)"
        let done = width * step / total
        let bar: String
        if color.enabled {
            bar = (done > 0 ? ANSI.paint(String(repeating: "━", count: done), ANSI.basic(2), color) : "")
                + ANSI.paint(String(repeating: "━", count: width - done), ANSI.dim, color)
        } else {
            bar = String(repeating: "━", count: done) + String(repeating: "─", count: width - done)
        }
        let perStep = step > 0 ? elapsedSeconds / Double(step) : 0
        let time = finished ? fixed(elapsedSeconds, decimals: 0) + "s"
                            : duration(perStep * Double(total - step))
        var text = ANSI.paint(count, ANSI.bold, color) + " " + bar + " " + ANSI.paint(time, ANSI.bold, color)
            + " " + stepTime(perStep)
        for (name, value) in metrics { text += " - \(name): " + metric(value) }
        return text
    }

    /// Seconds as Keras shows an ETA: `"5s"`, `"2:05"`, `"1:02:05"`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        if seconds > 3600 { return "\(s / 3600):" + twoDigits(s % 3600 / 60) + ":" + twoDigits(s % 60) }
        if seconds > 60 { return "\(s / 60):" + twoDigits(s % 60) }
        return "\(s)s"
    }

    private static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Time per step as `"2s/step"`, `"6ms/step"` or `"850us/step"`.
    static func stepTime(_ seconds: Double) -> String {
        if seconds >= 1 || seconds == 0 { return fixed(seconds, decimals: 0) + "s/step" }
        if seconds >= 1e-3 { return fixed(seconds * 1e3, decimals: 0) + "ms/step" }
        return fixed(seconds * 1e6, decimals: 0) + "us/step"
    }

    /// A metric value: 4 decimals, or scientific notation when its magnitude is at most 1e-3.
    public static func metric(_ value: Double) -> String {
        abs(value) > 1e-3 ? fixed(value, decimals: 4) : String(format: "%.4e", value)
    }

    /// An integer with comma thousands separators: `669706` → `"669,706"`.
    public static func formatNumber(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A byte count as Keras's summary shows it, in powers of 1024 with 2 decimals: `"2.55 MB"`.
    public static func formatBytes(_ n: Int) -> String {
        var size = Double(n)
        for unit in ["B", "KB", "MB", "GB", "TB"] {
            if abs(size) < 1024 { return fixed(size, decimals: 2) + " " + unit }
            size /= 1024
        }
        return fixed(size, decimals: 2) + " PB"
    }
}
