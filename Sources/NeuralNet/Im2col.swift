/// How a convolution treats the image border, as Keras's `padding` argument.
public enum Padding: String, Sendable, CaseIterable {
    /// No padding: only positions where the whole kernel fits (output floor((H - k) / s) + 1).
    case valid
    /// Zero padding so the output is ceil(H / s); any odd padding goes to the bottom/right.
    case same
}

/// The geometry of a 2-D convolution over NHWC images, and the patch copies that turn it into a
/// matrix product.
///
/// `im2col` writes one row per output position holding its receptive field in (kh, kw, c) order,
/// so that rows x kernel[(kh*kw*c), filters] is the output in NHWC order. For a fixed kernel row the
/// field is one contiguous run of `kernelWidth * channels` input values, so both copies move whole
/// runs (clipped at the border) instead of single values.
struct ConvGeometry: Equatable, Sendable {
    let height: Int
    let width: Int
    let channels: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let stride: Int
    let padTop: Int
    let padLeft: Int
    let outHeight: Int
    let outWidth: Int

    /// Geometry for an input of `height x width x channels`, or nil when the kernel does not fit
    /// (valid padding with a kernel larger than the input).
    init?(height: Int, width: Int, channels: Int, kernel: Int, stride: Int, padding: Padding) {
        self.height = height
        self.width = width
        self.channels = channels
        kernelHeight = kernel
        kernelWidth = kernel
        self.stride = stride
        switch padding {
        case .valid:
            guard height >= kernel, width >= kernel else { return nil }
            outHeight = (height - kernel) / stride + 1
            outWidth = (width - kernel) / stride + 1
            padTop = 0
            padLeft = 0
        case .same:
            outHeight = (height + stride - 1) / stride
            outWidth = (width + stride - 1) / stride
            padTop = max((outHeight - 1) * stride + kernel - height, 0) / 2
            padLeft = max((outWidth - 1) * stride + kernel - width, 0) / 2
        }
    }

    /// Values per input sample.
    var inputSize: Int { height * width * channels }
    /// Output positions per sample (rows of the patch matrix per sample).
    var positions: Int { outHeight * outWidth }
    /// Values per patch (columns of the patch matrix).
    var patchSize: Int { kernelHeight * kernelWidth * channels }

    /// Calls `body(row, kernelRow, inputOffset, lo, hi)` for every kernel row of every output
    /// position of `samples` images: columns `lo..<hi` (in units of values, within the kernel row)
    /// map to the input run starting at `inputOffset`; columns outside `lo..<hi` are padding.
    /// `inputOffset` is meaningless when `lo == hi`.
    @inline(__always)
    private func forEachRun(samples: Int, _ body: (_ row: Int, _ kernelRow: Int, _ inputOffset: Int, _ lo: Int, _ hi: Int) -> Void) {
        var row = 0
        for n in 0..<samples {
            let image = n * inputSize
            for oh in 0..<outHeight {
                let ih0 = oh * stride - padTop
                for ow in 0..<outWidth {
                    let iw0 = ow * stride - padLeft
                    let lo = max(0, -iw0) * channels
                    let hi = min(kernelWidth, width - iw0) * channels
                    for ki in 0..<kernelHeight {
                        let ih = ih0 + ki
                        if ih < 0 || ih >= height || lo >= hi {
                            body(row, ki, 0, 0, 0)
                        } else {
                            body(row, ki, image + (ih * width + iw0) * channels, lo, hi)
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Copies the patches of `samples` consecutive images at `input` into `cols`
    /// ([samples * positions, patchSize], row-major), zeros where the kernel overhangs.
    func im2col(_ input: UnsafePointer<Float>, samples: Int, into cols: UnsafeMutablePointer<Float>) {
        let run = kernelWidth * channels
        let k = patchSize
        if padTop == 0 && padLeft == 0 && (outHeight - 1) * stride + kernelHeight <= height
            && (outWidth - 1) * stride + kernelWidth <= width {
            // Interior only (valid padding): every run is whole, no border tests.
            var dst = cols
            for n in 0..<samples {
                let image = input + n * inputSize
                for oh in 0..<outHeight {
                    for ow in 0..<outWidth {
                        var src = image + (oh * stride * width + ow * stride) * channels
                        for ki in 0..<kernelHeight {
                            let d = dst + ki * run
                            for t in 0..<run { d[t] = src[t] }
                            src += width * channels
                        }
                        dst += k
                    }
                }
            }
            return
        }
        forEachRun(samples: samples) { row, ki, offset, lo, hi in
            let d = cols + row * k + ki * run
            if lo >= hi {
                for t in 0..<run { d[t] = 0 }
                return
            }
            for t in 0..<lo { d[t] = 0 }
            let s = input + offset
            for t in lo..<hi { d[t] = s[t] }
            for t in hi..<run { d[t] = 0 }
        }
    }

    /// Adds the patch gradients `cols` back onto the images they came from: the inverse of
    /// `im2col`. Overwrites `samples` images at `output` (zeroes them first).
    func col2im(_ cols: UnsafePointer<Float>, samples: Int, into output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: samples * inputSize)
        let run = kernelWidth * channels
        let k = patchSize
        forEachRun(samples: samples) { row, ki, offset, lo, hi in
            guard lo < hi else { return }
            let s = cols + row * k + ki * run
            let d = output + offset
            for t in lo..<hi { d[t] += s[t] }
        }
    }
}

extension ConvGeometry {
    /// Output columns `lo..<hi` whose input column for kernel column `kj` lies inside the image.
    private func validColumns(kernelColumn kj: Int) -> (lo: Int, hi: Int) {
        let before = padLeft - kj  // ow * stride must reach at least this
        let last = width - 1 + padLeft - kj  // ow * stride must not pass this
        let lo = before <= 0 ? 0 : min(outWidth, (before + stride - 1) / stride)
        let hi = last < 0 ? 0 : min(outWidth, last / stride + 1)
        return (lo, max(lo, hi))
    }

    /// Calls `body(dst, src, lo, hi)` for every patch column t = (ki, kj, c) and every output
    /// row of `samples` images: `dst` is where that output row's `outWidth` values start in the
    /// transposed patch matrix (rows of `rowLength` values); output columns `lo..<hi` read the
    /// input at `src`, `src + step`, ... (`step = stride * channels`); the others are padding.
    /// `src` is meaningless when `lo == hi`.
    @inline(__always)
    private func forEachTransposedRun(
        samples: Int, rowLength rows: Int, _ body: (_ dst: Int, _ src: Int, _ lo: Int, _ hi: Int) -> Void
    ) {
        for ki in 0..<kernelHeight {
            for kj in 0..<kernelWidth {
                let (lo, hi) = validColumns(kernelColumn: kj)
                for c in 0..<channels {
                    var dst = ((ki * kernelWidth + kj) * channels + c) * rows
                    for n in 0..<samples {
                        for oh in 0..<outHeight {
                            let ih = oh * stride - padTop + ki
                            if ih < 0 || ih >= height {
                                body(dst, 0, 0, 0)
                            } else {
                                body(dst, n * inputSize + (ih * width + lo * stride - padLeft + kj) * channels + c, lo, hi)
                            }
                            dst += outWidth
                        }
                    }
                }
            }
        }
    }

    /// The patches of `im2col`, stored transposed: [patchSize, rowLength], where these samples'
    /// columns start at `cols` (a part of a larger batch has `rowLength > samples * positions`).
    ///
    /// The better layout for a single input channel at stride 1: each output row of a patch
    /// column is one contiguous run of `outWidth` input values, where the row-major layout would
    /// copy runs of only `kernelWidth` values.
    func im2colTransposed(
        _ input: UnsafePointer<Float>, samples: Int, rowLength: Int, into cols: UnsafeMutablePointer<Float>
    ) {
        let step = stride * channels
        forEachTransposedRun(samples: samples, rowLength: rowLength) { dst, src, lo, hi in
            // Pointer offsets, not index sums, in the copy loops: checked `lo + t` stops vectorisation.
            let d = cols + dst, inside = d + lo, s = input + src
            for t in 0..<lo { d[t] = 0 }
            if step == 1 {
                for t in 0..<(hi - lo) { inside[t] = s[t] }
            } else {
                for t in 0..<(hi - lo) { inside[t] = s[t &* step] }
            }
            for t in hi..<outWidth { d[t] = 0 }
        }
    }

    /// The inverse of `im2colTransposed`: adds the transposed patch gradients back onto their
    /// images. Overwrites `samples` images at `output` (zeroes them first).
    func col2imTransposed(
        _ cols: UnsafePointer<Float>, samples: Int, rowLength: Int, into output: UnsafeMutablePointer<Float>
    ) {
        output.update(repeating: 0, count: samples * inputSize)
        let step = stride * channels
        forEachTransposedRun(samples: samples, rowLength: rowLength) { dst, src, lo, hi in
            let s = cols + dst + lo
            let d = output + src
            if step == 1 {
                for t in 0..<(hi - lo) { d[t] += s[t] }
            } else {
                for t in 0..<(hi - lo) { d[t &* step] += s[t] }
            }
        }
    }
}

extension ConvGeometry {
    /// `im2col` or `im2colTransposed` for `samples` images, split across threads by sample.
    func patches(
        of input: UnsafePointer<Float>, samples: Int, transposed: Bool, into cols: UnsafeMutablePointer<Float>
    ) {
        parallelFor(samples) { part in
            let image = input + part.lowerBound * inputSize
            if transposed {
                im2colTransposed(
                    image, samples: part.count, rowLength: samples * positions, into: cols + part.lowerBound * positions)
            } else {
                im2col(image, samples: part.count, into: cols + part.lowerBound * positions * patchSize)
            }
        }
    }

    /// `col2im` or `col2imTransposed` for `samples` images, split across threads by sample.
    func images(
        from cols: UnsafePointer<Float>, samples: Int, transposed: Bool, into output: UnsafeMutablePointer<Float>
    ) {
        parallelFor(samples) { part in
            let image = output + part.lowerBound * inputSize
            if transposed {
                col2imTransposed(
                    cols + part.lowerBound * positions, samples: part.count, rowLength: samples * positions, into: image)
            } else {
                col2im(cols + part.lowerBound * positions * patchSize, samples: part.count, into: image)
            }
        }
    }
}

/// A growable buffer owned by one layer and reused across batches, so the hot loops allocate
/// nothing after the first batch. Contents are undefined after `reserve` grows it.
final class ScratchBuffer<Element> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var capacity = 0

    init() { pointer = .allocate(capacity: 0) }
    deinit { pointer.deallocate() }

    /// Makes room for `count` elements and returns the start of the buffer.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Element> {
        if count > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        return pointer
    }
}

/// The storage of the gradient a layer returned last time, handed back for the next batch.
///
/// Once the caller has consumed and dropped last batch's input gradient, its array is uniquely
/// ours again and is overwritten in place: no fresh multi-megabyte allocation whose pages the
/// kernel must fault in and zero every batch. If someone still holds it, writing makes a copy
/// (copy-on-write), so sharing is safe, just not faster.
struct RecycledArray {
    private var storage: [Float] = []

    /// An array of `count` values with undefined contents, reusing the kept storage if it fits.
    mutating func take(count: Int) -> [Float] {
        var array = storage
        storage = []
        if array.count != count {
            array = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        }
        return array
    }

    /// Keeps (a reference to) `array` for the next `take`.
    mutating func keep(_ array: [Float]) { storage = array }
}
