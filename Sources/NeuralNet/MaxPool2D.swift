/// Max pooling over NHWC images, Keras's `MaxPooling2D(pool_size, strides)` with valid padding:
/// windows that do not fit at the bottom/right edge are dropped (output floor((H - p) / s) + 1).
///
/// Forward keeps, for every output value, which window position held the maximum (the first one
/// in row-major window order on ties); backward routes each gradient there. Loops run over the
/// contiguous channels of one pixel so they vectorise.
///
///     let pool = MaxPool2D(poolSize: 2)     // (24, 24, 32) -> (12, 12, 32)
public final class MaxPool2D: Layer {
    public var name = "max_pooling2d"
    public var typeName: String { "MaxPooling2D" }
    public let poolSize: Int
    public let strides: Int
    public var parameters: [Parameter] { [] }

    private(set) var inputShape: [Int] = []
    /// The Conv2D that pools its output for this layer (see `ConvPoolFusion.swift`).
    weak var producer: Conv2D?
    /// Whether the last forward was given an already pooled tensor by `producer`.
    private var passedThrough = false
    /// Index within the window (i * poolSize + j) of each output's maximum, from the last forward.
    private let argmax = ScratchBuffer<Int32>()
    private var argmaxCount = 0
    private var recycledGradient = RecycledArray()

    /// - Parameter strides: step between windows; defaults to `poolSize` (non-overlapping).
    public init(poolSize: Int = 2, strides: Int? = nil) {
        precondition(poolSize > 0 && (strides ?? 1) > 0, "MaxPool2D: poolSize and strides must be positive")
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
    }

    public var configDescription: String { "pool=\(poolSize)x\(poolSize), strides=\(strides)" }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 3, input.allSatisfy({ $0 > 0 }) else {
            throw ShapeError(
                layer: name,
                reason: "MaxPooling2D needs an image input (height, width, channels) but gets \(Conv2D.shapeText(input)); "
                    + "add pooling layers before flatten")
        }
        guard input[0] >= poolSize, input[1] >= poolSize else {
            throw ShapeError(
                layer: name,
                reason: "pool \(poolSize)x\(poolSize) does not fit the \(input[0])x\(input[1]) input; use a smaller pool size")
        }
        return [(input[0] - poolSize) / strides + 1, (input[1] - poolSize) / strides + 1, input[2]]
    }

    public func build(inputShape: [Int], rng: inout RNG) throws {
        _ = try outputShape(for: inputShape)
        self.inputShape = inputShape
        producer?.unlinkPool()
    }

    public func forward(_ x: Tensor, training: Bool, rng: inout RNG) -> Tensor {
        precondition(!inputShape.isEmpty, "MaxPool2D \(name): forward before build")
        if let producer, producer.isPooledOutput(x) {
            passedThrough = true
            return x
        }
        passedThrough = false
        precondition(Array(x.shape.dropFirst()) == inputShape, "MaxPool2D \(name): built for \(inputShape) but given batch shape \(x.shape)")
        let (h, w, c) = (inputShape[0], inputShape[1], inputShape[2])
        let oh = (h - poolSize) / strides + 1, ow = (w - poolSize) / strides + 1
        let n = x.rows
        let total = n * oh * ow * c
        let best = argmax.reserve(total)
        argmaxCount = total
        let (p, s) = (poolSize, strides)
        let out = [Float](unsafeUninitializedCapacity: total) { buffer, count in
            count = total
            guard total > 0 else { return }
            let outBase = buffer.baseAddress!
            x.data.withUnsafeBufferPointer { xp in
                parallelFor(n) { samples in
                    var o = outBase + samples.lowerBound * oh * ow * c
                    var a = best + samples.lowerBound * oh * ow * c
                    for sample in samples {
                        Self.poolImage(
                            xp.baseAddress! + sample * h * w * c, width: w, outHeight: oh, outWidth: ow, pool: p, stride: s,
                            channels: c, into: o, argmax: a)
                        o += oh * ow * c
                        a += oh * ow * c
                    }
                }
            }
        }
        return Tensor(shape: [n, oh, ow, c], data: out)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        if passedThrough { return dy }  // the producing Conv2D routes it
        precondition(dy.count == argmaxCount, "MaxPool2D \(name): gradient of \(dy.count) values for \(argmaxCount) outputs")
        let (h, w, c) = (inputShape[0], inputShape[1], inputShape[2])
        let n = dy.rows
        let oh = dy.shape[1], ow = dy.shape[2]
        let (p, s) = (poolSize, strides)
        let best = UnsafePointer(argmax.pointer)
        let total = n * h * w * c
        var dx = recycledGradient.take(count: total)
        dx.withUnsafeMutableBufferPointer { buffer in
            guard total > 0 else { return }
            let base = buffer.baseAddress!
            // Disjoint windows that tile the image write every input value exactly once.
            let tiles = s == p && oh * p == h && ow * p == w
            dy.data.withUnsafeBufferPointer { dyp in
                parallelFor(n) { samples in
                    if !tiles { (base + samples.lowerBound * h * w * c).update(repeating: 0, count: samples.count * h * w * c) }
                    var g = dyp.baseAddress! + samples.lowerBound * oh * ow * c
                    var a = best + samples.lowerBound * oh * ow * c
                    for sample in samples {
                        Self.routeImage(
                            g, argmax: a, width: w, outHeight: oh, outWidth: ow, pool: p, stride: s, channels: c,
                            into: base + sample * h * w * c)
                        g += oh * ow * c
                        a += oh * ow * c
                    }
                }
            }
        }
        recycledGradient.keep(dx)
        return Tensor(shape: [n, h, w, c], data: dx)
    }

    /// Max over one pool x pool window of `channels`-long pixels starting at `corner`, and the
    /// window position (i * pool + j) where each channel's maximum first occurs.
    /// The selects are written as bit masks: written as `better ? x : best`, LLVM turns the
    /// stores into per-lane branches instead of vector blends.
    @inline(__always)
    /// Max-pools one (height, width, channels) image, `width` values wide, with p x p windows
    /// `stride` apart into the (outHeight, outWidth, channels) maxima `out` and their window
    /// positions `argmax` (i * p + j).
    static func poolImage(
        _ image: UnsafePointer<Float>, width: Int, outHeight: Int, outWidth: Int, pool p: Int, stride s: Int,
        channels c: Int, into out: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>
    ) {
        var o = out, a = argmax
        for r in 0..<outHeight {
            for q in 0..<outWidth {
                maxOfWindow(image + (r * s * width + q * s) * c, rowStride: width * c, pool: p, channels: c, into: o, argmax: a)
                o += c
                a += c
            }
        }
    }

    /// Routes one image's pooled gradient `g` (outHeight, outWidth, channels) back into `image`
    /// (`width` values wide): each value to the window position its argmax names. Disjoint windows
    /// write every position they cover; overlapping ones (stride < pool) add into `image`.
    static func routeImage(
        _ g: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, width: Int, outHeight: Int, outWidth: Int,
        pool p: Int, stride s: Int, channels c: Int, into image: UnsafeMutablePointer<Float>
    ) {
        var g = g, a = argmax
        for r in 0..<outHeight {
            for q in 0..<outWidth {
                let corner = image + (r * s * width + q * s) * c
                for i in 0..<p {
                    for j in 0..<p {
                        route(g, argmax: a, position: Int32(i * p + j), channels: c, into: corner + (i * width + j) * c, accumulate: s < p)
                    }
                }
                g += c
                a += c
            }
        }
    }

    static func maxOfWindow(
        _ corner: UnsafePointer<Float>, rowStride: Int, pool: Int, channels: Int,
        into out: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>
    ) {
        for ch in 0..<channels {
            out[ch] = corner[ch]
            argmax[ch] = 0
        }
        for i in 0..<pool {
            for j in 0..<pool where i > 0 || j > 0 {
                let v = corner + i * rowStride + j * channels
                let position = Int32(i * pool + j)
                for ch in 0..<channels {
                    let x = v[ch], best = out[ch], at = argmax[ch]
                    let mask: UInt32 = x > best ? .max : 0
                    out[ch] = Float(bitPattern: (x.bitPattern & mask) | (best.bitPattern & ~mask))
                    argmax[ch] = (position & Int32(bitPattern: mask)) | (at & ~Int32(bitPattern: mask))
                }
            }
        }
    }

    /// Writes (or adds, for overlapping windows) each channel's gradient `g` at window position
    /// `position` where that channel's maximum was, zero elsewhere.
    @inline(__always)
    static func route(
        _ g: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, position: Int32, channels: Int,
        into d: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        if accumulate {
            for ch in 0..<channels {
                let v = g[ch], old = d[ch]
                d[ch] = argmax[ch] == position ? old + v : old
            }
        } else {
            for ch in 0..<channels {
                let v = g[ch]
                d[ch] = argmax[ch] == position ? v : 0
            }
        }
    }
}
