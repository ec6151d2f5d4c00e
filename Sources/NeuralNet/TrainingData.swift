import CKernels
/// How stored UInt8 pixels become model inputs: `x · scale + offset`, applied batch by batch.
public struct InputTransform: Sendable, Equatable, CustomStringConvertible {
    public var scale: Float
    public var offset: Float

    public init(scale: Float, offset: Float = 0) {
        self.scale = scale
        self.offset = offset
    }

    /// x / 255, in [0, 1] (the Keras notebooks).
    public static let normalized = InputTransform(scale: 1 / 255)
    /// Raw 0-255 values (the 784-32-16-10 SGD recipe).
    public static let raw = InputTransform(scale: 1)
    /// x · 0.99/255 + 0.01, in [0.01, 1] (the 784-200-10 per-sample recipe).
    public static let shiftedUnit = InputTransform(scale: 0.99 / 255, offset: 0.01)

    public var description: String {
        if self == .normalized { return "x/255" }
        if self == .raw { return "raw 0-255" }
        return "x*\(scale)+\(offset)"
    }
}

/// Labelled images kept as UInt8 (60k MNIST images are 47 MB, a Float copy would be 188 MB);
/// batches are converted to Float on the fly.
public struct TrainingData: Sendable {
    /// `count` samples of `sampleShape` values each, contiguous.
    public var pixels: [UInt8]
    /// One class index per sample.
    public var labels: [UInt8]
    public var count: Int
    /// Per-sample shape, e.g. [28, 28, 1].
    public var sampleShape: [Int]
    public var transform: InputTransform

    public init(pixels: [UInt8], labels: [UInt8], count: Int, sampleShape: [Int], transform: InputTransform) {
        precondition(pixels.count == count * sampleShape.reduce(1, *), "TrainingData: \(pixels.count) pixels for \(count) samples of \(sampleShape)")
        precondition(labels.count == count, "TrainingData: \(labels.count) labels for \(count) samples")
        self.pixels = pixels
        self.labels = labels
        self.count = count
        self.sampleShape = sampleShape
        self.transform = transform
    }

    public var sampleSize: Int { sampleShape.reduce(1, *) }

    /// Writes the transformed samples `indices` into `out` (row after row) and their labels into `labels`.
    func gather<C: Collection>(_ indices: C, into out: UnsafeMutablePointer<Float>, labels lab: UnsafeMutablePointer<UInt8>)
    where C.Element == Int {
        let size = sampleSize, scale = transform.scale, offset = transform.offset
        let rows = Array(indices)
        pixels.withUnsafeBufferPointer { px in
            labels.withUnsafeBufferPointer { lb in
                // A training batch is converted by both cores: 100 kB in, 400 kB out per step.
                parallelFor(rows.count, minimumPerPart: 64) { part in
                    for r in part {
                        let i = rows[r]
                        kernels_bytes_to_floats(size, px.baseAddress! + i * size, out + r * size, scale, offset)
                        lab[r] = lb[i]
                    }
                }
            }
        }
    }
}
