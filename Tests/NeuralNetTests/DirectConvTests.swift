import CKernels
import NeuralNet
import XCTest

/// The direct convolution kernels (CKernels conv.c) behind single-channel conv layers: checked
/// against Double references at each vector width, the widths against each other, and a layer on
/// them against the same layer on the im2col path.
final class DirectConvTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(kernels_conv1_supported(8) != 0, "this CPU has no AVX2 + FMA: every conv takes the im2col path")
    }

    override func tearDown() {
        kernels_limit_vector_bits(512)
    }

    /// One single-channel convolution: a random batch, kernel and bias.
    private struct Case: CustomStringConvertible {
        var n = 3, h = 28, w = 28, k = 5, stride = 1, filters = 32
        var padding = Padding.valid
        var seed: UInt64 = 1

        var out: (h: Int, w: Int, padTop: Int, padLeft: Int) {
            let (oh, top) = Reference.outputSize(h, kernel: k, stride: stride, padding: padding)
            let (ow, left) = Reference.outputSize(w, kernel: k, stride: stride, padding: padding)
            return (oh, ow, top, left)
        }
        var shape: kernels_conv_shape {
            let o = out
            return kernels_conv_shape(
                height: h, width: w, kernel_h: k, kernel_w: k, stride: stride, pad_top: o.padTop, pad_left: o.padLeft,
                out_h: o.h, out_w: o.w)
        }
        var images: [Float] { Reference.random(n * h * w, seed: seed) }
        var kernel: [Float] { Reference.random(k * k * filters, seed: seed + 1) }
        var bias: [Float] { Reference.random(filters, seed: seed + 2) }
        var description: String { "\(n)x\(h)x\(w) k \(k) stride \(stride) \(padding) filters \(filters)" }

        /// The convolution (with bias, no activation) in Double.
        func reference() -> Reference.Images {
            Reference.conv(
                Reference.Images(n: n, h: h, w: w, c: 1, values: images.map(Double.init)), kernel: kernel.map(Double.init),
                bias: bias.map(Double.init), size: k, filters: filters, stride: stride, padding: padding, activation: nil)
        }

        /// The input under tap (i, j) of output position (oy, ox): zero in the padding.
        func input(_ x: [Float], sample: Int, _ oy: Int, _ ox: Int, _ i: Int, _ j: Int) -> Double {
            let o = out
            let r = oy * stride - o.padTop + i, c = ox * stride - o.padLeft + j
            guard r >= 0, r < h, c >= 0, c < w else { return 0 }
            return Double(x[(sample * h + r) * w + c])
        }
    }

    private let cases = [
        Case(),
        Case(n: 2, h: 7, w: 6, k: 3, padding: .same, seed: 2),
        Case(n: 2, h: 9, w: 7, k: 4, stride: 2, filters: 16, padding: .same, seed: 3),
        Case(n: 2, h: 11, w: 10, k: 2, stride: 3, filters: 24, seed: 4),
        Case(n: 2, h: 3, w: 4, k: 3, filters: 48, padding: .same, seed: 5),  // rows narrower than a run of positions
        Case(n: 1, h: 1, w: 3, k: 6, stride: 2, filters: 8, padding: .same, seed: 6),  // kernel larger than the image
        Case(n: 2, h: 12, w: 13, k: 1, filters: 16, seed: 7),
    ]

    /// The vector widths this CPU runs.
    private var widths: [Int32] {
        kernels_limit_vector_bits(512)
        return kernels_vector_bits() >= 512 ? [256, 512] : [256]
    }

    private func forward(_ t: Case, pool: Int, relu: Bool, bits: Int32) -> (out: [Float], argmax: [Int32]) {
        kernels_limit_vector_bits(bits)
        defer { kernels_limit_vector_bits(512) }
        let o = t.out
        let count = t.n * (o.h / pool) * (o.w / pool) * t.filters
        var out = [Float](repeating: .nan, count: count)
        var argmax = [Int32](repeating: -1, count: count)
        var shape = t.shape
        let status = argmax.withUnsafeMutableBufferPointer { a in
            kernels_conv1_forward(
                &shape, t.n, t.images, t.kernel, t.bias, t.filters, pool, relu ? 1 : 0, nil, &out, pool == 1 ? nil : a.baseAddress)
        }
        XCTAssertEqual(status, 0, "\(t)")
        return (out, argmax)
    }

    /// Unpooled, pooled (2 and 3) and relu outputs against the Double convolution, argmax against
    /// the reference's window maxima; the pooled outputs are exactly the maxima of the unpooled ones,
    /// and both widths give the same bits.
    func testForwardMatchesTheDoubleReferenceAtEveryWidth() {
        for t in cases {
            let expected = t.reference()
            let o = t.out, f = t.filters
            for pool in [1, 2, 3] where o.h >= pool && o.w >= pool {
                for relu in [false, true] {
                    var first: [Float]?
                    for bits in widths {
                        let tag = "\(t) pool \(pool) relu \(relu) bits \(bits)"
                        let (out, argmax) = forward(t, pool: pool, relu: relu, bits: bits)
                        let unpooled = forward(t, pool: 1, relu: false, bits: bits).out
                        let ph = o.h / pool, pw = o.w / pool
                        var values = [Double](), exactMaxima = [Float]()
                        for s in 0..<t.n {
                            for py in 0..<ph {
                                for px in 0..<pw {
                                    for c in 0..<f {
                                        var best = -Double.infinity, exact = -Float.infinity
                                        var at = 0, second = -Double.infinity
                                        for i in 0..<pool {
                                            for j in 0..<pool {
                                                let position = ((s * o.h + py * pool + i) * o.w + px * pool + j) * f + c
                                                let v = expected.values[position]
                                                if v > best {
                                                    second = best
                                                    best = v
                                                    at = i * pool + j
                                                } else {
                                                    second = max(second, v)
                                                }
                                                exact = max(exact, unpooled[position])
                                            }
                                        }
                                        values.append(relu ? max(best, 0) : best)
                                        exactMaxima.append(relu ? max(exact, 0) : exact)
                                        let index = ((s * ph + py) * pw + px) * f + c
                                        if pool > 1, best - second > 1e-4 {
                                            XCTAssertEqual(argmax[index], Int32(at), "argmax \(tag) at \(index)")
                                        }
                                    }
                                }
                            }
                        }
                        assertClose(out, values, abs: 1e-5, rel: 1e-5, tag)
                        XCTAssertEqual(out, exactMaxima, "pooled values are the maxima of the unpooled ones: \(tag)")
                        if let first {
                            let differing = zip(out, first).filter { $0.bitPattern != $1.bitPattern }.count
                            XCTAssertEqual(differing, 0, "values whose bits differ between 256 and 512 bits: \(tag)")
                        }
                        first = out
                    }
                }
            }
        }
    }

    /// dW and db from a pooled forward against the Double sums over each pooled gradient's argmax
    /// position; relu's clipped values pass no gradient; the kernel adds to what dW and db hold.
    func testWeightGradientMatchesTheDoubleReferenceAtEveryWidth() {
        for t in cases {
            let o = t.out, f = t.filters, k = t.k
            for pool in [2, 3] where o.h >= pool && o.w >= pool {
                let ph = o.h / pool, pw = o.w / pool
                let dy = Reference.random(t.n * ph * pw * f, seed: t.seed + 9)
                let start = Reference.random(k * k * f, seed: t.seed + 10)
                for relu in [false, true] {
                    var first: [Float]?
                    for bits in widths {
                        let tag = "\(t) pool \(pool) relu \(relu) bits \(bits)"
                        let (pooled, argmax) = forward(t, pool: pool, relu: relu, bits: bits)
                        let x = t.images
                        // With relu, as after a dropout the forward applied: kept gradients scaled.
                        let scale: Float = relu ? 1.25 : 1
                        var expectedW = start.map(Double.init), expectedB = [Double](repeating: 0.5, count: f)
                        for s in 0..<t.n {
                            for py in 0..<ph {
                                for px in 0..<pw {
                                    for c in 0..<f {
                                        let index = ((s * ph + py) * pw + px) * f + c
                                        guard !relu || pooled[index] > 0 else { continue }
                                        let g = Double(dy[index] * scale), a = Int(argmax[index])
                                        let oy = py * pool + a / pool, ox = px * pool + a % pool
                                        expectedB[c] += g
                                        for i in 0..<k {
                                            for j in 0..<k { expectedW[(i * k + j) * f + c] += g * t.input(x, sample: s, oy, ox, i, j) }
                                        }
                                    }
                                }
                            }
                        }
                        var dw = start, db = [Double](repeating: 0.5, count: f)
                        var shape = t.shape
                        kernels_limit_vector_bits(bits)
                        let status = kernels_conv1_pooled_weight_gradient(
                            &shape, t.n, x, dy, relu ? pooled : nil, scale, argmax, f, pool, &dw, &db)
                        kernels_limit_vector_bits(512)
                        XCTAssertEqual(status, 0, tag)
                        assertClose(dw, expectedW, abs: 1e-4, rel: 1e-4, "dW \(tag)")
                        assertClose(db.map(Float.init), expectedB, abs: 1e-4, rel: 1e-4, "db \(tag)")
                        if let first {
                            let differing = zip(dw, first).filter { $0.bitPattern != $1.bitPattern }.count
                            XCTAssertEqual(differing, 0, "dW values whose bits differ between 256 and 512 bits: \(tag)")
                        }
                        first = dw
                    }
                }
            }
        }
    }

    /// A dropout mask applied by the forward kernel is bit for bit kernels_dropout's on the same
    /// values at the same batch positions, at every width.
    func testDropoutInTheKernelMatchesKernelsDropout() {
        let t = Case(n: 3, h: 9, w: 9, k: 2, filters: 24, seed: 8)
        var shape = t.shape
        let count = t.n * 4 * 4 * t.filters, first = 1_000
        let threshold = UInt32(0.3 * 4_294_967_296), scale = Float(1 / 0.7)
        for bits in widths {
            kernels_limit_vector_bits(bits)
            defer { kernels_limit_vector_bits(512) }
            var plain = [Float](repeating: .nan, count: count), masked = plain
            var argmax = [Int32](repeating: 0, count: count)
            var key = kernels_dropout_key(seed: 0x1234_5678_9abc_def0, threshold: threshold, scale: scale, first: first)
            XCTAssertEqual(kernels_conv1_forward(&shape, t.n, t.images, t.kernel, t.bias, t.filters, 2, 1, nil, &plain, &argmax), 0)
            XCTAssertEqual(kernels_conv1_forward(&shape, t.n, t.images, t.kernel, t.bias, t.filters, 2, 1, &key, &masked, &argmax), 0)
            var expected = [Float](repeating: .nan, count: count)
            kernels_dropout(count, first, plain, &expected, key.seed, threshold, scale)
            XCTAssertEqual(masked.map(\.bitPattern), expected.map(\.bitPattern), "bits \(bits)")
            let dropped = zip(plain, masked).filter { $0 > 0 && $1 == 0 }.count, positive = plain.filter { $0 > 0 }.count
            XCTAssertEqual(Double(dropped) / Double(positive), 0.3, accuracy: 0.06, "bits \(bits)")
        }
    }

    /// Equal values in a window (blank image regions give exactly the bias everywhere) route to the
    /// window's first position, as in MaxPool2D.
    func testTiesGoToTheFirstPositionOfTheWindow() {
        let t = Case(n: 1, h: 12, w: 12, k: 3, filters: 16)
        var shape = t.shape
        // Zeros, except one pixel that lifts the outputs of the windows around it.
        var image = [Float](repeating: 0, count: 144)
        image[5 * 12 + 5] = 1
        let kernel = [Float](repeating: 1, count: 9 * 16), bias = [Float](repeating: 0.25, count: 16)
        for bits in widths {
            kernels_limit_vector_bits(bits)
            var out = [Float](repeating: .nan, count: 25 * 16), argmax = [Int32](repeating: -1, count: 25 * 16)
            XCTAssertEqual(kernels_conv1_forward(&shape, 1, image, kernel, bias, 16, 2, 0, nil, &out, &argmax), 0)
            kernels_limit_vector_bits(512)
            // Conv outputs at rows and columns 3...5 see the pixel: pooled windows (1, 1), (1, 2), (2, 1), (2, 2).
            let lifted: Set = [6, 7, 11, 12]
            for window in 0..<25 {
                let expected: Int32 = lifted.contains(window) ? [6: 3, 7: 2, 11: 1, 12: 0][window]! : 0
                XCTAssertEqual(argmax[window * 16], expected, "window \(window) bits \(bits)")
                XCTAssertEqual(out[window * 16], lifted.contains(window) ? 1.25 : 0.25, "window \(window) bits \(bits)")
            }
        }
    }

    /// What the kernels do not take they refuse, writing nothing.
    func testUnsupportedCallsAreRefused() {
        XCTAssertEqual(kernels_conv1_supported(12), 0, "filters must come in multiples of 8")
        XCTAssertEqual(kernels_conv1_supported(0), 0)
        var shape = Case().shape
        var out = [Float](repeating: 7, count: 12 * 12 * 12)
        XCTAssertEqual(kernels_conv1_forward(&shape, 1, Case().images, Case().kernel, Case().bias, 12, 2, 0, nil, &out, nil), -1)
        var key = kernels_dropout_key(seed: 1, threshold: 1 << 30, scale: 4 / 3, first: 0)
        XCTAssertEqual(kernels_conv1_forward(&shape, 1, Case().images, Case().kernel, Case().bias, 32, 1, 0, &key, &out, nil), -1, "dropout needs a pool")
        XCTAssertTrue(out.allSatisfy { $0 == 7 })
        var dw = [Float](repeating: 7, count: 25 * 32), db = [Double](repeating: 7, count: 32)
        XCTAssertEqual(kernels_conv1_pooled_weight_gradient(&shape, 1, Case().images, out, nil, 1, nil, 32, 1, &dw, &db), -1, "pool 1")
        XCTAssertTrue(dw.allSatisfy { $0 == 7 } && db.allSatisfy { $0 == 7 })
        kernels_limit_vector_bits(0)
        XCTAssertEqual(kernels_conv1_supported(32), 0, "capped to the portable loops")
    }

    /// A first conv layer (pooled, relu) on the direct kernels against the same layer on the im2col
    /// path (the kernels capped off): outputs and every parameter gradient agree.
    func testAConvLayerOnTheDirectKernelsMatchesTheIm2colPath() throws {
        func run(bits: Int32) throws -> (runsDirect: Bool, y: [Float], grads: [[Float]]) {
            kernels_limit_vector_bits(bits)
            defer { kernels_limit_vector_bits(512) }
            let model = Sequential(inputShape: [28, 28, 1], seed: 4)
            try model.add(Conv2D(filters: 16, kernelSize: 5, activation: .relu))
            try model.add(MaxPool2D(poolSize: 2))
            try model.add(Flatten())
            try model.add(Dense(10, activation: .softmax))
            model.compile(optimizer: .adamDefault, loss: .sparseCategoricalCrossEntropy)
            let conv = try XCTUnwrap(model.layers[0] as? Conv2D)
            conv.parameters[1].value = Tensor(shape: [16], data: Reference.random(16, seed: 8).map { $0 * 0.1 })
            let x = Tensor(shape: [7, 28, 28, 1], data: Reference.random(7 * 784, seed: 2).map { max($0, 0) })
            var rng = RNG(seed: 1)
            let y = model.forward(x, training: true, rng: &rng)
            model.backward(Tensor(shape: y.shape, data: Reference.random(y.count, seed: 3)), fused: false)
            return (conv.runsOnDirectKernels, y.data, model.parameters.map(\.grad.data))
        }
        let direct = try run(bits: 512), im2col = try run(bits: 0)
        XCTAssertTrue(direct.runsDirect)
        XCTAssertFalse(im2col.runsDirect)
        assertClose(direct.y, im2col.y.map(Double.init), abs: 1e-6, rel: 1e-5, "outputs")
        XCTAssertEqual(direct.grads.count, im2col.grads.count)
        for (a, b) in zip(direct.grads, im2col.grads) {
            assertClose(a, b.map(Double.init), abs: 1e-5, rel: 1e-4, "gradients")
            XCTAssertTrue(a.contains { $0 != 0 })
        }
    }
}
