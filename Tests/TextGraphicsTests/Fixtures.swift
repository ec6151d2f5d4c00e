import Foundation

/// Deterministic test images.
enum Fixtures {
    /// A 28x28 "0": a ring of ink (255) with a soft edge, centred at (14, 14).
    static func zero() -> [UInt8] {
        (0..<28 * 28).map { i in
            let x = Double(i % 28) - 13.5, y = Double(i / 28) - 13.5
            let d = ((x / 6) * (x / 6) + (y / 9) * (y / 9)).squareRoot()
            let distance = abs(d - 1) * 7
            return distance < 1.5 ? 255 : (distance < 2.5 ? 128 : 0)
        }
    }

    /// A 28x28 "7": a top bar on rows 6-8 and a diagonal stroke down to row 22.
    static func seven() -> [UInt8] {
        var p = [UInt8](repeating: 0, count: 28 * 28)
        for y in 6...8 { for x in 7...20 { p[y * 28 + x] = 255 } }
        for y in 9...22 {
            let x = 20 - (y - 9) * 9 / 13
            for dx in -1...1 { p[y * 28 + x + dx] = dx == 0 ? 255 : 160 }
        }
        return p
    }
}
