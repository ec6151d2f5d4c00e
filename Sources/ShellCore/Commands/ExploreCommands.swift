import Foundation
import MNISTData
import SessionStore
import TextGraphics

/// `show`, `pixels`, `hist`, `find`, `mean`, `stats`: looking at the data.
enum ExploreCommands {
    static var all: [CommandSpec] { [show, pixels, hist, find, mean, stats] }

    static let testFlag = OptionSpec.flag("test", "use the test set instead of the training set")
    static let pngOption = OptionSpec.value("png", "FILE", "also write the figure as a PNG image")
    static let asciiFlag = OptionSpec.flag("ascii", "plain ASCII art even on a colour terminal")

    static let show = CommandSpec(
        name: "show", group: .explore, summary: "Render images in a grid with their labels",
        usage: "[INDICES]",
        details: "INDICES: numbers and ranges, e.g. 0-19 (the default), '3 7 42' or 0-4,9. Half blocks in grey on a colour terminal, an ASCII ramp otherwise.",
        options: [testFlag, .value("cols", "N", "images per row (default 5, fewer if the terminal is narrow)"), asciiFlag, pngOption],
        example: "show 0-19\nshow 3 7 42 --test --cols 3"
    ) { ctx in
        let (setName, set) = try ctx.session.split(test: ctx.args.has("test"))
        let dataset = try ctx.session.requireDataset()
        let indices = try IndexList.parse(ctx.args.positional.isEmpty ? ["0-19"] : ctx.args.positional, count: set.count, setName: setName)
        let images = indices.map { Array(set.image($0)) }
        let titles = indices.map { title(label: set.labels[$0], dataset: dataset) }
        let style = digitStyle(ctx)
        let requested = try ctx.args.int("cols", default: 5, in: 1...50)
        let columns = ctx.args.value("cols") == nil ? fittingColumns(requested, imageWidth: set.cols, style: style, ctx: ctx) : requested
        ctx.console.print(DigitArt.grid(images: images, width: set.cols, height: set.rows, titles: titles, columns: columns, style: style))
        if let png = ctx.args.value("png") {
            let canvas = Figures.digitGrid(images: images, width: set.cols, height: set.rows, titles: titles, columns: requested, scale: 4)
            try writePNG(canvas, to: png, ctx)
        }
    }

    /// "Digit: 5" for digits, the class name for other data sets (Fashion-MNIST: "Trouser").
    static func title(label: UInt8, dataset: Dataset) -> String {
        let name = dataset.classNames.indices.contains(Int(label)) ? dataset.classNames[Int(label)] : String(label)
        return name == String(label) ? "Digit: \(label)" : name
    }

    static func digitStyle(_ ctx: CommandContext) -> DigitStyle {
        let color = ctx.console.capabilities.color
        return ctx.args.has("ascii") || color == .none ? .ascii : .halfBlock(color)
    }

    /// Columns that fit the terminal, at most `requested`.
    static func fittingColumns(_ requested: Int, imageWidth: Int, style: DigitStyle, ctx: CommandContext) -> Int {
        guard ctx.console.capabilities.isInteractive else { return requested }
        let cell: Int
        switch style {
        case .ascii: cell = imageWidth * 2 + 2
        case .halfBlock: cell = imageWidth + 2
        }
        return max(1, min(requested, ctx.console.capabilities.width / cell))
    }

    static func writePNG(_ canvas: Canvas, to path: String, _ ctx: CommandContext) throws {
        guard !path.isEmpty else { throw ShellError("--png needs a file name") }
        try replaceFile(at: expandTilde(path), with: canvas.pngData())
        ctx.console.print("wrote \(path) (\(canvas.width)x\(canvas.height) PNG)")
    }

    /// The one image index a command takes; a range or list (`pixels 0-3`) is an error rather
    /// than its first image.
    static func singleIndex(_ ctx: CommandContext, _ command: String, set: ImageSet, setName: String) throws -> Int {
        guard let word = ctx.args.positional.first else { throw ShellError("give one image index, e.g. \(command) 0") }
        let indices = try IndexList.parse(ctx.args.positional, count: set.count, setName: setName)
        guard indices.count == 1 else {
            throw ShellError("'\(word)' is \(indices.count.grouped) images; \(command) takes one index, e.g. \(command) \(indices[0])")
        }
        return indices[0]
    }

    static let pixels = CommandSpec(
        name: "pixels", group: .explore, summary: "Print one image as its matrix of pixel values",
        usage: "N",
        details: "Raw values 0-255, or 0.00-1.00 after 'normalize'.",
        options: [testFlag],
        example: "pixels 0"
    ) { ctx in
        let (setName, set) = try ctx.session.split(test: ctx.args.has("test"))
        let index = try singleIndex(ctx, "pixels", set: set, setName: setName)
        let normalized = ctx.session.normalized
        ctx.console.print("\(setName) image \(index), label \(set.labels[index]) (\(set.rows)x\(set.cols), \(normalized ? "normalised 0.00-1.00" : "raw 0-255"))")
        ctx.console.print(DigitArt.matrix(pixels: Array(set.image(index)), width: set.cols, height: set.rows, normalized: normalized))
    }

    static let hist = CommandSpec(
        name: "hist", group: .explore, summary: "Histogram of pixel intensities of one image or a whole set",
        usage: "[N]",
        details: "With an index, the pixels of that image; without, every pixel of the set. The x axis is 0-255, or 0.0-1.0 after 'normalize'.",
        options: [testFlag, .value("bins", "B", "number of bins (default 16)"), .flag("log", "logarithmic count axis (zeros dominate)"), pngOption],
        example: "hist 0\nnormalize; hist 0 --bins 10"
    ) { ctx in
        let (setName, set) = try ctx.session.split(test: ctx.args.has("test"))
        let bins = try ctx.args.int("bins", default: 16, in: 1...256)
        let scale = ctx.session.normalized ? 1.0 / 255.0 : 1.0
        let range = 0.0...(255.0 * scale)
        let values: [UInt8]
        let what: String
        if ctx.args.positional.isEmpty {
            values = set.pixels
            what = "all \(set.count.grouped) \(setName) images"
        } else {
            let index = try singleIndex(ctx, "hist", set: set, setName: setName)
            values = Array(set.image(index))
            what = "\(setName) image \(index) (label \(set.labels[index]))"
        }
        let histogram = Histogram(values: values.lazy.map { Double($0) * scale }, bins: bins, range: range)
        let title = "Pixel intensities of \(what)"
        let xLabel = ctx.session.normalized ? "intensity (normalised)" : "intensity"
        let width = min(max(ctx.console.capabilities.width - 12, 30), 100)
        ctx.console.print(histogram.render(title: title, xLabel: xLabel, yLabel: "pixels", width: width, height: 12, logScale: ctx.args.has("log")))
        if let png = ctx.args.value("png") {
            try writePNG(Figures.histogram(histogram, title: title, xLabel: xLabel, yLabel: "pixels", logScale: ctx.args.has("log")), to: png, ctx)
        }
    }

    static let find = CommandSpec(
        name: "find", group: .explore, summary: "Indices of the images of one class",
        usage: "label L",
        options: [testFlag, .value("limit", "N", "how many indices to list (default 40)")],
        example: "find label 7\nfind label 3 --test --limit 100",
        completions: { _ in ["label"] }
    ) { ctx in
        let words = ctx.args.positional
        guard words.count == 2, words[0] == "label" else {
            throw ShellError("usage: find label L (L is a class 0-9)")
        }
        guard let label = UInt8(words[1]), label <= 9 else {
            throw ShellError("'\(words[1])' is not a class: labels are 0-9")
        }
        let (setName, set) = try ctx.session.split(test: ctx.args.has("test"))
        let limit = try ctx.args.int("limit", default: 40, in: 1...1_000_000)
        let found = set.indices(ofLabel: label)
        let shown = found.prefix(limit).map(String.init).joined(separator: " ")
        let more = found.count > limit ? " … (\((found.count - limit).grouped) more; --limit N shows more)" : ""
        ctx.console.print("\(found.count.grouped) \(setName) images with label \(label): \(shown)\(more)")
    }

    static let mean = CommandSpec(
        name: "mean", group: .explore, summary: "The average image of a class (or of every class)",
        usage: "[L]",
        options: [testFlag, asciiFlag, pngOption],
        example: "mean 7\nmean --png means.png"
    ) { ctx in
        let (setName, set) = try ctx.session.split(test: ctx.args.has("test"))
        let dataset = try ctx.session.requireDataset()
        let labels: [UInt8]
        if let word = ctx.args.positional.first {
            guard ctx.args.positional.count == 1, let l = UInt8(word), l <= 9 else {
                throw ShellError("'\(ctx.args.positional.joined(separator: " "))' is not a class: give one label 0-9, or none for all")
            }
            labels = [l]
        } else {
            labels = Array(0...9)
        }
        var images: [[UInt8]] = [], titles: [String] = []
        for label in labels {
            let members = set.indices(ofLabel: label)
            guard !members.isEmpty else { throw ShellError("the \(setName) set has no images with label \(label)") }
            images.append(meanImage(set, members))
            titles.append("mean \(title(label: label, dataset: dataset).replacingOccurrences(of: "Digit: ", with: "")) (n=\(members.count.grouped))")
        }
        let style = digitStyle(ctx)
        let columns = fittingColumns(5, imageWidth: set.cols, style: style, ctx: ctx)
        ctx.console.print(DigitArt.grid(images: images, width: set.cols, height: set.rows, titles: titles, columns: columns, style: style))
        if let png = ctx.args.value("png") {
            try writePNG(Figures.digitGrid(images: images, width: set.cols, height: set.rows, titles: titles, columns: 5, scale: 4), to: png, ctx)
        }
    }

    static func meanImage(_ set: ImageSet, _ members: [Int]) -> [UInt8] {
        let size = set.rows * set.cols
        var sums = [Int](repeating: 0, count: size)
        for i in members {
            for (p, v) in set.image(i).enumerated() { sums[p] += Int(v) }
        }
        return sums.map { UInt8(($0 + members.count / 2) / members.count) }
    }

    static let stats = CommandSpec(
        name: "stats", group: .explore, summary: "Mean and standard deviation of the pixels",
        details: "Overall mean/std (the numbers people normalise with), the spread of per-pixel means, and how many pixels are always blank.",
        options: [testFlag],
        example: "stats"
    ) { ctx in
        let (setName, set) = try ctx.session.split(test: ctx.args.has("test"))
        let s = PixelStats(set)
        let scale = ctx.session.normalized ? 1.0 / 255.0 : 1.0
        let unit = ctx.session.normalized ? "(normalised)" : "(raw 0-255)"
        func f(_ x: Double) -> String { String(format: ctx.session.normalized ? "%.4f" : "%.2f", x * scale) }
        let lines = [
            "\(setName) set, \(set.count.grouped) images of \(set.rows)x\(set.cols), values \(unit)",
            "mean \(f(s.mean))   std \(f(s.std))   (over all pixels)",
            "per-pixel mean: min \(f(s.pixelMeanMin))  max \(f(s.pixelMeanMax));  per-pixel std: min \(f(s.pixelStdMin))  max \(f(s.pixelStdMax))",
            "pixels that are 0 in every image: \(s.alwaysZero) of \(set.rows * set.cols);  share of zero values: \(String(format: "%.1f", s.zeroShare * 100)) %",
        ]
        ctx.console.print(lines.joined(separator: "\n"))
    }
}

/// Summary statistics of a set's pixels, in raw 0-255 units.
struct PixelStats {
    var mean = 0.0, std = 0.0
    var pixelMeanMin = 0.0, pixelMeanMax = 0.0, pixelStdMin = 0.0, pixelStdMax = 0.0
    var alwaysZero = 0
    var zeroShare = 0.0

    init(_ set: ImageSet) {
        let size = set.rows * set.cols
        guard set.count > 0 else { return }
        var sum = [Double](repeating: 0, count: size), sumSq = [Double](repeating: 0, count: size)
        var zeros = 0
        set.pixels.withUnsafeBufferPointer { px in
            for i in 0..<set.count {
                let base = i * size
                for p in 0..<size {
                    let v = Double(px[base + p])
                    sum[p] += v
                    sumSq[p] += v * v
                    if v == 0 { zeros += 1 }
                }
            }
        }
        let n = Double(set.count)
        let means = sum.map { $0 / n }
        let stds = zip(sumSq, means).map { (max($0 / n - $1 * $1, 0)).squareRoot() }
        mean = sum.reduce(0, +) / (n * Double(size))
        std = max(sumSq.reduce(0, +) / (n * Double(size)) - mean * mean, 0).squareRoot()
        pixelMeanMin = means.min()!
        pixelMeanMax = means.max()!
        pixelStdMin = stds.min()!
        pixelStdMax = stds.max()!
        alwaysZero = sum.filter { $0 == 0 }.count
        zeroShare = Double(zeros) / (n * Double(size))
    }
}
