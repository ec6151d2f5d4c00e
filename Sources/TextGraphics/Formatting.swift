import Foundation

/// `value` with a fixed number of decimals (C `%.Nf`, so halves round to even like Python).
func fixed(_ value: Double, decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

/// A tick or axis label: integers without a point, otherwise as few decimals as the step needs.
func axisLabel(_ value: Double, step: Double) -> String {
    let decimals = step >= 1 ? 0 : min(6, Int((-log10(step)).rounded(.up)))
    let v = abs(value) < step * 1e-9 ? 0 : value
    return fixed(v, decimals: decimals)
}

/// Round tick values ("nice numbers": 1, 2, 5 times a power of ten) covering `lo...hi`.
func niceTicks(_ lo: Double, _ hi: Double, maxTicks: Int) -> (values: [Double], step: Double) {
    let span = hi > lo ? hi - lo : 1
    let rough = span / Double(max(1, maxTicks - 1))
    let power = pow(10, floor(log10(rough)))
    let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
    let first = (lo / step).rounded(.up) * step
    var values: [Double] = []
    var v = first
    while v <= hi + step * 1e-9 { values.append(v); v += step }
    return (values, step)
}

/// Writes labels at their start columns into a line `width` wide, dropping any label that
/// would run off the line or touch a label already written.
func tickLine(_ ticks: [(column: Int, label: String, start: Int)], width: Int) -> String {
    var line = Array(repeating: Character(" "), count: width)
    var taken = [Bool](repeating: false, count: width)
    for t in ticks {
        let n = t.label.count
        guard t.start >= 0, t.start + n <= width,
              !((t.start - 1)...(t.start + n)).contains(where: { $0 >= 0 && $0 < width && taken[$0] }) else { continue }
        for (k, ch) in t.label.enumerated() { line[t.start + k] = ch; taken[t.start + k] = true }
    }
    return String(line)
}
