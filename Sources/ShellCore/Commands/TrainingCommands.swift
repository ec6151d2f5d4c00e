import Foundation
import NeuralNet
import TextGraphics

/// `train`, `evaluate`, `seed`, `threads`.
enum TrainingCommands {
    static var all: [CommandSpec] { [train, evaluate, seed, threads] }

    static let train = CommandSpec(
        name: "train", group: .training, summary: "Train for N more epochs (L-BFGS: N iterations)",
        usage: "[N]",
        details: """
            Training continues from the current weights and optimizer state, so 'train 2' equals 'train 1; train 1'.
            A Keras-style progress bar on a terminal, one line per epoch otherwise. Ctrl-C stops after the current batch
            and keeps what was learned. If the loss becomes NaN or infinite, training stops and the weights from
            before that step are restored. The batch size defaults to the preset's, or Keras's 32.
            """,
        options: [
            .value("epochs", "N", "epochs to train (default 1, or N)"),
            .value("batch", "B", "batch size (default: the preset's, else 32)"),
            .value("iterations", "N", "L-BFGS (instead of --epochs and --batch): iterations (default: the preset's, or N)"),
            .value("validation-split", "F", "hold out this last fraction of the training set for validation"),
        ],
        example: "train 5\ntrain --epochs 3 --batch 128 --validation-split 0.1\nmodel preset lbfgs-sigmoid; train --iterations 70"
    ) { ctx in
        let session = ctx.session
        let model = try session.requireModel()
        let data = try session.trainingData(test: false)
        guard model.isCompiled else {
            throw ShellError("the model is not compiled", hint: "compile it first, e.g. 'compile --optimizer adam --loss crossentropy'")
        }
        let fullBatch = model.optimizerConfig.isFullBatch
        let positional = try ctx.args.positional.first.map { word -> Int in
            guard ctx.args.positional.count == 1, let n = Int(word), n >= 1, n <= 100_000 else {
                throw ShellError("'\(ctx.args.positional.joined(separator: " "))' is not a number of \(fullBatch ? "iterations" : "epochs") (1-100000)")
            }
            return n
        }
        // L-BFGS counts iterations over the whole training set; the others count epochs of batches.
        // An option of the other kind is a mistake to report, not to reinterpret.
        let countOption = fullBatch ? "iterations" : "epochs"
        for (option, applies) in [("iterations", fullBatch), ("epochs", !fullBatch), ("batch", !fullBatch)] where !applies && ctx.args.value(option) != nil {
            throw ShellError(fullBatch
                ? "--\(option) does not apply to L-BFGS, which takes the whole training set at each iteration"
                : "--iterations applies to L-BFGS; this model trains by epochs",
                hint: option == "batch" ? nil : "use 'train N' or --\(countOption) N")
        }
        if positional != nil && ctx.args.value(countOption) != nil {
            throw ShellError("give the number of \(countOption) once: 'train N' or --\(countOption) N")
        }
        let count = try ctx.args.int(countOption, default: positional ?? (fullBatch ? session.preset?.epochs ?? 1 : 1), in: 1...100_000)
        let batch = try ctx.args.int("batch", default: session.preset?.batchSize ?? 32, in: 1...1_000_000)
        let split = try ctx.args.double("validation-split", default: 0, in: 0...0.9)
        if let note = validationNote(labels: data.labels, split: split) { ctx.console.printError("note: " + note) }
        if session.preset == nil && !session.normalized {
            ctx.console.printError("note: training on raw 0-255 pixels; 'normalize' first for the notebook's x / 255")
        }

        let reporter = ProgressReporter(console: ctx.console, fullBatch: fullBatch)
        let outcome: FitOutcome
        do {
            outcome = try model.fit(
                data: data, epochs: count, batchSize: batch, validationSplit: split, shuffle: true,
                rng: &session.rng, progress: reporter.handle, shouldStop: { session.interrupted })
        } catch {
            throw ShellError(String(describing: error))
        }
        reporter.finish()
        session.hasUnsavedChanges = true
        switch outcome.status {
        case .completed: break
        case .converged, .interrupted:
            ctx.console.printError("note: " + (outcome.message ?? "training stopped"))
        case .diverged, .failed:
            throw ShellError(outcome.message ?? "training failed")
        }
    }

    /// A warning when the held-out part (the last `split` of the training set, as in Keras) lacks
    /// classes the rest has: a set sorted by class (the MNIST sample) gives meaningless val_ figures.
    static func validationNote(labels: [UInt8], split: Double) -> String? {
        let trainCount = Int(Double(labels.count) * (1 - split))
        guard split > 0, trainCount > 0, trainCount < labels.count else { return nil }
        let held = Set(labels[trainCount...]), trained = Set(labels[..<trainCount])
        let missing = trained.subtracting(held)
        guard !missing.isEmpty else { return nil }
        let list = { (s: Set<UInt8>) in s.sorted().map(String.init).joined(separator: ", ") }
        return "the validation split (the last \(String(format: "%g", split * 100)) % of the training set, as in Keras) "
            + "has no images of class \(list(missing)): the set is ordered by class, so val_accuracy and val_loss will not reflect them"
    }

    static let evaluate = CommandSpec(
        name: "evaluate", group: .training, summary: "Loss and accuracy on the test set (or --train)",
        options: [.flag("train", "evaluate on the training set instead")],
        example: "evaluate\nevaluate --train"
    ) { ctx in
        let model = try ctx.session.requireModel()
        let onTrain = ctx.args.has("train")
        let data = try ctx.session.trainingData(test: !onTrain)
        let result: (loss: Double, accuracy: Double)
        do { result = try model.evaluate(data: data) } catch { throw ShellError(String(describing: error)) }
        if !onTrain { ctx.session.lastTestAccuracy = result.accuracy }
        ctx.console.print("\(onTrain ? "train" : "test"): \(data.count.grouped) images - accuracy: \(String(format: "%.4f", result.accuracy)) - loss: \(String(format: "%.4f", result.loss))")
    }

    static let seed = CommandSpec(
        name: "seed", group: .training, summary: "Fix the random seed (weights, shuffling, dropout)",
        usage: "[N]",
        details: "With the same seed and thread count, training is bit-for-bit reproducible. Applies to models created afterwards and restarts training's random stream now.",
        example: "seed 1; model preset colab-mlp"
    ) { ctx in
        guard let word = ctx.args.positional.first else {
            ctx.console.print("seed \(ctx.session.seed)")
            return
        }
        guard ctx.args.positional.count == 1, let n = UInt64(word) else {
            throw ShellError("'\(ctx.args.positional.joined(separator: " "))' is not a seed: give a whole number ≥ 0")
        }
        ctx.session.seed = n
        ctx.session.rng = RNG(seed: n)
        ctx.session.hasUnsavedChanges = true
        ctx.console.print("seed \(n): new models and training draw from it")
    }

    static let threads = CommandSpec(
        name: "threads", group: .training, summary: "Show or set the number of threads training and inference use",
        usage: "[N]",
        example: "threads 1"
    ) { ctx in
        if let word = ctx.args.positional.first {
            guard let n = Int(word), n >= 1, n <= BLAS.maximumThreads else {
                throw ShellError("'\(word)' is not a thread count (1-\(BLAS.maximumThreads))")
            }
            BLAS.threads = n
        }
        let n = BLAS.threads
        ctx.console.print("\(n) thread\(n == 1 ? "" : "s") (OpenBLAS kernel: \(BLAS.coreName)\(n == 1 ? "" : "; products and loops are split across them"))")
    }
}

/// Turns training events into Keras's output: a redrawn progress bar on a terminal, one line per
/// epoch otherwise (L-BFGS: one line every 10 iterations).
final class ProgressReporter {
    let console: Console
    let fullBatch: Bool
    private var lastGlobalEpoch = 1
    private var lastDraw = 0.0
    private var lbfgsStart = Date()

    init(console: Console, fullBatch: Bool) {
        self.console = console
        self.fullBatch = fullBatch
    }

    var interactive: Bool { console.capabilities.isInteractive }
    var color: ColorMode { console.capabilities.color }

    func handle(_ event: TrainingEvent) {
        if fullBatch { return handleIteration(event) }
        switch event {
        case .epochBegin(let epoch, let total, let global, _):
            // Epochs are numbered across 'train' calls: 'train 2' after 3 epochs shows Epoch 4/5, 5/5.
            lastGlobalEpoch = global - epoch + total
            lastDraw = 0
            if total > 1 && interactive { console.print("Epoch \(global)/\(lastGlobalEpoch)") }
        case .batchEnd(let batch, let batches, let loss, let accuracy, let elapsed):
            guard interactive, batch < batches, elapsed - lastDraw >= 0.1 else { return }
            lastDraw = elapsed
            console.status(ProgressBar.line(step: batch, total: batches, elapsedSeconds: elapsed,
                                            metrics: [("accuracy", accuracy), ("loss", loss)], finished: false, color: color))
        case .epochEnd(let r):
            var metrics = [("accuracy", r.accuracy), ("loss", r.loss)]
            if let va = r.valAccuracy, let vl = r.valLoss { metrics += [("val_accuracy", va), ("val_loss", vl)] }
            let bar = ProgressBar.line(step: r.batches, total: r.batches, elapsedSeconds: r.seconds, metrics: metrics, finished: true, color: color)
            if interactive {
                console.status(bar)
                console.endStatus()
            } else {
                console.print("Epoch \(r.epoch)/\(lastGlobalEpoch) " + bar)
            }
        }
    }

    private func handleIteration(_ event: TrainingEvent) {
        switch event {
        case .epochBegin(let epoch, _, _, _):
            if epoch == 1 { lbfgsStart = Date() }
        case .batchEnd:
            break
        case .epochEnd(let r):
            let done = r.epoch
            let elapsed = Date().timeIntervalSince(lbfgsStart)
            let line = "L-BFGS iteration \(done) - \(String(format: "%.1f", elapsed))s - accuracy: \(ProgressBar.metric(r.accuracy)) - loss: \(ProgressBar.metric(r.loss))"
                + (r.valAccuracy.map { " - val_accuracy: \(ProgressBar.metric($0))" } ?? "")
                + (r.valLoss.map { " - val_loss: \(ProgressBar.metric($0))" } ?? "")
            unprinted = nil
            if interactive {
                console.status(line)
            } else if done % 10 == 0 {
                console.print(line)
            } else {
                unprinted = line
            }
        }
    }

    /// The last L-BFGS line if a script has not seen it yet.
    private var unprinted: String?

    /// Ends a redrawn line; in a script, prints L-BFGS's final state if it wasn't printed.
    func finish() {
        if interactive {
            console.endStatus()
        } else if let unprinted {
            console.print(unprinted)
        }
    }
}
