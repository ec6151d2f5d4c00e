import CKernels
import NeuralNet
import XCTest

final class ConvTests: XCTestCase {
    /// One convolution case: a layer built on random weights and bias, and a random input batch.
    private struct Case {
        var n = 2, h = 7, w = 6, c = 3, k = 3, filters = 4, stride = 1
        var padding = Padding.valid
        var activation: Activation? = nil
        var useBias = true
        var seed: UInt64 = 1

        func make() throws -> (Conv2D, Tensor) {
            let layer = Conv2D(
                filters: filters, kernelSize: k, strides: stride, padding: padding, activation: activation, useBias: useBias)
            var rng = RNG(seed: seed)
            try layer.build(inputShape: [h, w, c], rng: &rng)
            if useBias {
                // Non-zero bias so it is exercised (it starts at zero).
                layer.parameters[1].value = Tensor(shape: [filters], data: Reference.random(filters, seed: seed + 1))
            }
            let x = Tensor(shape: [n, h, w, c], data: Reference.random(n * h * w * c, seed: seed + 2))
            return (layer, x)
        }

        func reference(_ x: [Double], _ kernel: [Double], _ bias: [Double]) -> Reference.Images {
            Reference.conv(
                Reference.Images(n: n, h: h, w: w, c: c, values: x), kernel: kernel, bias: bias, size: k,
                filters: filters, stride: stride, padding: padding, activation: activation)
        }
    }

    private func checkForward(_ t: Case, file: StaticString = #filePath, line: UInt = #line) throws {
        let (layer, x) = try t.make()
        var rng = RNG(seed: 9)
        let y = layer.forward(x, training: true, rng: &rng)
        let expected = t.reference(
            x.data.map(Double.init), layer.parameters[0].value.data.map(Double.init),
            t.useBias ? layer.parameters[1].value.data.map(Double.init) : [])
        XCTAssertEqual(y.shape, [t.n, expected.h, expected.w, t.filters], "shape for \(t)", file: file, line: line)
        XCTAssertEqual(try layer.outputShape(for: [t.h, t.w, t.c]), [expected.h, expected.w, t.filters], file: file, line: line)
        assertClose(y.data, expected.values, abs: 1e-5, rel: 1e-5, "forward \(t)", file: file, line: line)
    }

    func testForwardMatchesDirectConvolution() throws {
        for padding in Padding.allCases {
            for stride in [1, 2, 3] {
                for (h, w, c, k, filters) in [(7, 6, 3, 3, 4), (5, 5, 1, 2, 7), (9, 7, 2, 4, 1), (6, 9, 5, 1, 3), (4, 4, 2, 4, 2)] {
                    try checkForward(Case(h: h, w: w, c: c, k: k, filters: filters, stride: stride, padding: padding))
                }
            }
        }
        for activation in [Activation.relu, .sigmoid, .tanh] {
            try checkForward(Case(padding: .same, activation: activation))
        }
        try checkForward(Case(stride: 2, padding: .same, activation: .relu, useBias: false))
        try checkForward(Case(h: 1, w: 3, c: 1, k: 6, filters: 3, stride: 2, padding: .same))
    }

    /// A batch spanning several chunks (28x28x1, 5x5: about 9 samples per chunk).
    func testForwardOverManyChunks() throws {
        try checkForward(Case(n: 21, h: 28, w: 28, c: 1, k: 5, filters: 8, activation: .relu))
        try checkForward(Case(n: 5, h: 12, w: 12, c: 30, k: 3, filters: 15, padding: .same))
    }

    /// Keras's "same" padding puts the odd pixel at the bottom/right: 3x3 input, 2x2 ones kernel.
    func testSamePaddingGoesBottomRight() throws {
        let layer = Conv2D(filters: 1, kernelSize: 2, padding: .same, useBias: false)
        var rng = RNG(seed: 1)
        try layer.build(inputShape: [3, 3, 1], rng: &rng)
        layer.parameters[0].value = Tensor(shape: [2, 2, 1, 1], repeating: 1)
        let y = layer.forward(Tensor(shape: [1, 3, 3, 1], data: (1...9).map(Float.init)), training: false, rng: &rng)
        XCTAssertEqual(y.shape, [1, 3, 3, 1])
        XCTAssertEqual(y.data, [12, 16, 9, 24, 28, 15, 15, 17, 9])
    }

    /// dX, dW, db of L = sum(out * R) against central differences of the Double reference.
    private func checkGradients(_ t: Case, file: StaticString = #filePath, line: UInt = #line) throws {
        let (layer, x) = try t.make()
        var rng = RNG(seed: 9)
        let y = layer.forward(x, training: true, rng: &rng)
        let r = Reference.random(y.count, seed: t.seed + 3).map(Double.init)
        let dx = layer.backward(Tensor(shape: y.shape, data: r.map(Float.init)))

        let x0 = x.data.map(Double.init)
        let w0 = layer.parameters[0].value.data.map(Double.init)
        let b0 = t.useBias ? layer.parameters[1].value.data.map(Double.init) : []
        let numericX = Reference.numericGradient(x0) { Reference.dot(t.reference($0, w0, b0).values, r) }
        let numericW = Reference.numericGradient(w0) { Reference.dot(t.reference(x0, $0, b0).values, r) }
        XCTAssertEqual(dx.shape, x.shape, file: file, line: line)
        assertClose(dx.data, numericX, "dX \(t)", file: file, line: line)
        assertClose(layer.parameters[0].grad.data, numericW, "dW \(t)", file: file, line: line)
        if t.useBias {
            let numericB = Reference.numericGradient(b0) { Reference.dot(t.reference(x0, w0, $0).values, r) }
            assertClose(layer.parameters[1].grad.data, numericB, "db \(t)", file: file, line: line)
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        for padding in Padding.allCases {
            for stride in [1, 2] {
                for activation in [nil, .relu] as [Activation?] {
                    try checkGradients(Case(padding: padding, activation: activation))
                    try checkGradients(Case(h: 8, w: 5, c: 2, k: 4, filters: 3, stride: stride, padding: padding, activation: activation))
                    // One input channel: patches stored transposed.
                    try checkGradients(Case(h: 6, w: 7, c: 1, k: 3, filters: 2, stride: stride, padding: padding, activation: activation))
                }
            }
        }
        try checkGradients(Case(c: 1, k: 5, filters: 2, padding: .same, activation: .sigmoid))
        // Kernel larger than the image (same padding): rows and columns entirely in the padding.
        try checkGradients(Case(h: 1, w: 2, c: 1, k: 5, filters: 2, stride: 2, padding: .same))
        try checkGradients(Case(h: 2, w: 1, c: 2, k: 4, filters: 2, padding: .same))
        try checkGradients(Case(c: 2, k: 2, filters: 3, stride: 2, activation: .tanh, useBias: false))
    }

    /// Gradients accumulated over several chunks equal the sum over single-sample batches.
    func testGradientsAccumulateAcrossChunks() throws {
        let t = Case(n: 20, h: 28, w: 28, c: 1, k: 5, filters: 4, activation: .relu)
        let (layer, x) = try t.make()
        var rng = RNG(seed: 9)
        let y = layer.forward(x, training: true, rng: &rng)
        let r = Reference.random(y.count, seed: 5)
        let dx = layer.backward(Tensor(shape: y.shape, data: r))
        let dw = layer.parameters[0].grad.data, db = layer.parameters[1].grad.data

        var sumW = [Double](repeating: 0, count: dw.count), sumB = [Double](repeating: 0, count: db.count)
        var dxParts: [Double] = []
        let inSize = 28 * 28, outSize = y.count / t.n
        for s in 0..<t.n {
            let xs = Tensor(shape: [1, 28, 28, 1], data: Array(x.data[s * inSize..<(s + 1) * inSize]))
            _ = layer.forward(xs, training: true, rng: &rng)
            let part = layer.backward(Tensor(shape: [1] + Array(y.shape.dropFirst()), data: Array(r[s * outSize..<(s + 1) * outSize])))
            dxParts += part.data.map(Double.init)
            for i in sumW.indices { sumW[i] += Double(layer.parameters[0].grad[i]) }
            for i in sumB.indices { sumB[i] += Double(layer.parameters[1].grad[i]) }
        }
        assertClose(dw, sumW, "dW")
        assertClose(db, sumB, "db")
        assertClose(dx.data, dxParts, abs: 1e-6, rel: 1e-6, "dX")
    }

    /// The layer recycles its gradient storage; a gradient the caller still holds must not change.
    func testHeldGradientSurvivesTheNextBackward() throws {
        let (layer, x) = try Case(padding: .same).make()
        var rng = RNG(seed: 9)
        let y = layer.forward(x, training: true, rng: &rng)
        let first = layer.backward(Tensor(shape: y.shape, data: Reference.random(y.count, seed: 4)))
        let copy = first.data.map { $0 }
        let second = layer.backward(Tensor(shape: y.shape, data: Reference.random(y.count, seed: 5)))
        XCTAssertEqual(first.data, copy)
        XCTAssertNotEqual(second.data, copy)
    }

    func testSkippingInputGradientKeepsParameterGradients() throws {
        let (layer, x) = try Case(padding: .same, activation: .relu).make()
        var rng = RNG(seed: 9)
        let y = layer.forward(x, training: true, rng: &rng)
        let dy = Tensor(shape: y.shape, data: Reference.random(y.count, seed: 4))
        _ = layer.backward(dy)
        let dw = layer.parameters[0].grad, db = layer.parameters[1].grad
        layer.needsInputGradient = false
        let dx = layer.backward(dy)
        XCTAssertEqual(dx.count, 0)
        XCTAssertEqual(layer.parameters[0].grad, dw)
        XCTAssertEqual(layer.parameters[1].grad, db)
    }

    func testShapesAndParameterCountsMatchKeras() throws {
        func check(_ layer: Conv2D, _ input: [Int], _ output: [Int], params: Int, line: UInt = #line) throws {
            var rng = RNG(seed: 0)
            XCTAssertEqual(try layer.outputShape(for: input), output, line: line)
            try layer.build(inputShape: input, rng: &rng)
            XCTAssertEqual(layer.parameters.reduce(0) { $0 + $1.value.count }, params, line: line)
        }
        try check(Conv2D(filters: 32, kernelSize: 5, activation: .relu), [28, 28, 1], [24, 24, 32], params: 832)
        try check(Conv2D(filters: 30, kernelSize: 5, activation: .relu), [28, 28, 1], [24, 24, 30], params: 780)
        try check(Conv2D(filters: 15, kernelSize: 3, activation: .relu), [12, 12, 30], [10, 10, 15], params: 4_065)
        try check(Conv2D(filters: 8, kernelSize: 5, strides: 2, padding: .same), [28, 28, 1], [14, 14, 8], params: 208)
        try check(Conv2D(filters: 8, kernelSize: 3, strides: 2), [28, 28, 3], [13, 13, 8], params: 224)
        try check(Conv2D(filters: 4, kernelSize: 3, useBias: false), [5, 5, 2], [3, 3, 4], params: 72)

        let layer = Conv2D(filters: 32, kernelSize: 5)
        var rng = RNG(seed: 0)
        try layer.build(inputShape: [28, 28, 1], rng: &rng)
        XCTAssertEqual(layer.parameters.map(\.name), ["kernel", "bias"])
        XCTAssertEqual(layer.parameters.map(\.regularized), [true, false])
        XCTAssertEqual(layer.parameters[0].value.shape, [5, 5, 1, 32])
        XCTAssertEqual(layer.typeName, "Conv2D")
        XCTAssertEqual(layer.name, "conv2d")
    }

    func testShapeErrorsSayWhatToDo() throws {
        let flat = Conv2D(filters: 32, kernelSize: 5)
        XCTAssertThrowsError(try flat.outputShape(for: [784])) { error in
            XCTAssertEqual(
                error as? ShapeError,
                ShapeError(
                    layer: "conv2d",
                    reason: "Conv2D needs an image input (height, width, channels) but gets (784); add conv layers before flatten"))
        }
        var rng = RNG(seed: 0)
        XCTAssertThrowsError(try flat.build(inputShape: [28, 28], rng: &rng))

        let big = Conv2D(filters: 4, kernelSize: 5)
        big.name = "conv2d_1"
        XCTAssertThrowsError(try big.outputShape(for: [3, 4, 1])) { error in
            XCTAssertEqual(
                (error as? ShapeError)?.description,
                "conv2d_1: kernel 5x5 does not fit the 3x4 input with padding=valid; use padding=same or a smaller kernel")
        }
        XCTAssertEqual(try Conv2D(filters: 4, kernelSize: 5, padding: .same).outputShape(for: [3, 4, 1]), [3, 4, 4])
    }

    func testConfigDescription() {
        XCTAssertEqual(
            Conv2D(filters: 32, kernelSize: 5, activation: .relu).configDescription,
            "32, 5x5, strides=1, padding=valid, activation=relu")
        XCTAssertEqual(
            Conv2D(filters: 8, kernelSize: 3, strides: 2, padding: .same, useBias: false).configDescription,
            "8, 3x3, strides=2, padding=same, activation=linear, use_bias=false")
    }

    func testGlorotUniformInitIsSeededAndBounded() throws {
        func kernel(seed: UInt64) throws -> Conv2D {
            let layer = Conv2D(filters: 32, kernelSize: 5)
            var rng = RNG(seed: seed)
            try layer.build(inputShape: [28, 28, 1], rng: &rng)
            return layer
        }
        let a = try kernel(seed: 7), b = try kernel(seed: 7), c = try kernel(seed: 8)
        XCTAssertEqual(a.parameters[0].value, b.parameters[0].value)
        XCTAssertNotEqual(a.parameters[0].value, c.parameters[0].value)
        XCTAssertEqual(a.parameters[1].value.data, [Float](repeating: 0, count: 32))
        let w = a.parameters[0].value.data.map(Double.init)
        let limit = (6.0 / Double(25 + 25 * 32)).squareRoot()
        XCTAssertLessThanOrEqual(w.map(abs).max()!, limit)
        XCTAssertGreaterThan(w.map(abs).max()!, 0.9 * limit)
        let rms = (w.map { $0 * $0 }.reduce(0, +) / Double(w.count)).squareRoot()
        XCTAssertEqual(rms, limit / 3.0.squareRoot(), accuracy: 0.1 * limit)

        var rng = RNG(seed: 3)
        let x = Tensor(shape: [3, 28, 28, 1], data: Reference.random(3 * 784, seed: 11))
        XCTAssertEqual(a.forward(x, training: true, rng: &rng), b.forward(x, training: true, rng: &rng))
    }
}


/// Conv2D + MaxPool2D fusion: after one batch a conv pools its own output; the results must be
/// those of the separate layers.
final class ConvPoolFusionTests: XCTestCase {
    /// conv (relu) → pool → conv (tanh, needs its input gradient) → pool (not tiling: 5 → 2) → dense.
    private func makeModel() throws -> Sequential {
        let model = Sequential(inputShape: [12, 12, 2], seed: 4)
        try model.add(Conv2D(filters: 4, kernelSize: 3, activation: .relu))
        try model.add(MaxPool2D(poolSize: 2))
        try model.add(Conv2D(filters: 3, kernelSize: 2, activation: .tanh))
        try model.add(MaxPool2D(poolSize: 2))
        try model.add(Flatten())
        try model.add(Dense(2, activation: .softmax))
        model.compile(optimizer: .adamDefault, loss: .sparseCategoricalCrossEntropy)
        for layer in model.layers.compactMap({ $0 as? Conv2D }) {
            // Non-zero biases so the fused bias gradient is exercised.
            let bias = layer.parameters[1]
            bias.value = Tensor(shape: bias.value.shape, data: Reference.random(bias.value.count, seed: 8).map { $0 * 0.1 })
        }
        return model
    }

    private func step(_ model: Sequential, _ x: Tensor, _ dy: Tensor) -> (y: [Float], grads: [[Float]]) {
        var rng = RNG(seed: 1)
        let y = model.forward(x, training: true, rng: &rng)
        model.backward(dy, fused: false)
        return (y.data, model.parameters.map(\.grad.data))
    }

    func testAModelFusesEachConvWithTheFollowingPool() throws {
        let model = try makeModel()
        let convs = model.layers.compactMap { $0 as? Conv2D }
        let x = Tensor(shape: [5, 12, 12, 2], data: Reference.random(5 * 288, seed: 2))
        let dy = Tensor(shape: [5, 2], data: Reference.random(10, seed: 3))
        XCTAssertTrue(convs.allSatisfy(\.poolsOutput), "linked as the model is built")
        let linking = step(model, x, dy)
        let fused = step(model, x, dy)
        XCTAssertEqual(fused.y, linking.y)
        XCTAssertEqual(fused.grads, linking.grads, "a resumed model continues bit for bit")
        var rng = RNG(seed: 1)
        XCTAssertEqual(model.forward(x, training: false, rng: &rng).data, linking.y, "inference runs fused too")
    }

    func testFusedConvPoolMatchesTheSeparateLayers() throws {
        for activation in [Activation.relu, .tanh, nil] {
            let model = Sequential(inputShape: [9, 9, 2], seed: 6)
            try model.add(Conv2D(filters: 3, kernelSize: 2, activation: activation))  // 8x8: pools tile
            try model.add(MaxPool2D(poolSize: 3))  // 8 → 2: the last two rows and columns get no gradient
            let conv = try XCTUnwrap(model.layers[0] as? Conv2D)
            conv.parameters[1].value = Tensor(shape: [3], data: [0.1, -0.2, 0.05])
            conv.needsInputGradient = true
            let x = Tensor(shape: [3, 9, 9, 2], data: Reference.random(3 * 162, seed: 4))
            var rng = RNG(seed: 1)
            for _ in 0..<2 { _ = model.forward(x, training: true, rng: &rng) }
            XCTAssertTrue(conv.poolsOutput)
            let y = model.forward(x, training: true, rng: &rng)
            let dy = Tensor(shape: y.shape, data: Reference.random(y.count, seed: 5))
            let dx = model.layers[0].backward(model.layers[1].backward(dy))
            let fused = (y: y.data, dx: dx.data, grads: conv.parameters.map(\.grad.data))

            // The same layers outside a model: nothing links them.
            let alone = Conv2D(filters: 3, kernelSize: 2, activation: activation)
            try alone.build(inputShape: [9, 9, 2], rng: &rng)
            alone.parameters[0].value = conv.parameters[0].value
            alone.parameters[1].value = conv.parameters[1].value
            let pool = MaxPool2D(poolSize: 3)
            try pool.build(inputShape: [8, 8, 3], rng: &rng)
            let h = alone.forward(x, training: true, rng: &rng)
            let pooled = pool.forward(Tensor(shape: h.shape, data: h.data.map { $0 }), training: true, rng: &rng)
            XCTAssertFalse(alone.poolsOutput)
            XCTAssertEqual(fused.y, pooled.data, "\(String(describing: activation))")
            let dxAlone = alone.backward(pool.backward(dy))
            assertClose(fused.dx, dxAlone.data.map(Double.init), abs: 1e-6, rel: 1e-5, "dx")
            for (a, b) in zip(fused.grads, alone.parameters.map(\.grad.data)) {
                assertClose(a, b.map(Double.init), abs: 1e-6, rel: 1e-5, "grads")
                XCTAssertTrue(a.contains { $0 != 0 })
            }
        }
    }

    /// conv (relu, first layer, direct kernels) → pool → dropout: the conv applies the dropout
    /// mask as it writes its pooled output and the mask's backward in its weight gradient; the
    /// outputs, the next layer's input gradient and the parameter gradients are bit for bit those
    /// of the separate layers.
    func testAConvAppliesTheMaskOfTheDropoutAfterItsPool() throws {
        try XCTSkipUnless(kernels_conv1_supported(16) != 0, "no direct kernels on this CPU: nothing to fuse")
        let model = Sequential(inputShape: [12, 12, 1], seed: 6)
        try model.add(Conv2D(filters: 16, kernelSize: 3, activation: .relu))
        try model.add(MaxPool2D(poolSize: 2))
        try model.add(Dropout(rate: 0.3))
        let conv = try XCTUnwrap(model.layers[0] as? Conv2D), dropout = try XCTUnwrap(model.layers[2] as? Dropout)
        conv.parameters[1].value = Tensor(shape: [16], data: Reference.random(16, seed: 3).map { $0 * 0.1 })
        let x = Tensor(shape: [5, 12, 12, 1], data: Reference.random(5 * 144, seed: 4))
        var rng = RNG(seed: 1)
        let y = model.forward(x, training: true, rng: &rng)
        XCTAssertTrue(dropout.maskedByProducer)
        let dy = Tensor(shape: y.shape, data: Reference.random(y.count, seed: 5))
        _ = conv.backward(model.layers[1].backward(dropout.backward(dy)))
        let fused = (y: y.data, rng: rng, grads: conv.parameters.map(\.grad.data))

        // The dropout outside the model (conv and pool still fused): it draws its own key.
        let unmasked = Sequential(inputShape: [12, 12, 1], seed: 6)
        try unmasked.add(Conv2D(filters: 16, kernelSize: 3, activation: .relu))
        try unmasked.add(MaxPool2D(poolSize: 2))
        let alone = try XCTUnwrap(unmasked.layers[0] as? Conv2D), pool = unmasked.layers[1]
        alone.parameters[0].value = conv.parameters[0].value
        alone.parameters[1].value = conv.parameters[1].value
        let drop = Dropout(rate: 0.3)
        var separate = RNG(seed: 1)
        let masked = drop.forward(unmasked.forward(x, training: true, rng: &separate), training: true, rng: &separate)
        XCTAssertFalse(drop.maskedByProducer)
        XCTAssertEqual(masked.data, fused.y)
        XCTAssertEqual(separate, fused.rng, "the conv drew the key where the dropout would have")
        _ = alone.backward(pool.backward(drop.backward(dy)))
        XCTAssertTrue(alone.poolsOutput)
        XCTAssertEqual(fused.grads, alone.parameters.map(\.grad.data))
        XCTAssertTrue(fused.grads.allSatisfy { $0.contains { $0 != 0 } })
        // Inference: no mask.
        let inferred = model.forward(x, training: false, rng: &rng)
        XCTAssertFalse(dropout.maskedByProducer)
        XCTAssertEqual(inferred.data, unmasked.forward(x, training: false, rng: &separate).data)
    }

    func testChangingTheModelUnlinks() throws {
        let model = try makeModel()
        let x = Tensor(shape: [2, 12, 12, 2], data: Reference.random(2 * 288, seed: 2))
        var rng = RNG(seed: 1)
        for _ in 0..<2 { _ = model.forward(x, training: false, rng: &rng) }
        let conv = try XCTUnwrap(model.layers.last { $0 is Conv2D } as? Conv2D)
        XCTAssertTrue(conv.poolsOutput)
        model.pop()
        model.pop()
        let pool = try XCTUnwrap(model.pop())
        XCTAssertFalse(conv.poolsOutput)
        // The popped pool is still alive, but the conv's output is its own again.
        XCTAssertEqual(model.forward(x, training: false, rng: &rng).shape, [2, 4, 4, 3])
        XCTAssertEqual(pool.typeName, "MaxPooling2D")
    }

    func testOverlappingPoolsStaySeparate() throws {
        let model = Sequential(inputShape: [8, 8, 1], seed: 1)
        try model.add(Conv2D(filters: 2, kernelSize: 3, activation: .relu))
        try model.add(MaxPool2D(poolSize: 3, strides: 1))
        let x = Tensor(shape: [1, 8, 8, 1], data: Reference.random(64, seed: 2))
        var rng = RNG(seed: 1)
        let first = model.forward(x, training: false, rng: &rng)
        XCTAssertEqual(model.forward(x, training: false, rng: &rng), first)
        XCTAssertFalse((model.layers[0] as? Conv2D)?.poolsOutput ?? true)
    }
}
