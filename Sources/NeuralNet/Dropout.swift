/// Inverted dropout, Keras's `Dropout(rate)`: in training each value is zeroed with probability
/// `rate` and the kept ones are scaled by 1 / (1 - rate), so inference is the identity.
///
/// The mask comes from the RNG passed to `forward` (two 32-bit draws per `next()`), so a fixed
/// seed replays the same mask; backward multiplies by that same mask.
///
///     let drop = Dropout(rate: 0.2)
public final class Dropout: Layer {
    public var name = "dropout"
    public var typeName: String { "Dropout" }
    public let rate: Double
    public var parameters: [Parameter] { [] }

    /// 0 or 1 / (1 - rate) per value of the last training batch.
    private let mask = ScratchBuffer<Float>()
    /// Values covered by `mask`; nil when the last forward was the identity.
    private var maskCount: Int?

    /// - Parameter rate: fraction of values dropped in training, in [0, 1).
    public init(rate: Double) {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
    }

    public var configDescription: String { "rate=\(rate)" }

    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public func build(inputShape: [Int], rng: inout RNG) throws {}

    public func forward(_ x: Tensor, training: Bool, rng: inout RNG) -> Tensor {
        guard training && rate > 0 else {
            maskCount = nil
            return x
        }
        let total = x.count
        let m = mask.reserve(total)
        maskCount = total
        // A value is dropped when its 32 random bits fall below rate * 2^32.
        let threshold = UInt32(min(rate * 4_294_967_296, 4_294_967_295))
        let scale = Float(1 / (1 - rate))
        var i = 0
        while i + 1 < total {
            let bits = rng.next()
            m[i] = UInt32(truncatingIfNeeded: bits) < threshold ? 0 : scale
            m[i + 1] = UInt32(truncatingIfNeeded: bits >> 32) < threshold ? 0 : scale
            i += 2
        }
        if i < total {
            m[i] = UInt32(truncatingIfNeeded: rng.next()) < threshold ? 0 : scale
        }
        return Tensor(shape: x.shape, data: Self.multiply(x.data, by: m))
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let count = maskCount else { return dy }
        precondition(dy.count == count, "Dropout \(name): gradient of \(dy.count) values for \(count) outputs")
        return Tensor(shape: dy.shape, data: Self.multiply(dy.data, by: mask.pointer))
    }

    private static func multiply(_ values: [Float], by m: UnsafePointer<Float>) -> [Float] {
        [Float](unsafeUninitializedCapacity: values.count) { out, count in
            count = values.count
            values.withUnsafeBufferPointer { v in
                for i in 0..<v.count { out[i] = v[i] * m[i] }
            }
        }
    }
}
