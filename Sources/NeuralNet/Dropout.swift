import CKernels

/// Inverted dropout, Keras's `Dropout(rate)`: in training each value is zeroed with probability
/// `rate` and the kept ones are scaled by 1 / (1 - rate), so inference is the identity.
///
/// The mask comes from the RNG passed to `forward`: one `next()` per batch keys a hash of each
/// value's index (`kernels_dropout`), so a fixed seed replays the same mask, threads draw their
/// shares in parallel, and backward recomputes the mask instead of storing it.
///
///     let drop = Dropout(rate: 0.2)
public final class Dropout: Layer {
    public var name = "dropout"
    public var typeName: String { "Dropout" }
    public let rate: Double
    public var parameters: [Parameter] { [] }

    /// The last training batch's mask: its key, its size, and whether the conv before this layer
    /// applied it; nil when the last forward was the identity.
    private var mask: (seed: UInt64, count: Int, byProducer: Bool)?
    /// A Conv2D (with a fused pool) that applies this layer's mask to its own output, set up by the
    /// model (ConvPoolFusion.swift).
    weak var producer: Conv2D?
    /// Whether the last training batch's mask was applied by the conv before it (then forward and
    /// backward pass their tensor through; the results are the same).
    public var maskedByProducer: Bool { mask?.byProducer ?? false }
    /// The last output's and input gradient's storage, reused by the next batch once nobody else
    /// holds it (a fresh 3.7 MB array per batch costs page faults).
    private var recycledOutput = RecycledArray()
    private var recycledGradient = RecycledArray()

    /// - Parameter rate: fraction of values dropped in training, in [0, 1).
    public init(rate: Double) {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
    }

    public var configDescription: String { "rate=\(rate)" }

    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public func build(inputShape: [Int], rng: inout RNG) throws {
        producer?.unlinkDropout()
    }

    public func forward(_ x: Tensor, training: Bool, rng: inout RNG) -> Tensor {
        guard training && rate > 0 else {
            mask = nil
            return x
        }
        if let producer, let seed = producer.appliedDropoutSeed(for: x) {
            mask = (seed, x.count, true)
            return x
        }
        let seed = rng.next()
        mask = (seed, x.count, false)
        return Tensor(shape: x.shape, data: apply(seed: seed, to: x.data, into: &recycledOutput))
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let mask else { return dy }
        precondition(dy.count == mask.count, "Dropout \(name): gradient of \(dy.count) values for \(mask.count) outputs")
        if mask.byProducer { return dy }  // the producing Conv2D applies it
        return Tensor(shape: dy.shape, data: apply(seed: mask.seed, to: dy.data, into: &recycledGradient))
    }

    /// A value is dropped when its draw is below `threshold`; kept ones are multiplied by `scale`.
    /// A rate resolves to 1/2³², far finer than any rate anyone picks.
    var maskParameters: (threshold: UInt32, scale: Float) {
        (UInt32(min((rate * 4_294_967_296).rounded(), 4_294_967_295)), Float(1 / (1 - rate)))
    }

    /// The values times the mask keyed by `seed` (0, or 1 / (1 - rate)), in parallel.
    private func apply(seed: UInt64, to values: [Float], into recycled: inout RecycledArray) -> [Float] {
        let (threshold, scale) = maskParameters
        var out = recycled.take(count: values.count)
        values.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { op in
                let v = vp.baseAddress!, o = op.baseAddress!
                parallelFor(vp.count, minimumPerPart: 1 << 16) { part in
                    let i = part.lowerBound
                    kernels_dropout(part.count, i, v + i, o + i, seed, threshold, scale)
                }
            }
        }
        recycled.keep(out)
        return out
    }
}
