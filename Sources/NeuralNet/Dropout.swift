/// Inverted dropout, Keras's `Dropout(rate)`: in training each value is zeroed with probability
/// `rate` and the kept ones are scaled by 1 / (1 - rate), so inference is the identity.
///
/// The mask comes from the RNG passed to `forward` (four 16-bit draws per `next()`), so a fixed
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
    /// The last batch's random draws, 16 bits per value.
    private let random = ScratchBuffer<UInt64>()
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
        // A value is dropped when its 16 random bits fall below rate * 2^16: four values per
        // `next()`, and a rate resolution of 1/65536, far finer than any rate anyone picks.
        // The draws are serial; turning them into the mask and the output is a parallel pass.
        let words = random.reserve((total + 3) / 4)
        for i in 0..<(total + 3) / 4 { words[i] = rng.next().littleEndian }
        let draws = UnsafeRawPointer(words).assumingMemoryBound(to: UInt16.self)
        let threshold = UInt16(min((rate * 65_536).rounded(), 65_535))
        let scale = Float(1 / (1 - rate))
        let out = [Float](unsafeUninitializedCapacity: total) { buffer, count in
            count = total
            guard let o = buffer.baseAddress else { return }
            x.data.withUnsafeBufferPointer { xp in
                let v = xp.baseAddress!
                parallelFor(total, minimumPerPart: 1 << 16) { part in
                    for i in part {
                        let keep = draws[i] < threshold ? 0 : scale
                        m[i] = keep
                        o[i] = v[i] * keep
                    }
                }
            }
        }
        return Tensor(shape: x.shape, data: out)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let count = maskCount else { return dy }
        precondition(dy.count == count, "Dropout \(name): gradient of \(dy.count) values for \(count) outputs")
        return Tensor(shape: dy.shape, data: Self.multiply(dy.data, by: mask.pointer))
    }

    private static func multiply(_ values: [Float], by m: UnsafePointer<Float>) -> [Float] {
        [Float](unsafeUninitializedCapacity: values.count) { out, count in
            count = values.count
            guard let o = out.baseAddress else { return }
            values.withUnsafeBufferPointer { v in
                let x = v.baseAddress!
                parallelFor(v.count, minimumPerPart: 1 << 16) { part in
                    for i in part { o[i] = x[i] * m[i] }
                }
            }
        }
    }
}
