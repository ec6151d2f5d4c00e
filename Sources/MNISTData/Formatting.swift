extension Int {
    /// The number with thousands separators: 60000 → "60,000". Locale-independent on purpose, so
    /// messages read the same everywhere.
    var grouped: String {
        let digits = String(magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return self < 0 ? "-" + out : out
    }
}
