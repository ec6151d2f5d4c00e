import Foundation
import NeuralNet
import TextGraphics

/// `model`, `add`, `pop`, `summary`, `compile`: building a network in Keras's vocabulary.
enum ModelCommands {
    static var all: [CommandSpec] { [model, add, pop, summary, compile] }

    static let model = CommandSpec(
        name: "model", group: .model, summary: "Start a new model, or build a classic recipe",
        usage: "new | preset NAME | presets",
        details: """
            'model new' starts an empty Sequential model for the loaded images (28x28x1 by default); add layers with 'add'.
            'model preset NAME' builds and compiles one of the classic MNIST recipes with its own initialisers, loss,
            optimizer, input scaling and batch size; 'model presets' lists them. 'model' alone describes the current model.
            """,
        example: "model new\nmodel preset colab-mlp\nmodel presets",
        completions: { _ in ["new", "preset", "presets"] + Preset.all.map(\.name) }
    ) { ctx in
        let words = ctx.args.positional
        let session = ctx.session
        switch words.first {
        case nil:
            let m = try session.requireModel()
            ctx.console.print(oneLine(m) + (session.preset.map { "  (preset \($0.name))" } ?? ""))
        case "new":
            guard words.count == 1 else { throw ShellError("'model new' takes no arguments") }
            session.model = Sequential(inputShape: inputShape(session), seed: session.seed)
            session.preset = nil
            session.hasUnsavedChanges = true
            ctx.console.print("new model for \(ShapeFormat.plain(inputShape(session))) inputs; add layers with 'add', e.g. 'add flatten'")
        case "presets":
            ctx.console.print(presetTable())
        case "preset":
            guard words.count == 2 else { throw ShellError("usage: model preset NAME", hint: "names: " + Preset.all.map(\.name).joined(separator: ", ")) }
            guard let preset = Preset.named(words[1]) else {
                throw ShellError("no preset named '\(words[1])'",
                                 hint: nearest(to: words[1], in: Preset.all.map(\.name)).map { "did you mean '\($0)'?" } ?? "'model presets' lists them")
            }
            let built = try preset.makeModel(inputShape: inputShape(session), seed: session.seed)
            session.model = built
            session.preset = preset
            session.rng = RNG(seed: session.seed)
            session.hasUnsavedChanges = true
            ctx.console.print("""
                \(preset.name): \(preset.summary)
                \(oneLine(built)); \(built.parameterCount.grouped) parameters
                compiled: \(preset.optimizer), loss \(preset.loss)\(preset.l2 > 0 ? ", L2 \(preset.l2)" : ""); inputs \(preset.transform); batch \(preset.batchSize), \(preset.epochs) \(preset.optimizer.isFullBatch ? "iterations" : "epochs") by default
                reported: \(preset.reported)
                """)
        default:
            throw ShellError("unknown model action '\(words[0])'", hint: "use 'model new', 'model preset NAME' or 'model presets'")
        }
    }

    static func inputShape(_ session: LiveSession) -> [Int] {
        guard let d = session.dataset else { return [28, 28, 1] }
        return [d.train.rows, d.train.cols, 1]
    }

    /// "Flatten → Dense(512, relu) → Dense(10, softmax)".
    static func oneLine(_ model: Sequential) -> String {
        guard !model.layers.isEmpty else { return "empty model" }
        return model.layers.map { "\($0.typeName)(\($0.configDescription))" }.joined(separator: " → ")
    }

    static func presetTable() -> String {
        TableRenderer.plain(
            headers: ["preset", "recipe", "reported"],
            rows: Preset.all.map { [$0.name, $0.summary, $0.reported] }, alignRight: [])
    }

    static let add = CommandSpec(
        name: "add", group: .model, summary: "Append a layer to the model",
        usage: "flatten | dense UNITS | conv2d FILTERS KERNEL | maxpool [SIZE] | dropout RATE | relu | sigmoid | tanh | softmax",
        details: """
            Shapes are checked as the layer is added. Dense and Conv2D take --activation relu|sigmoid|tanh|softmax
            (Conv2D: not softmax) and --init; Conv2D also --padding valid|same and --strides.
            Initialisers: glorot-uniform (default), glorot-normal, he-uniform, he-normal, lecun-uniform,
            lecun-normal, normal:STD, uniform:LIMIT, zeros.
            """,
        options: [
            .value("activation", "NAME", "relu, sigmoid, tanh or softmax (default: none)"),
            .value("init", "NAME", "kernel initialiser (default glorot-uniform)"),
            .flag("no-bias", "Dense/Conv2D without a bias"),
            .value("padding", "MODE", "Conv2D: valid (default) or same"),
            .value("strides", "N", "Conv2D: step between windows (default 1)"),
        ],
        example: "add flatten\nadd dense 512 --activation relu\nadd conv2d 32 5 --activation relu --padding same\nadd maxpool 2\nadd dropout 0.2",
        completions: { _ in ["flatten", "dense", "conv2d", "maxpool", "dropout", "relu", "sigmoid", "tanh", "softmax"] }
    ) { ctx in
        let session = ctx.session
        if session.model == nil {
            session.model = Sequential(inputShape: inputShape(session), seed: session.seed)
            session.preset = nil
            ctx.console.printError("note: started a new model for \(ShapeFormat.plain(inputShape(session))) inputs")
        }
        let model = session.model!
        let layer = try makeLayer(ctx.args)
        try model.add(layer)
        session.hasUnsavedChanges = true
        let params = layer.parameters.reduce(0) { $0 + $1.value.count }
        ctx.console.print("added \(layer.name): \(layer.typeName)(\(layer.configDescription)) → \(ShapeFormat.batched(model.outputShape)), \(params.grouped) params")
        if model.isCompiled {
            ctx.console.printError("note: the optimizer state was reset because the model changed; training continues from the current weights")
        }
    }

    static func makeLayer(_ args: ParsedArguments) throws -> any Layer {
        let words = args.positional
        guard let kind = words.first?.lowercased() else {
            throw ShellError("which layer? e.g. 'add dense 128 --activation relu'", hint: "help add lists them")
        }
        func number(_ i: Int, _ what: String, _ range: ClosedRange<Int>) throws -> Int {
            guard words.count > i else { throw ShellError("add \(kind) needs \(what)") }
            guard let n = Int(words[i]), range.contains(n) else {
                throw ShellError("\(what) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(words[i])'")
            }
            return n
        }
        func expectArguments(_ n: Int) throws {
            guard words.count <= n + 1 else {
                throw ShellError("too many arguments for 'add \(kind)': \(words.dropFirst(n + 1).joined(separator: " "))")
            }
        }
        let activation = try args.value("activation").map(parseActivation)
        let kernelInit = try args.value("init").map(parseInitializer) ?? .glorotUniform
        switch kind {
        case "flatten":
            try expectArguments(0)
            return Flatten()
        case "dense":
            let units = try number(1, "a number of units", Limits.units)
            try expectArguments(1)
            return Dense(units, activation: activation, useBias: !args.has("no-bias"), kernelInitializer: kernelInit)
        case "conv2d", "conv":
            let filters = try number(1, "a number of filters", Limits.filters)
            let kernel = try number(2, "a kernel size", Limits.kernelSize)
            try expectArguments(2)
            if activation == .softmax { throw ShellError("Conv2D cannot use softmax; add a dense softmax layer at the end instead") }
            let padding: Padding
            switch args.value("padding") ?? "valid" {
            case "valid": padding = .valid
            case "same": padding = .same
            case let other: throw ShellError("--padding must be 'valid' or 'same', got '\(other)'")
            }
            let strides = try args.int("strides", default: 1, in: Limits.strides)
            return Conv2D(filters: filters, kernelSize: kernel, strides: strides, padding: padding,
                          activation: activation, useBias: !args.has("no-bias"), kernelInitializer: kernelInit)
        case "maxpool", "maxpooling2d", "pool":
            let size = words.count > 1 ? try number(1, "a pool size", Limits.poolSize) : 2
            try expectArguments(1)
            return MaxPool2D(poolSize: size)
        case "dropout":
            guard words.count > 1, let rate = Double(words[1]), Limits.dropoutRate.contains(rate) else {
                throw ShellError("add dropout needs a rate in [0, 1), e.g. 'add dropout 0.2'")
            }
            try expectArguments(1)
            return Dropout(rate: rate)
        default:
            if let a = Activation(rawValue: kind) {
                try expectArguments(0)
                return ActivationLayer(a)
            }
            let kinds = ["flatten", "dense", "conv2d", "maxpool", "dropout", "relu", "sigmoid", "tanh", "softmax"]
            throw ShellError("unknown layer '\(kind)'", hint: nearest(to: kind, in: kinds).map { "did you mean '\($0)'?" } ?? "layers: " + kinds.joined(separator: ", "))
        }
    }

    static func parseActivation(_ name: String) throws -> Activation {
        guard let a = Activation(rawValue: name.lowercased()) else {
            throw ShellError("unknown activation '\(name)'; use relu, sigmoid, tanh or softmax")
        }
        return a
    }

    static func parseInitializer(_ text: String) throws -> Initializer {
        let parts = text.lowercased().replacingOccurrences(of: "_", with: "-").split(separator: ":", maxSplits: 1).map(String.init)
        let named: [String: Initializer] = [
            "glorot-uniform": .glorotUniform, "glorot-normal": .glorotNormal, "he-uniform": .heUniform,
            "he-normal": .heNormal, "lecun-uniform": .lecunUniform, "lecun-normal": .lecunNormal, "zeros": .zeros,
        ]
        if parts.count == 1, let i = named[parts[0]] { return i }
        if parts.count == 2, parts[0] == "normal" || parts[0] == "uniform" {
            let scale = parts[0] == "normal" ? "standard deviation" : "limit"
            guard let x = Float(parts[1]), x > 0, x.isFinite else {
                throw ShellError("initialiser '\(text)': the \(scale) must be a positive number, got '\(parts[1])'",
                                 hint: "e.g. \(parts[0]):\(parts[0] == "normal" ? "0.01" : "0.15")")
            }
            return parts[0] == "normal" ? .normal(std: x) : .uniform(limit: x)
        }
        throw ShellError("unknown initialiser '\(text)'",
                         hint: "use glorot-uniform, glorot-normal, he-uniform, he-normal, lecun-uniform, lecun-normal, normal:STD, uniform:LIMIT or zeros")
    }

    static let pop = CommandSpec(
        name: "pop", group: .model, summary: "Remove the model's last layer",
        example: "pop"
    ) { ctx in
        let model = try ctx.session.requireModel()
        guard let removed = model.pop() else { throw ShellError("the model has no layers to remove") }
        ctx.session.hasUnsavedChanges = true
        ctx.console.print("removed \(removed.name): \(removed.typeName)(\(removed.configDescription)); output now \(ShapeFormat.batched(model.outputShape))")
    }

    static let summary = CommandSpec(
        name: "summary", group: .model, summary: "The model's layers, output shapes and parameter counts (like Keras)",
        example: "summary"
    ) { ctx in
        let model = try ctx.session.requireModel()
        ctx.console.print(summaryText(model, session: ctx.session))
    }

    static func summaryText(_ model: Sequential, session: LiveSession) -> String {
        let rows = model.summaryRows.map { ["\($0.name) (\($0.type))", $0.outputShape, $0.params.grouped] }
        let total = model.parameterCount
        var lines = ["Model: \"sequential\"" + (session.preset.map { " (preset \($0.name))" } ?? "")]
        lines.append(TableRenderer.box(headers: ["Layer (type)", "Output Shape", "Param #"], rows: rows, alignRight: [2]))
        lines.append(" Total params: \(total.grouped) (\(ProgressBar.formatBytes(total * 4)))")
        lines.append(" Trainable params: \(total.grouped) (\(ProgressBar.formatBytes(total * 4)))")
        lines.append(" Non-trainable params: 0 (\(ProgressBar.formatBytes(0)))")
        if model.isCompiled {
            lines.append(" Compiled: \(model.optimizerConfig), loss \(model.loss)\(model.l2 > 0 ? ", L2 \(model.l2)" : ""); inputs \(session.inputTransform)")
        } else {
            lines.append(" Not compiled yet: 'compile --optimizer adam --loss crossentropy'")
        }
        return lines.joined(separator: "\n")
    }

    static let compile = CommandSpec(
        name: "compile", group: .model, summary: "Choose the optimizer, learning rate and loss",
        details: """
            Keras's defaults: Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7), sparse categorical
            cross-entropy. Losses: crossentropy (softmax outputs, integer labels), bce (sigmoid outputs against one-hot
            targets, summed over classes), mse (½ squared error against --targets OFF,ON, default 0,1).
            lbfgs trains full-batch: each 'train' iteration is one L-BFGS step. Optimizer state is reset; weights are kept.
            """,
        options: [
            .value("optimizer", "NAME", "adam (default), sgd, momentum or lbfgs"),
            .value("lr", "X", "learning rate (adam 0.001, sgd/momentum 0.01)"),
            .value("loss", "NAME", "crossentropy (default), bce or mse"),
            .value("l2", "LAMBDA", "L2 penalty λ/(2m)·ΣW² on kernels (default 0)"),
            .value("momentum", "M", "momentum: the momentum factor (default 0.9)"),
            .value("history", "M", "lbfgs: correction pairs kept (default 10)"),
            .value("targets", "OFF,ON", "mse: target values (default 0,1)"),
        ],
        example: "compile --optimizer adam --loss crossentropy\ncompile --optimizer sgd --lr 0.1\ncompile --optimizer lbfgs --loss bce --l2 0.1",
        completions: { _ in [] }
    ) { ctx in
        let model = try ctx.session.requireModel()
        let args = ctx.args
        // An option of another optimizer or loss is a mistake to report, not to ignore.
        let optimizerName = args.value("optimizer") ?? "adam", lossName = args.value("loss") ?? "crossentropy"
        let lbfgs = ["lbfgs", "l-bfgs"].contains(optimizerName)
        for (option, owner, applies) in [
            ("momentum", "--optimizer momentum", optimizerName == "momentum"),
            ("history", "--optimizer lbfgs", lbfgs),
            ("lr", "adam, sgd and momentum (L-BFGS searches its own step)", !lbfgs),
            ("targets", "--loss mse", lossName == "mse"),
        ] where args.value(option) != nil && !applies {
            throw ShellError("--\(option) applies to \(owner), not to this compile")
        }
        let optimizer: OptimizerConfig
        switch optimizerName {
        case "adam":
            optimizer = .adam(learningRate: Float(try args.double("lr", default: 1e-3, in: Limits.learningRate)), beta1: 0.9, beta2: 0.999, epsilon: 1e-7)
        case "sgd":
            optimizer = .sgd(learningRate: Float(try args.double("lr", default: 0.01, in: Limits.learningRate)))
        case "momentum":
            optimizer = .momentum(learningRate: Float(try args.double("lr", default: 0.01, in: Limits.learningRate)),
                                  momentum: Float(try args.double("momentum", default: 0.9, in: Limits.momentum)), nesterov: false)
        case "lbfgs", "l-bfgs":
            optimizer = .lbfgs(history: try args.int("history", default: 10, in: Limits.lbfgsHistory))
        case let other:
            throw ShellError("unknown optimizer '\(other)'; use adam, sgd, momentum or lbfgs")
        }
        let loss: Loss
        switch lossName {
        case "crossentropy", "sparse_categorical_crossentropy", "ce": loss = .sparseCategoricalCrossEntropy
        case "bce", "binary_crossentropy": loss = .binaryCrossEntropy
        case "mse":
            let targets = (args.value("targets") ?? "0,1").split(separator: ",").compactMap { Float($0) }
            guard targets.count == 2 else { throw ShellError("--targets needs two numbers OFF,ON, e.g. 0.01,0.99") }
            loss = .meanSquaredError(off: targets[0], on: targets[1])
            if let problem = Limits.problem(with: loss) { throw ShellError("--targets: \(problem)") }
        case let other:
            throw ShellError("unknown loss '\(other)'; use crossentropy, bce or mse")
        }
        let l2 = Float(try args.double("l2", default: 0, in: Limits.l2))
        model.compile(optimizer: optimizer, loss: loss, l2: l2)
        ctx.session.hasUnsavedChanges = true
        ctx.console.print("compiled: \(optimizer), loss \(loss)\(l2 > 0 ? ", L2 \(l2)" : "")")
        if let last = model.layers.last as? Dense, loss == .sparseCategoricalCrossEntropy, last.activation != .softmax {
            ctx.console.printError("note: cross-entropy expects probabilities; end the model with 'add dense 10 --activation softmax'")
        }
    }
}
