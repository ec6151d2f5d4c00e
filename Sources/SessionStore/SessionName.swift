import Foundation

/// Rules for session names: letters, digits, `-`, `_`, `.`; not starting with `.`; at most 64.
public enum SessionName {
    public static let maximumLength = 64

    /// A default name for an unnamed session: "session-20261121-104500" (UTC).
    public static func timestamped(_ date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "session-" + f.string(from: date)
    }

    public static func validate(_ name: String) throws {
        func fail(_ problem: String) -> SessionError {
            SessionError(file: name.isEmpty ? "(empty name)" : name, problem: problem,
                         hint: "use letters, digits, '-', '_' or '.', not starting with '.', at most \(maximumLength) characters")
        }
        guard !name.isEmpty else { throw fail("a session name cannot be empty") }
        guard name.count <= maximumLength else { throw fail("session name is \(name.count) characters long") }
        guard !name.hasPrefix(".") else { throw fail("session name cannot start with '.'") }
        if let bad = name.unicodeScalars.first(where: { !($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))) }) {
            throw fail("session name contains '\(bad)'")
        }
    }
}

/// A hidden entry the store itself makes: `.NAME.tmp-PID-RANDOM` (a save in progress, or the
/// previous save after the swap) or `.NAME.old-PID` (the previous save during a two-rename swap).
struct HiddenEntry {
    enum Kind { case temp, old }
    var name: String
    var kind: Kind
    var pid: Int32

    init?(_ entry: String) {
        guard entry.hasPrefix(".") else { return nil }
        let body = entry.dropFirst()
        for (marker, kind) in [(".tmp-", Kind.temp), (".old-", Kind.old)] {
            guard let r = body.range(of: marker, options: .backwards) else { continue }
            guard let pid = Int32(body[r.upperBound...].prefix { $0 != "-" }) else { return nil }
            self.name = String(body[..<r.lowerBound])
            self.kind = kind
            self.pid = pid
            return
        }
        return nil
    }
}
