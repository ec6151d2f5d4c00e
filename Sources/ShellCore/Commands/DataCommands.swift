import Foundation
import MNISTData
import TextGraphics

/// `load`, `info`, `normalize`: getting data into the session and seeing what it is.
enum DataCommands {
    static var all: [CommandSpec] { [load, info, normalize] }

    static let load = CommandSpec(
        name: "load", group: .data, summary: "Load a data set: mnist, fashion, or a file/directory",
        usage: "[mnist|fashion|PATH]",
        details: """
            'mnist' (the default) looks in the data directory (--data-dir, MNIST_SHELL_DATA, default ./data) for
            IDX files, mnist.npz or mnist-original.mat; if none is there it offers to download MNIST (checked by
            SHA-256) and, offline, falls back to the 5,000-digit sample the set-up step installs.
            'fashion' loads Fashion-MNIST from /usr/share/datasets/fashion-mnist or the data directory.
            PATH may be an IDX directory or file (raw or .gz), a CSV (raw or .gz), a Keras .npz or a MATLAB .mat;
            the format is detected from the content. The current data set is replaced only if loading succeeds.
            """,
        options: [
            .value("label", "first|last", "CSV: which column holds the label (default: detected)"),
            .value("header", "yes|no", "CSV: whether the first row is a header (default: detected)"),
            .value("test-fraction", "F", "single-set sources: fraction held out as test (default 0.2)"),
            .value("train-count", "N", "single-set sources: the first N images are train, the rest test"),
            .flag("offline", "mnist: do not try to download"),
        ],
        example: "load fashion\nload data/mnist_5k.csv.gz --label last --test-fraction 0.1",
        completions: { _ in ["mnist", "fashion"] },
        completesPaths: true
    ) { ctx in
        let options = try loadOptions(ctx.args)
        let target = ctx.args.positional.first ?? "mnist"
        guard ctx.args.positional.count <= 1 else {
            throw ShellError("load takes one data set, got \(ctx.args.positional.count): \(ctx.args.positional.joined(separator: " "))",
                             hint: "quote a path with spaces: load \"my data/file.csv\"")
        }
        let started = Date()
        let dataset: Dataset
        switch target {
        case "mnist": dataset = try loadMNIST(&ctx, options: options)
        case "fashion": dataset = try DatasetLoader.loadFashion(dataDir: ctx.session.dataDir)
        default: dataset = try DatasetLoader.load(path: expandTilde(target), options: options)
        }
        let seconds = Date().timeIntervalSince(started)
        try checkOptionsApplied(ctx.args, to: dataset)
        ctx.session.dataset = dataset
        ctx.session.loadOptions = options
        ctx.session.normalized = false
        ctx.session.hasUnsavedChanges = true
        ctx.console.print("Loaded \(dataset.name) from \(origin(of: dataset)) in \(String(format: "%.2f", seconds)) s")
        ctx.console.print(shapeLines(dataset).joined(separator: "\n"))
        for notice in dataset.notices { ctx.console.printError("note: " + notice) }
    }

    /// An option the source had no use for is an error, not ignored: a split for a source that has
    /// its own test set, a CSV setting for another format.
    static func checkOptionsApplied(_ args: ParsedArguments, to dataset: Dataset) throws {
        let splits = ["test-fraction", "train-count"].filter { args.value($0) != nil }
        if let option = splits.first, !dataset.splitByOptions {
            throw ShellError("--\(option) does not apply to \(dataset.name): it comes split \(dataset.train.count.grouped) train / \(dataset.test.count.grouped) test",
                             hint: "--test-fraction and --train-count split a source holding one set (a CSV, one IDX pair, a .mat)")
        }
        if let option = ["label", "header"].first(where: { args.value($0) != nil }), dataset.format != "CSV" || dataset.source == "sample" {
            throw ShellError("--\(option) applies to CSV files; \(dataset.name) is \(dataset.source == "sample" ? "read with its own layout" : dataset.format)")
        }
    }

    /// The directory (or file) the data came from, for messages.
    static func origin(of dataset: Dataset) -> String {
        guard let first = dataset.files.first else { return dataset.source }
        return dataset.files.count == 1 ? first : (first as NSString).deletingLastPathComponent
    }

    /// The words `--label` and `--header` take, also the ones a saved session records.
    static let labelWords: [String: LoadOptions.LabelColumn] = ["first": .first, "last": .last]
    static let headerWords: [String: LoadOptions.Header] = ["yes": .present, "no": .absent]

    static func loadOptions(_ args: ParsedArguments) throws -> LoadOptions {
        var options = LoadOptions()
        if let word = args.value("label") {
            guard let column = labelWords[word] else { throw ShellError("--label must be 'first' or 'last', got '\(word)'") }
            options.labelColumn = column
        }
        if let word = args.value("header") {
            guard let header = headerWords[word] else { throw ShellError("--header must be 'yes' or 'no', got '\(word)'") }
            options.header = header
        }
        if args.value("test-fraction") != nil && args.value("train-count") != nil {
            throw ShellError("give either --train-count (the first N images train) or --test-fraction (a share of each class), not both")
        }
        options.testFraction = try args.double("test-fraction", default: options.testFraction, in: LoadOptions.testFractions)
        if args.value("train-count") != nil {
            options.trainCount = try args.int("train-count", default: 0, in: LoadOptions.trainCounts)
        }
        return options
    }

    /// MNIST from the data directory, else a download, else the offline sample.
    static func loadMNIST(_ ctx: inout CommandContext, options: LoadOptions) throws -> Dataset {
        let session = ctx.session
        if let dataset = try DatasetLoader.loadMNIST(dataDir: session.dataDir, options: options) {
            return dataset
        }
        let offline = session.offline || ctx.args.has("offline")
        if !offline && wantsDownload(ctx) {
            do {
                try download(ctx)
                if let dataset = try DatasetLoader.loadMNIST(dataDir: session.dataDir, options: options) {
                    return dataset
                }
            } catch {
                ctx.console.printError("warning: download failed: \(error)")
            }
        }
        do {
            let sample = try DatasetLoader.loadSample(dataDir: session.dataDir, options: options)
            ctx.console.printError(
                "note: full MNIST is not in \(session.dataDir); using the 5,000-digit MNIST sample instead")
            return sample
        } catch {
            throw ShellError(
                "MNIST is not in \(session.dataDir) and no offline sample was found (\(error))",
                hint: "run the set-up step ('make setup') to install the sample, put the IDX files in \(session.dataDir), or try 'load fashion'")
        }
    }

    static func wantsDownload(_ ctx: CommandContext) -> Bool {
        guard ctx.console.capabilities.isInteractive else { return true }
        let answer = ctx.console.ask(
            "MNIST is not in \(ctx.session.dataDir). Download it (11 MB, checked by SHA-256)? [Y/n] ")
        return answer.map { $0.isEmpty || $0.lowercased().hasPrefix("y") } ?? false
    }

    static func download(_ ctx: CommandContext) throws {
        let console = ctx.console
        let session = ctx.session
        try MNISTDownloader.download(
            into: session.dataDir, timeout: 15,
            progress: { file, done, total in
                guard console.capabilities.isInteractive else { return }
                let size = total.map { " / " + ProgressBar.formatBytes(Int($0)) } ?? ""
                console.status("downloading \(file): \(ProgressBar.formatBytes(Int(done)))\(size)")
            },
            cancelled: { session.interrupted })
        if console.capabilities.isInteractive { console.endStatus() }
    }

    static func shapeLines(_ d: Dataset) -> [String] {
        func line(_ name: String, _ s: ImageSet) -> String {
            "\(name): (\(s.count), \(s.rows), \(s.cols))  labels: (\(s.count),)"
        }
        return [line("train", d.train), line("test ", d.test)]
    }

    static let info = CommandSpec(
        name: "info", group: .data, summary: "Shapes, value range, normalisation and per-class counts",
        example: "info"
    ) { ctx in
        let d = try ctx.session.requireDataset()
        var lines = ["Data set: \(d.name)  (source: \(d.source))"]
        lines += shapeLines(d)
        let (lo, hi) = valueRange(d.train.pixels)
        if ctx.session.normalized {
            lines.append(String(format: "values: float32 %.2f-%.2f (normalised: x / 255)", Double(lo) / 255, Double(hi) / 255))
        } else {
            lines.append("values: uint8 \(lo)-\(hi) (raw; 'normalize' divides by 255)")
        }
        lines.append("")
        let trainCounts = d.train.classCounts, testCounts = d.test.classCounts
        let rows = (0..<10).map { c in
            [String(c), d.classNames.indices.contains(c) ? d.classNames[c] : String(c), trainCounts[c].grouped, testCounts[c].grouped]
        }
        lines.append(TableRenderer.plain(headers: ["label", "class", "train", "test"], rows: rows, alignRight: [2, 3]))
        ctx.console.print(lines.joined(separator: "\n"))
    }

    static func valueRange(_ pixels: [UInt8]) -> (UInt8, UInt8) {
        var lo: UInt8 = 255, hi: UInt8 = 0
        for p in pixels {
            lo = min(lo, p)
            hi = max(hi, p)
        }
        return pixels.isEmpty ? (0, 0) : (lo, hi)
    }

    static let normalize = CommandSpec(
        name: "normalize", group: .data, summary: "Scale pixels to 0.0-1.0 (x / 255); --undo goes back",
        details: "The data stay as bytes; normalising changes how pixels are shown and fed to models. The prompt shows [norm] while it is on.",
        options: [.flag("undo", "return to raw 0-255 values (also: denormalize)")],
        example: "normalize\nhist 0"
    ) { ctx in
        _ = try ctx.session.requireDataset()
        let undo = ctx.args.has("undo")
        if ctx.session.normalized == !undo {
            ctx.console.print(undo ? "pixels are already raw 0-255" : "pixels are already normalised to 0.0-1.0")
            return
        }
        ctx.session.normalized = !undo
        ctx.session.hasUnsavedChanges = true
        ctx.console.print(undo ? "pixels are raw 0-255 again" : "pixels normalised: x / 255, now 0.0-1.0 ('normalize --undo' reverts)")
    }
}

func expandTilde(_ path: String) -> String {
    (path as NSString).expandingTildeInPath
}
