/// A seedable, serialisable random generator (xoshiro256**), so training can be replayed bit for bit
/// and its state saved with a session.
///
///     var rng = RNG(seed: 42)
///     let u = rng.uniform()          // [0, 1)
public struct RNG: RandomNumberGenerator, Equatable, Sendable {
    public var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // splitmix64 expands the seed into a well-mixed state (never all zero).
        var s = seed
        func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    public init(state: [UInt64]) {
        precondition(state.count == 4)
        self.state = (state[0], state[1], state[2], state[3])
    }

    public var stateArray: [UInt64] { [state.0, state.1, state.2, state.3] }

    public static func == (a: RNG, b: RNG) -> Bool { a.stateArray == b.stateArray }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits (exact in Float).
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * uniform() }

    /// Standard normal (Box-Muller, computed in Double).
    public mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1.0p-53, Double.leastNonzeroMagnitude)
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// Fisher-Yates permutation of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = Int(next() % UInt64(i + 1))
                p.swapAt(i, j)
            }
        }
        return p
    }
}

#if canImport(Glibc)
import Glibc
private func _log(_ x: Double) -> Double { Glibc.log(x) }
private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
private func _log(_ x: Double) -> Double { Darwin.log(x) }
private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
