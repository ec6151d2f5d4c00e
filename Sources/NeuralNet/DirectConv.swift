import CKernels

// A first conv layer (one input channel) through CKernels' direct convolution instead of im2col
// + sgemm: its products are too skinny (k = 25 for 5x5) for sgemm, which spent a third of its time
// packing them, and the patch copies cost as much again. The kernels keep each position's filters
// in vector registers, read the image in place and pool before anything leaves the cache.
// Used when the CPU has AVX2 + FMA, the filters come in multiples of 8 and the activation is relu or
// none (so pooling may come first); every other conv takes the im2col path.

extension ConvGeometry {
    var kernelShape: kernels_conv_shape {
        kernels_conv_shape(
            height: height, width: width, kernel_h: kernelHeight, kernel_w: kernelWidth, stride: stride,
            pad_top: padTop, pad_left: padLeft, out_h: outHeight, out_w: outWidth)
    }
}

extension Conv2D {
    /// Parts per thread for a batch on the direct kernels: parts are handed out as threads come
    /// free, so with several each a thread slowed by the machine does fewer (with one each, the
    /// other thread waited for it ~10 % of an epoch).
    static let directPartsPerThread = 4

    /// Whether this layer runs on the direct kernels on this CPU.
    func usesDirectKernels(_ g: ConvGeometry) -> Bool {
        g.channels == 1 && (activation == nil || activation == .relu) && kernels_conv1_supported(filters) != 0
    }

    /// Forward of `samples` images from `images` into `out` (pooled with window and stride `pool`,
    /// argmax per pooled value, when pool > 1; then masked by `dropout`, whose `first` is the
    /// index of `out`'s first value in the batch's output).
    func forwardDirect(
        _ g: ConvGeometry, samples: Int, images: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, pool: Int, dropout: kernels_dropout_key?, out: UnsafeMutablePointer<Float>,
        argmax: UnsafeMutablePointer<Int32>?
    ) {
        var shape = g.kernelShape
        let relu: Int32 = activation == .relu ? 1 : 0
        let status =
            if var key = dropout {
                kernels_conv1_forward(&shape, samples, images, weights, bias, filters, pool, relu, &key, out, argmax)
            } else {
                kernels_conv1_forward(&shape, samples, images, weights, bias, filters, pool, relu, nil, out, argmax)
            }
        precondition(status == 0, "Conv2D \(name): direct convolution failed (out of memory)")
    }

    /// Adds the weight gradient of `samples` images to `dw` and their bias gradient to `biasSum`,
    /// from the pooled gradient `dy`, the pooled outputs `y` and their argmax (`dropoutScale`: the
    /// scale of a dropout mask the forward applied, else 1).
    func weightGradientDirect(
        _ g: ConvGeometry, samples: Int, images: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        pooled y: UnsafePointer<Float>, dropoutScale: Float, argmax: UnsafePointer<Int32>, pool: Int,
        dw: UnsafeMutablePointer<Float>, biasSum: UnsafeMutablePointer<Double>
    ) {
        var shape = g.kernelShape
        let status = kernels_conv1_pooled_weight_gradient(
            &shape, samples, images, dy, activation == .relu ? y : nil, dropoutScale, argmax, filters, pool, dw, biasSum)
        precondition(status == 0, "Conv2D \(name): direct convolution failed (out of memory)")
    }
}

extension Conv2D {
    /// Whether this (built) layer runs on the direct single-channel kernels on this CPU.
    public var runsOnDirectKernels: Bool { geometry.map(usesDirectKernels) ?? false }
}
