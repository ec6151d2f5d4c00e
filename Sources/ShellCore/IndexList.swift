/// Parses image indices as users type them: `7`, `0-19`, `3 7 42`, `0-4,9`.
///
///     try IndexList.parse(["0-3", "9"], count: 100)   // [0, 1, 2, 3, 9]
public enum IndexList {
    public static func parse(_ words: [String], count: Int, setName: String) throws -> [Int] {
        guard count > 0 else { throw ShellError("the \(setName) set is empty: it has no images to index") }
        var result: [Int] = []
        for word in words {
            for part in word.split(separator: ",") where !part.isEmpty {
                let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, let lo = Int(bounds[0]), let hi = Int(bounds.last!) else {
                    throw ShellError("'\(part)' is not an index or a range like 0-19")
                }
                guard lo <= hi else { throw ShellError("range \(part) is backwards; write \(hi)-\(lo)") }
                for i in [lo, hi] where i < 0 || i >= count {
                    throw ShellError(
                        "index \(i) is out of range: the \(setName) set has \(count.grouped) images (0-\(count - 1))")
                }
                guard hi - lo < 100_000 else { throw ShellError("range \(part) is too long") }
                result.append(contentsOf: lo...hi)
            }
        }
        guard !result.isEmpty else { throw ShellError("give at least one image index, e.g. 0-19") }
        return result
    }
}

extension Int {
    /// 60000 → "60,000".
    var grouped: String {
        let digits = String(self.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return self < 0 ? "-" + out : out
    }
}
