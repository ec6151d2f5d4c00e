/// A stack of layers trained as one model, like Keras's `Sequential` with a fixed input shape.
///
/// Layers are checked and built as they are added (so `summaryRows` and `parameterCount` are
/// available at once), with weights drawn from the model's own seeded generator.
///
///     let model = Sequential(inputShape: [28, 28, 1], seed: 1)
///     try model.add(Flatten())
///     try model.add(Dense(512, activation: .relu))
///     try model.add(Dense(10, activation: .softmax))
///     model.compile(optimizer: .adamDefault, loss: .sparseCategoricalCrossEntropy)
public final class Sequential {
    /// Per-sample input shape, channels last: [rows, cols, 1].
    public let inputShape: [Int]
    public private(set) var layers: [any Layer] = []
    /// Per-sample output shape after each layer.
    public private(set) var layerOutputShapes: [[Int]] = []
    private var nameCounters: [String: Int] = [:]
    private var initRNG: RNG

    public private(set) var loss: Loss = .sparseCategoricalCrossEntropy
    public private(set) var optimizerConfig: OptimizerConfig = .adamDefault
    /// L2 strength λ: adds λ/(2m)·ΣW² over kernels (m = samples the loss is averaged over).
    public private(set) var l2: Float = 0
    public private(set) var isCompiled = false
    /// The minibatch optimizer and its state (nil until compiled, or for L-BFGS).
    public internal(set) var optimizer: (any Optimizer)?
    /// The full-batch optimizer and its state when compiled with `.lbfgs`.
    public internal(set) var lbfgs: LBFGS?
    /// Everything `fit` recorded; settable so a saved session can be restored.
    public var history = History()

    public init(inputShape: [Int] = [28, 28, 1], seed: UInt64 = 0) {
        self.inputShape = inputShape
        initRNG = RNG(seed: seed)
    }

    /// Per-sample output shape of the whole model.
    public var outputShape: [Int] { layerOutputShapes.last ?? inputShape }

    /// Bytes one sample's activations take in training, roughly: every layer's output, its
    /// gradient and one scratch copy, float32 (a conv's patches are made a chunk at a time).
    public var activationBytesPerSample: Int { Self.activationBytes([inputShape] + layerOutputShapes) }

    private static func activationBytes(_ shapes: [[Int]]) -> Int {
        shapes.reduce(0) { $0 + $1.reduce(1, *) } * 3 * MemoryLayout<Float>.size
    }

    /// The largest batch whose activations fit in `Limits.maxActivationBytes`.
    public var maxBatchSize: Int { Limits.maxActivationBytes / max(1, activationBytesPerSample) }

    /// Checks that `layer` fits the current output shape and that its parameters and one sample's
    /// activations fit in memory (`Limits.maxParameters`, `Limits.maxActivationBytes`), names it ("dense", "dense_1", ...) and initialises its weights. Throws a `ShapeError` naming the layer and the problem.
    public func add(_ layer: any Layer) throws {
        let base = Self.snakeCase(layer.typeName)
        // Skip names already taken: a restored model keeps its saved names (e.g. "dense_2").
        var n = nameCounters[base, default: 0]
        while layers.contains(where: { $0.name == (n == 0 ? base : "\(base)_\(n)") }) { n += 1 }
        layer.name = n == 0 ? base : "\(base)_\(n)"
        let out = try layer.outputShape(for: outputShape)
        if let problem = Limits.memoryProblem(adding: layer, input: outputShape, to: parameterCount) {
            throw ShapeError(layer: layer.name, reason: problem)
        }
        let perSample = Self.activationBytes([inputShape] + layerOutputShapes + [out])
        guard perSample <= Limits.maxActivationBytes else {
            throw ShapeError(layer: layer.name, reason: "with its output of \(ShapeFormat.plain(out)), one image's activations would need "
                + "\(perSample / 1_000_000) MB in training; at most \(Limits.maxActivationBytes / 1_000_000) MB fit in this machine's memory")
        }
        try layer.build(inputShape: outputShape, rng: &initRNG)
        nameCounters[base] = n + 1
        layers.append(layer)
        layerOutputShapes.append(out)
        structureChanged()
    }

    /// Removes and returns the last layer (nil when empty).
    @discardableResult
    public func pop() -> (any Layer)? {
        guard let last = layers.popLast() else { return nil }
        layerOutputShapes.removeLast()
        structureChanged()
        return last
    }

    /// Re-initialises every layer's weights from `rng` (a fresh start; history is cleared).
    public func build(rng: inout RNG) throws {
        var shape = inputShape
        for layer in layers {
            try layer.build(inputShape: shape, rng: &rng)
            shape = try layer.outputShape(for: shape)
        }
        history = History()
        structureChanged()
    }

    /// Chooses optimizer, loss and L2 strength; resets optimizer state (not weights or history).
    public func compile(optimizer: OptimizerConfig, loss: Loss, l2: Float = 0) {
        optimizerConfig = optimizer
        self.loss = loss
        self.l2 = l2
        isCompiled = true
        resetOptimizer()
    }

    /// Fresh optimizer state for the current configuration.
    public func resetOptimizer() {
        optimizer = optimizerConfig.makeOptimizer()
        if case .lbfgs(let m) = optimizerConfig { lbfgs = LBFGS(historySize: m) } else { lbfgs = nil }
    }

    /// One row per layer for a Keras-style summary table.
    public var summaryRows: [(name: String, type: String, outputShape: String, params: Int)] {
        zip(layers, layerOutputShapes).map { layer, shape in
            (layer.name, layer.typeName, ShapeFormat.batched(shape), layer.parameters.reduce(0) { $0 + $1.value.count })
        }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// All trainable parameters in a stable order (layer by layer, kernel before bias).
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Full names ("dense.kernel", ...) matching `parameters`.
    public var parameterNames: [String] {
        layers.flatMap { layer in layer.parameters.map { "\(layer.name).\($0.name)" } }
    }

    /// Weights by full name ("dense.kernel", "dense.bias", ...), in `parameters` order.
    public var weights: [(name: String, tensor: Tensor)] {
        Array(zip(parameterNames, parameters.map(\.value)))
    }

    /// Replaces every weight tensor; all names must be present with the right shapes.
    public func loadWeights(_ named: [(name: String, tensor: Tensor)]) throws {
        let byName = Dictionary(named.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let params = parameters
        for (name, p) in zip(parameterNames, params) {
            guard let t = byName[name] else { throw ShapeError(layer: name, reason: "no saved weights for this parameter") }
            guard t.shape == p.value.shape else {
                throw ShapeError(layer: name, reason: "saved weights have shape \(ShapeFormat.plain(t.shape)) but the layer needs \(ShapeFormat.plain(p.value.shape))")
            }
        }
        for (name, p) in zip(parameterNames, params) { p.value = byName[name]! }
        optimizer?.discardCheckpoint()
    }

    /// Optimizer state for saving (minibatch optimizers or L-BFGS), nil before compile.
    public func optimizerState() -> OptimizerState? {
        if let optimizer { return optimizer.state(parameters: parameters, parameterNames: parameterNames) }
        return lbfgs?.state
    }

    /// Restores optimizer state saved by `optimizerState()` (compile with the same optimizer first).
    public func loadOptimizerState(_ state: OptimizerState) throws {
        if let optimizer {
            try optimizer.load(state, parameters: parameters, parameterNames: parameterNames)
        } else if let lbfgs {
            try lbfgs.load(state, at: flatParameters())
        } else {
            throw OptimizerStateError(description: "the model is not compiled; compile it before loading optimizer state")
        }
    }

    /// Runs the batch `x` ([N] + inputShape) through every layer.
    public func forward(_ x: Tensor, training: Bool, rng: inout RNG) -> Tensor {
        var h = x
        for layer in layers { h = layer.forward(h, training: training, rng: &rng) }
        return h
    }

    /// Back-propagates `dy` (the loss gradient for the last forward) down to the first trainable
    /// layer, leaving every parameter's `grad` set. With `fused`, `dy` is already the gradient with
    /// respect to the last layer's pre-activation (softmax + cross-entropy, sigmoid + BCE).
    public func backward(_ dy: Tensor, fused: Bool) {
        guard let first = layers.firstIndex(where: { !$0.parameters.isEmpty }) else { return }
        if let last = layers.last as? any OutputActivationLayer { last.skipsActivationGradient = fused }
        var g = dy
        for i in stride(from: layers.count - 1, through: first, by: -1) {
            g = layers[i].backward(g)
        }
    }

    /// True when the loss's gradient can skip the last layer's activation derivative.
    var lossIsFused: Bool {
        loss.fuses(with: (layers.last as? any OutputActivationLayer)?.outputActivation)
    }

    /// Parameters as one flat Double vector (for L-BFGS and checks).
    public func flatParameters() -> [Double] {
        parameters.flatMap { $0.value.data.map(Double.init) }
    }

    /// Sets all parameters from a flat vector laid out like `flatParameters()`.
    public func setFlatParameters(_ x: [Double]) {
        optimizer?.discardCheckpoint()
        var o = 0
        for p in parameters {
            let n = p.value.count
            p.value.data.withUnsafeMutableBufferPointer { w in
                for j in 0..<n { w[j] = Float(x[o + j]) }
            }
            o += n
        }
    }

    private func structureChanged() {
        // The first trainable layer needs no input gradient: nothing below it learns.
        var seenTrainable = false
        for layer in layers {
            if let l = layer as? any InputGradientOptional { l.needsInputGradient = seenTrainable }
            if !layer.parameters.isEmpty { seenTrainable = true }
        }
        // A conv followed by a pool pools its own output while it is in cache, and applies the mask
        // of a dropout right after the pool (ConvPoolFusion.swift).
        for case let conv as Conv2D in layers { conv.unlinkPool() }
        for (i, layer) in layers.enumerated() {
            guard let conv = layer as? Conv2D, i + 1 < layers.count, let pool = layers[i + 1] as? MaxPool2D else { continue }
            conv.link(pool)
            if i + 2 < layers.count, let dropout = layers[i + 2] as? Dropout { conv.link(dropout) }
        }
        resetOptimizer()
    }

    /// "Dense" → "dense", "Conv2D" → "conv2d", "MaxPooling2D" → "max_pooling2d".
    static func snakeCase(_ s: String) -> String {
        var out = ""
        var prev: Character?
        for c in s {
            if c.isUppercase, let p = prev, p.isLowercase { out.append("_") }
            out.append(Character(c.lowercased()))
            prev = c
        }
        return out
    }
}
