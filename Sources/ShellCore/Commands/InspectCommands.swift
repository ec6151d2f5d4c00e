import Foundation
import MNISTData
import NeuralNet
import TextGraphics

/// `predict`, `confusion`, `report`, `mistakes`, `plot`, `weights`: what the model learned.
enum InspectCommands {
    static var all: [CommandSpec] { [predict, confusion, report, mistakes, plot, weights] }

    static let predict = CommandSpec(
        name: "predict", group: .inspect, summary: "Predict chosen images (or an image file) and show why",
        usage: "INDICES | FILE",
        details: """
            Each image is drawn beside the predicted class, its confidence, a bar chart of the class probabilities and the
            true label. A FILE (PNG, JPEG or PGM, any size, dark-on-light or light-on-dark) is preprocessed like MNIST:
            cropped to the ink, scaled into 20x20 and centred by mass in 28x28.
            """,
        options: [ExploreCommands.testFlag, ExploreCommands.asciiFlag],
        example: "predict 0 5 42 --test\npredict my-digit.png",
        completesPaths: true
    ) { ctx in
        let session = ctx.session
        let model = try session.requireModel()
        let style = ExploreCommands.digitStyle(ctx)
        let asPercent = outputsAreProbabilities(model)
        if let path = ctx.args.positional.first, ctx.args.positional.count == 1, Int(path.split(separator: "-").first ?? "") == nil {
            let image = try loadImageFile(expandTilde(path))
            let probabilities = try probabilitiesFor(model, pixels: image, count: 1, shape: [28, 28, 1], session: session)
            ctx.console.print(panel(image: image, side: 28, probabilities: probabilities, title: path, truth: nil, style: style,
                                    asPercent: asPercent, session: session, color: ctx.console.capabilities.color))
            return
        }
        let (setName, set) = try session.split(test: ctx.args.has("test"))
        let indices = try IndexList.parse(ctx.args.positional, count: set.count, setName: setName)
        guard indices.count <= 100 else { throw ShellError("predict shows at most 100 images at a time; got \(indices.count)") }
        var pixels: [UInt8] = []
        for i in indices { pixels += set.image(i) }
        let probabilities = try probabilitiesFor(
            model, pixels: pixels, count: indices.count, shape: [set.rows, set.cols, 1], session: session)
        let classes = probabilities.count / indices.count
        var panels: [String] = []
        for (k, i) in indices.enumerated() {
            let p = Array(probabilities[(k * classes)..<((k + 1) * classes)])
            panels.append(panel(image: Array(set.image(i)), side: set.cols, probabilities: p, title: "\(setName) image \(i)",
                                truth: Int(set.labels[i]), style: style, asPercent: asPercent, session: session,
                                color: ctx.console.capabilities.color))
        }
        ctx.console.print(panels.joined(separator: "\n\n"))
    }

    static func loadImageFile(_ path: String) throws -> [UInt8] {
        let image = try DigitImage.read(path: path)
        return try DigitImage.preprocess(width: image.width, height: image.height, gray: image.gray, source: path)
    }

    static func probabilitiesFor(_ model: Sequential, pixels: [UInt8], count: Int, shape: [Int], session: LiveSession) throws -> [Float] {
        do {
            return try model.predict(pixels: pixels, count: count, sampleShape: shape, transform: session.inputTransform).data
        } catch {
            throw ShellError(String(describing: error))
        }
    }

    static func className(_ c: Int, _ session: LiveSession) -> String {
        guard let names = session.dataset?.classNames, names.indices.contains(c), names[c] != String(c) else { return String(c) }
        return "\(c) \(names[c])"
    }

    /// Whether the model's outputs are probabilities (a softmax or sigmoid last), shown as percentages;
    /// a linear output gives scores, which a percentage would misrepresent (-25381.4 %).
    static func outputsAreProbabilities(_ model: Sequential) -> Bool {
        guard let last = model.layers.last as? any OutputActivationLayer else { return false }
        return last.outputActivation == .softmax || last.outputActivation == .sigmoid
    }

    /// The image on the left; prediction, confidence (or score), truth and the output bars on the right.
    static func panel(image: [UInt8], side: Int, probabilities: [Float], title: String, truth: Int?, style: DigitStyle,
                      asPercent: Bool, session: LiveSession, color: ColorMode) -> String {
        let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        let art = DigitArt.render(image, width: side, height: image.count / max(side, 1), style: style).joined(separator: "\n")
        let best = Double(probabilities[predicted])
        let confidence = asPercent ? String(format: "%.1f %%", best * 100) : String(format: "score %.3g", best)
        var right = [title, "predicted: \(className(predicted, session))  (\(confidence))"]
        if let truth {
            right.append("true label: \(className(truth, session))  " + (truth == predicted ? "✓ correct" : "✗ wrong"))
        }
        right.append("")
        right.append(BarChart.render(labels: probabilities.indices.map { className($0, session) }, values: probabilities.map(Double.init),
                                     width: 30, valueFormat: { asPercent ? String(format: "%5.1f%%", $0 * 100) : String(format: "%8.3g", $0) },
                                     highlight: predicted, color: color))
        return DigitArt.sideBySide(art, right.joined(separator: "\n"), gap: 3)
    }

    static let confusion = CommandSpec(
        name: "confusion", group: .inspect, summary: "The 10x10 confusion matrix (rows: true, columns: predicted)",
        options: [.flag("train", "on the training set instead of the test set")],
        example: "confusion"
    ) { ctx in
        let (matrix, setName) = try confusionMatrix(ctx)
        let classes = matrix.count
        let headers = ["true \\ pred"] + (0..<classes).map(String.init)
        let rows = (0..<classes).map { r in [className(r, ctx.session)] + matrix[r].map { $0.grouped } }
        let correct = (0..<classes).reduce(0) { $0 + matrix[$1][$1] }, total = matrix.joined().reduce(0, +)
        ctx.console.print("Confusion matrix on the \(setName) set (\(total.grouped) images, \(correct.grouped) correct)")
        ctx.console.print(TableRenderer.plain(headers: headers, rows: rows, alignRight: Set(1...classes)))
    }

    static func confusionMatrix(_ ctx: CommandContext) throws -> ([[Int]], String) {
        let model = try ctx.session.requireModel()
        let onTrain = ctx.args.has("train")
        let data = try ctx.session.trainingData(test: !onTrain)
        do {
            return (try model.confusionMatrix(data: data), onTrain ? "train" : "test")
        } catch {
            throw ShellError(String(describing: error))
        }
    }

    static let report = CommandSpec(
        name: "report", group: .inspect, summary: "Precision, recall, F1 and support per class",
        options: [.flag("train", "on the training set instead of the test set")],
        example: "report"
    ) { ctx in
        let (matrix, setName) = try confusionMatrix(ctx)
        let metrics = ClassMetrics.report(confusion: matrix)
        func f(_ x: Double) -> String { String(format: "%.4f", x) }
        // Output classes that are neither a true label nor a prediction get no row, as in scikit-learn.
        var rows = metrics.filter(\.occurs).map { [className($0.label, ctx.session), f($0.precision), f($0.recall), f($0.f1), $0.support.grouped] }
        let total = metrics.reduce(0) { $0 + $1.support }
        let correct = matrix.indices.reduce(0) { $0 + matrix[$1][$1] }
        let macro = ClassMetrics.macroAverage(metrics)
        rows.append(["", "", "", "", ""])
        rows.append(["accuracy", "", "", f(Double(correct) / Double(max(total, 1))), total.grouped])
        rows.append(["macro avg", f(macro.precision), f(macro.recall), f(macro.f1), total.grouped])
        ctx.console.print("Classification report on the \(setName) set")
        ctx.console.print(TableRenderer.plain(headers: ["class", "precision", "recall", "f1-score", "support"], rows: rows, alignRight: [1, 2, 3, 4]))
    }

    static let mistakes = CommandSpec(
        name: "mistakes", group: .inspect, summary: "Misclassified test images with true and predicted labels",
        usage: "[N]",
        options: [.flag("train", "look in the training set instead"), ExploreCommands.asciiFlag, ExploreCommands.pngOption],
        example: "mistakes 10"
    ) { ctx in
        let session = ctx.session
        let model = try session.requireModel()
        let limit = try ctx.args.positional.first.map { w -> Int in
            guard let n = Int(w), n >= 1, n <= 1000 else { throw ShellError("'\(w)' is not a count (1-1000)") }
            return n
        } ?? 10
        let onTrain = ctx.args.has("train")
        let (setName, set) = try session.split(test: !onTrain)
        let data = try session.trainingData(test: !onTrain)
        let probabilities: Tensor
        do { probabilities = try model.predict(data: data) } catch { throw ShellError(String(describing: error)) }
        let classes = probabilities.rowSize
        var wrong: [(index: Int, predicted: Int)] = []
        var total = 0
        for i in 0..<set.count {
            let row = probabilities.data[(i * classes)..<((i + 1) * classes)]
            let predicted = row.indices.max { row[$0] < row[$1] }! - i * classes
            if predicted != Int(set.labels[i]) {
                total += 1
                if wrong.count < limit { wrong.append((i, predicted)) }
            }
        }
        guard !wrong.isEmpty else {
            ctx.console.print("no mistakes on the \(setName) set")
            return
        }
        ctx.console.print("\(total.grouped) of \(set.count.grouped) \(setName) images are misclassified; the first \(wrong.count):")
        let images = wrong.map { Array(set.image($0.index)) }
        let titles = wrong.map { "#\($0.index): \(set.labels[$0.index])→\($0.predicted)" }
        let style = ExploreCommands.digitStyle(ctx)
        let columns = ExploreCommands.fittingColumns(5, imageWidth: set.cols, style: style, ctx: ctx)
        ctx.console.print(DigitArt.grid(images: images, width: set.cols, height: set.rows, titles: titles, columns: columns, style: style))
        if let png = ctx.args.value("png") {
            try ExploreCommands.writePNG(Figures.digitGrid(images: images, width: set.cols, height: set.rows, titles: titles, columns: 5, scale: 4), to: png, ctx)
        }
    }

    static let plot = CommandSpec(
        name: "plot", group: .inspect, summary: "Learning curves: loss or accuracy per epoch (or per batch)",
        usage: "loss | accuracy",
        options: [.flag("batch", "per batch instead of per epoch"), ExploreCommands.pngOption],
        example: "plot loss\nplot accuracy --png accuracy.png",
        completions: { _ in ["loss", "accuracy"] }
    ) { ctx in
        let model = try ctx.session.requireModel()
        guard let what = ctx.args.positional.first, ["loss", "accuracy"].contains(what), ctx.args.positional.count == 1 else {
            throw ShellError("usage: plot loss | plot accuracy")
        }
        let history = model.history
        var series: [(name: String, values: [Double])] = []
        let xLabel: String
        if ctx.args.has("batch") {
            let values = (what == "loss" ? history.batchLosses : history.batchAccuracies).map(Double.init)
            series.append(("train \(what) per batch", values))
            xLabel = "batch"
        } else {
            let epochs = history.epochs.filter { !$0.partial }
            series.append(("train \(what)", epochs.map { what == "loss" ? $0.loss : $0.accuracy }))
            let validation = epochs.compactMap { what == "loss" ? $0.valLoss : $0.valAccuracy }
            if validation.count == epochs.count && !validation.isEmpty { series.append(("validation \(what)", validation)) }
            xLabel = model.optimizerConfig.isFullBatch ? "iteration" : "epoch"
        }
        guard let first = series.first, !first.values.isEmpty else {
            throw ShellError("nothing to plot yet: the model has no \(ctx.args.has("batch") ? "batches" : "completed epochs") in its history", hint: "train it first, e.g. 'train 3'")
        }
        let title = "\(what.capitalized) per \(xLabel)"
        let width = min(max(ctx.console.capabilities.width - 16, 30), 100)
        if first.values.count == 1 {
            ctx.console.print("\(title): only one point so far: \(String(format: "%.4f", first.values[0])); train more epochs for a curve")
        } else {
            ctx.console.print(LineChart.render(series: series, height: 12, width: width, title: title, xLabel: xLabel, color: ctx.console.capabilities.color))
        }
        if let png = ctx.args.value("png") {
            try ExploreCommands.writePNG(Figures.lineChart(series: series, title: title, xLabel: xLabel, yLabel: what), to: png, ctx)
        }
    }

    static let weights = CommandSpec(
        name: "weights", group: .inspect, summary: "What the first dense layer learned: its strongest units as images",
        usage: "[N]",
        details: "Each unit's 784 incoming weights drawn as a 28x28 image (mid grey is 0, light positive, dark negative), for the N units with the largest weight norm.",
        options: [ExploreCommands.asciiFlag, ExploreCommands.pngOption],
        example: "weights 10"
    ) { ctx in
        let model = try ctx.session.requireModel()
        let count = try ctx.args.positional.first.map { w -> Int in
            guard let n = Int(w), n >= 1, n <= 1000 else { throw ShellError("'\(w)' is not a count (1-1000)") }
            return n
        } ?? 10
        let side = model.inputShape[0], pixels = model.inputShape.reduce(1, *)
        guard let dense = model.layers.first(where: { $0 is Dense }) as? Dense, let kernel = dense.kernel,
              kernel.value.shape == [pixels, dense.units]
        else {
            throw ShellError("the model has no dense layer right after flatten whose inputs are the \(pixels) pixels")
        }
        let units = dense.units
        let w = kernel.value.data
        var norms = [Double](repeating: 0, count: units)
        for p in 0..<pixels { for u in 0..<units { norms[u] += Double(w[p * units + u] * w[p * units + u]) } }
        let chosen = norms.indices.sorted { norms[$0] > norms[$1] }.prefix(count)
        var images: [[UInt8]] = [], titles: [String] = []
        for u in chosen {
            let column = (0..<pixels).map { w[$0 * units + u] }
            let scale = max(column.map(abs).max() ?? 1, 1e-12)
            images.append(column.map { UInt8(max(0, min(255, (($0 / scale) * 127.5 + 127.5).rounded()))) })
            titles.append("unit \(u)")
        }
        ctx.console.print("\(dense.name): the \(images.count) units with the largest weight norm (of \(units))")
        let style = ExploreCommands.digitStyle(ctx)
        let columns = ExploreCommands.fittingColumns(5, imageWidth: side, style: style, ctx: ctx)
        ctx.console.print(DigitArt.grid(images: images, width: side, height: pixels / side, titles: titles, columns: columns, style: style))
        if let png = ctx.args.value("png") {
            try ExploreCommands.writePNG(Figures.digitGrid(images: images, width: side, height: pixels / side, titles: titles, columns: 5, scale: 4), to: png, ctx)
        }
    }
}
