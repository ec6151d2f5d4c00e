import NeuralNet

extension ModelSpec {
    /// The architecture of `model`: its layers' configuration and its parameters' names and shapes.
    ///
    /// - Throws: `SessionError` for a layer type sessions cannot describe yet.
    public init(model: Sequential) throws {
        self.init(inputShape: model.inputShape,
                  layers: try model.layers.map(LayerSpec.init(layer:)),
                  parameters: model.weights.map { ParameterSpec(name: $0.name, shape: $0.tensor.shape) })
    }

    /// A new model with this architecture (fresh weights from `seed`), its layers named as saved.
    ///
    /// - Throws: `SessionError` naming the layer when a type is unknown, an option is invalid or
    ///   outside what `add` accepts (`Limits`), the parameters would not fit in memory, or the built
    ///   parameters differ from the recorded ones. Nothing large is allocated before the checks.
    public func makeModel(seed: UInt64 = 0, file: String = "manifest.json") throws -> Sequential {
        guard inputShape.count == 3, inputShape.allSatisfy(Limits.inputDimension.contains) else {
            throw SessionError(file: file, problem: "input_shape \(inputShape) must be [rows, cols, channels], each in \(Limits.inputDimension)",
                               hint: "the manifest was edited or written by a different version")
        }
        let model = Sequential(inputShape: inputShape, seed: seed)
        for spec in layers {
            let layer = try spec.makeLayer(file: file)
            if let problem = Limits.problem(with: layer) { throw SessionError(file: file, problem: "layer \(spec.name) (\(spec.type)): \(problem)") }
            do { try model.add(layer) } catch {
                throw SessionError(file: file, problem: "layer \(spec.name) (\(spec.type)) does not fit: \(error)")
            }
            layer.name = spec.name
        }
        let built = model.weights.map { ParameterSpec(name: $0.name, shape: $0.tensor.shape) }
        if built != parameters {
            let problems = WeightsCheck.problems(built.map { NamedArray(name: $0.name, shape: $0.shape, values: .float32(Array(repeating: 0, count: $0.shape.reduce(1, *)))) },
                                                 against: parameters)
            throw SessionError(file: file, problem: "the architecture builds different parameters than recorded: \(problems.joined(separator: "; "))",
                               hint: "the manifest was edited or written by a different version")
        }
        return model
    }
}

extension LayerSpec {
    /// Describes an engine layer.
    public init(layer: any Layer) throws {
        switch layer {
        case let dense as Dense:
            self.init(type: "Dense", name: dense.name, units: dense.units, activation: dense.activation?.rawValue,
                      useBias: dense.useBias, kernelInitializer: dense.kernelInitializer.description,
                      biasInitializer: dense.biasInitializer.description)
        case let conv as Conv2D:
            self.init(type: "Conv2D", name: conv.name, filters: conv.filters, kernelSize: [conv.kernelSize, conv.kernelSize],
                      strides: [conv.strides, conv.strides], padding: conv.padding.rawValue, activation: conv.activation?.rawValue,
                      useBias: conv.useBias, kernelInitializer: conv.kernelInitializer.description)
        case let pool as MaxPool2D:
            self.init(type: "MaxPooling2D", name: pool.name, strides: [pool.strides, pool.strides], poolSize: [pool.poolSize, pool.poolSize])
        case let dropout as Dropout:
            self.init(type: "Dropout", name: dropout.name, rate: dropout.rate)
        case let activation as ActivationLayer:
            self.init(type: "Activation", name: activation.name, activation: activation.activation.rawValue)
        case is Flatten:
            self.init(type: "Flatten", name: layer.name)
        default:
            throw SessionError(file: layer.name, problem: "layer type \(layer.typeName) cannot be saved in a session yet")
        }
    }

    /// The engine layer this spec describes (unbuilt).
    func makeLayer(file: String) throws -> any Layer {
        func fail(_ problem: String) -> SessionError {
            SessionError(file: file, problem: "layer \(name) (\(type)): \(problem)")
        }
        func activationValue() throws -> Activation? {
            guard let activation, activation != "linear" else { return nil }
            guard let a = Activation(rawValue: activation) else {
                throw fail("unknown activation '\(activation)' (known: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return a
        }
        switch type {
        case "Dense":
            guard let units, units > 0 else { throw fail("missing or invalid 'units'") }
            let kernel = try kernelInitializer.map { try Initializer(parsing: $0, or: fail) } ?? .glorotUniform
            let bias = try biasInitializer.map { try Initializer(parsing: $0, or: fail) } ?? .zeros
            return Dense(units, activation: try activationValue(), useBias: useBias ?? true,
                         kernelInitializer: kernel, biasInitializer: bias)
        case "Conv2D":
            guard let filters, filters > 0 else { throw fail("missing or invalid 'filters'") }
            guard let k = kernelSize?.first, kernelSize!.allSatisfy({ $0 == k }), k > 0 else { throw fail("'kernel_size' must be square and positive, e.g. [5, 5]") }
            if activation == "softmax" { throw fail("softmax is not an element-wise activation for Conv2D") }
            let stride = strides?.first ?? 1
            guard stride > 0, (strides ?? [1]).allSatisfy({ $0 == stride }) else { throw fail("'strides' must be equal and positive") }
            guard let pad = Padding(rawValue: padding ?? "valid") else { throw fail("unknown padding '\(padding ?? "")' (valid or same)") }
            let kernel = try kernelInitializer.map { try Initializer(parsing: $0, or: fail) } ?? .glorotUniform
            return Conv2D(filters: filters, kernelSize: k, strides: stride, padding: pad, activation: try activationValue(),
                          useBias: useBias ?? true, kernelInitializer: kernel)
        case "MaxPooling2D":
            guard let p = poolSize?.first, poolSize!.allSatisfy({ $0 == p }), p > 0 else { throw fail("'pool_size' must be square and positive, e.g. [2, 2]") }
            let stride = strides?.first ?? p
            guard stride > 0 else { throw fail("'strides' must be positive") }
            return MaxPool2D(poolSize: p, strides: stride)
        case "Dropout":
            guard let rate, rate >= 0, rate < 1 else { throw fail("'rate' must be in [0, 1)") }
            return Dropout(rate: rate)
        case "Activation":
            guard let a = try activationValue() else { throw fail("missing 'activation'") }
            return ActivationLayer(a)
        case "Flatten":
            return Flatten()
        default:
            throw fail("unknown layer type (this build restores Dense, Conv2D, MaxPooling2D, Dropout, Activation, Flatten)")
        }
    }
}

extension Initializer {
    /// Parses the engine's own `description`: "glorot_uniform", "normal(std=0.01)", "uniform(±0.15)", "zeros", ...
    init(parsing text: String, or fail: (String) -> SessionError) throws {
        let named: [String: Initializer] = [
            "glorot_uniform": .glorotUniform, "glorot_normal": .glorotNormal, "he_uniform": .heUniform,
            "he_normal": .heNormal, "lecun_uniform": .lecunUniform, "lecun_normal": .lecunNormal, "zeros": .zeros,
        ]
        if let i = named[text] {
            self = i
        } else if text.hasPrefix("normal(std="), text.hasSuffix(")"), let std = Float(text.dropFirst(11).dropLast()) {
            self = .normal(std: std)
        } else if text.hasPrefix("uniform(±"), text.hasSuffix(")"), let limit = Float(text.dropFirst(9).dropLast()) {
            self = .uniform(limit: limit)
        } else {
            throw fail("unknown initializer '\(text)'")
        }
    }
}
