import ArgumentParser
import Foundation
import MNISTData
import NeuralNet
import CKernels

/// `mnist-bench`: speed and memory figures for the engine on Fashion-MNIST (60,000 training images),
/// optionally side by side with the Keras and numpy/scipy reference scripts run on the same machine.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist-bench",
        abstract: "Time training, L-BFGS and inference on Fashion-MNIST; report peak memory and the GEMM rate.",
        discussion: """
            Each phase runs in its own process so its peak RSS is its own. With --reference PYTHON, the scripts in
            --anchors (Keras 3 / TensorFlow-CPU and numpy/scipy) run in the same invocation and a comparison table
            follows. Every figure is also printed as a 'RESULT {json}' line.
            """)

    @Option(help: "Phases to run, comma-separated: gemm,mlp,cnn,lbfgs,infer.")
    var phases = "gemm,mlp,cnn,lbfgs,infer"

    @Option(help: "Epochs for the Colab MLP (the first is reported separately as warm-up).")
    var mlpEpochs = 3

    @Option(help: "Epochs for the small CNN.")
    var cnnEpochs = 2

    @Option(help: "L-BFGS iterations.")
    var iterations = 70

    @Option(help: "Python with TensorFlow/Keras, numpy and scipy, to run the reference scripts in the same run.")
    var reference: String?

    @Option(help: "With --reference: rounds of side-by-side runs, each phase's reference right before ours; the ratios' median over rounds is printed last.")
    var rounds = 1

    @Option(help: "Directory of the reference scripts (keras_bench.py, np_seed000.py, matmul_bench.py).")
    var anchors = "../shared/anchors"

    @Option(help: "Fashion-MNIST directory.")
    var fashionDir = "/usr/share/datasets/fashion-mnist"

    @Option(help: "Cap the engine's vector kernels at 512, 256 or 0 bits (0: portable loops, convs by im2col), to time another CPU's path; the results stay bit-identical between 512 and 256.")
    var vectorBits: Int?

    @Option(help: "Engine threads (default: one per CPU this process may use). More than the CPUs that `taskset` leaves times a busy machine.")
    var threads: Int?

    @Option(help: .hidden)
    var phase: String?

    mutating func run() throws {
        BLASTuning.reexecWithFastKernelIfNeeded()
        if let threads { BLAS.threads = threads }
        if let vectorBits { kernels_limit_vector_bits(Int32(vectorBits)) }
        if let phase {
            try runPhase(phase)
            return
        }
        print("mnist-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS kernel \(BLAS.coreName), \(BLAS.threads) threads, "
              + "vector kernels \(kernels_vector_bits()) bits")
        let phaseList = phases.split(separator: ",").map(String.init)
        guard let reference else {
            for phase in phaseList { _ = try runOurs(phase) }
            return
        }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        // Each phase's reference runs right before ours, so both meet the same moment of a host whose
        // speed drifts by 2x over minutes; several rounds show how much a single ratio can move.
        var tables: [[ComparisonRow]] = []
        var results: [[String: Any]] = []
        for round in 1...rounds {
            if rounds > 1 { print("\nround \(round) of \(rounds)") }
            var ours: [String: [String: Any]] = [:]
            var refs: [String: [String: Any]] = [:]
            for phase in phaseList {
                if let ref = try runReference(phase, python: reference) { refs[phase] = ref }
                ours[phase] = try runOurs(phase)
            }
            // Inference's reference is Keras's predict, timed by the MLP script.
            if phaseList.contains("infer") && !phaseList.contains("mlp") {
                refs["mlp"] = try runReference("mlp", python: reference)
            }
            let table = comparison(ours: ours, refs: refs)
            printComparison(table, title: rounds > 1 ? "round \(round): same machine, each reference right before ours" : nil)
            let accuracies = [("mlp", "Colab MLP", "Keras"), ("cnn", "small CNN", "Keras"), ("lbfgs", "L-BFGS", "numpy/scipy")]
                .filter { ours[$0.0] != nil }
                .map { "\($0.1) \(f4(ours[$0.0]?["test_acc"])) vs \($0.2) \(f4(refs[$0.0]?["test_acc"]))" }
            if !accuracies.isEmpty { print("test accuracy: " + accuracies.joined(separator: "; ")) }
            if let gemm = refs["gemm"]?["results"] as? [[String: Any]], let first = gemm.first {
                print("numpy sgemm 1024³: \(f1(first["gflops"])) GFLOP/s vs ours \(f1(ours["gemm"]?["gflops_1024"])) GFLOP/s")
            }
            tables.append(table)
            results.append(["ours": ours, "reference": refs])
        }
        if rounds > 1 { printRatioSummary(tables) }
        let json = try? JSONSerialization.data(withJSONObject: ["rounds": results], options: [.sortedKeys])
        print("RESULT " + String(decoding: json ?? Data(), as: UTF8.self))
    }

    func runOurs(_ phase: String) throws -> [String: Any] {
        try runChild(["--phase", phase, "--mlp-epochs", "\(mlpEpochs)", "--cnn-epochs", "\(cnnEpochs)",
                      "--iterations", "\(iterations)", "--fashion-dir", fashionDir]
                     + (vectorBits.map { ["--vector-bits", "\($0)"] } ?? [])
                     + (threads.map { ["--threads", "\($0)"] } ?? []))
    }

    // MARK: - Phases (child processes)

    func runPhase(_ phase: String) throws {
        let data = try DatasetLoader.loadFashion(dataDir: "data", systemDir: fashionDir)
        let train = TrainingData(pixels: data.train.pixels, labels: data.train.labels, count: data.train.count,
                                 sampleShape: [28, 28, 1], transform: .normalized)
        let test = TrainingData(pixels: data.test.pixels, labels: data.test.labels, count: data.test.count,
                                sampleShape: [28, 28, 1], transform: .normalized)
        var result: [String: Any] = ["phase": phase]
        switch phase {
        case "gemm":
            result["gflops_1024"] = BLASTuning.measureGEMM(m: 1024, n: 1024, k: 1024)
            result["gflops_128x784x512"] = BLASTuning.measureGEMM(m: 128, n: 512, k: 784)
            let threads = BLAS.threads
            BLAS.threads = 1
            result["gflops_1024_1thread"] = BLASTuning.measureGEMM(m: 1024, n: 1024, k: 1024)
            BLAS.threads = threads
            report("GEMM", "sgemm 1024³: \(f1(result["gflops_1024"])) GFLOP/s (\(f1(result["gflops_1024_1thread"])) on 1 thread); 128x784 · 784x512: \(f1(result["gflops_128x784x512"])) GFLOP/s")
        case "mlp", "cnn":
            let preset = Preset.named(phase == "mlp" ? "colab-mlp" : "cnn-small")!
            let epochs = phase == "mlp" ? mlpEpochs : cnnEpochs
            let model = try preset.makeModel(seed: 1)
            var rng = RNG(seed: 1)
            var times: [Double] = []
            _ = try model.fit(data: train, epochs: epochs, batchSize: preset.batchSize, rng: &rng, progress: { event in
                if case .epochEnd(let r) = event { times.append(r.seconds) }
            })
            let accuracy = try model.evaluate(data: test).accuracy
            let steady = median(times.count > 1 ? Array(times.dropFirst()) : times)
            result["epoch_seconds"] = times
            result["median_epoch_s"] = steady
            result["images_per_s"] = 60000 / steady
            result["test_acc"] = accuracy
            result["peak_rss_mb"] = peakRSSMegabytes()
            var line = "\(preset.name), batch \(preset.batchSize): \(f2(steady)) s/epoch (epochs: \(times.map(f2).joined(separator: ", "))), \(Int(60000 / steady)) img/s, test accuracy \(f4(accuracy)) after \(epochs), peak RSS \(Int(peakRSSMegabytes())) MB"
            if phase == "mlp" {
                let flops = mlpTrainingFLOPs(samples: 60000)
                let rate = BLASTuning.measureGEMM(m: 128, n: 512, k: 784) * 1e9
                result["flops_per_epoch"] = flops
                result["gemm_bound_s"] = flops / rate
                line += String(format: "; GEMM bound %.2f s/epoch (%.2e FLOP at %.0f GFLOP/s) → %.2fx of it", flops / rate, flops, rate / 1e9, steady / (flops / rate))
            }
            report(phase.uppercased(), line)
        case "lbfgs":
            let preset = Preset.named("lbfgs-sigmoid")!
            let model = try preset.makeModel(seed: 1)
            var rng = RNG(seed: 1)
            let start = Date()
            _ = try model.fit(data: train, epochs: iterations, batchSize: 60000, rng: &rng)
            let seconds = Date().timeIntervalSince(start)
            result["train_seconds"] = seconds
            result["test_acc"] = try model.evaluate(data: test).accuracy
            result["train_acc"] = try model.evaluate(data: train).accuracy
            result["peak_rss_mb"] = peakRSSMegabytes()
            report("L-BFGS", "\(preset.name), \(iterations) iterations on 60,000: \(f2(seconds)) s, test accuracy \(f4(result["test_acc"])), train \(f4(result["train_acc"])), peak RSS \(Int(peakRSSMegabytes())) MB")
        case "infer":
            let model = try Preset.named("colab-mlp")!.makeModel(seed: 1)
            var times: [Double] = []
            for _ in 0..<6 {
                let start = Date()
                _ = try model.predict(data: test)
                times.append(Date().timeIntervalSince(start))
            }
            let t = median(Array(times.dropFirst()))
            result["images_per_s"] = Double(test.count) / t
            report("INFER", "colab-mlp predict on 10,000 test images (batches of 1,024): \(Int(Double(test.count) / t)) img/s")
        default:
            throw ValidationError("unknown phase '\(phase)'; use gemm, mlp, cnn, lbfgs or infer")
        }
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print("RESULT " + String(decoding: json, as: UTF8.self))
    }

    /// Multiply-adds of one epoch of the Colab MLP, ×2 for FLOPs: forward, weight gradients, and
    /// input gradients for every layer but the first.
    func mlpTrainingFLOPs(samples: Int) -> Double {
        let layers = [(784, 512), (512, 512), (512, 10)]
        let forward = layers.reduce(0) { $0 + $1.0 * $1.1 }
        let inputGradients = layers.dropFirst().reduce(0) { $0 + $1.0 * $1.1 }
        return 2 * Double(samples) * Double(2 * forward + inputGradients)
    }

    // MARK: - Driver

    func runChild(_ arguments: [String]) throws -> [String: Any] {
        let lines = try runCapturing(URL(fileURLWithPath: "/proc/self/exe"), arguments)
        for line in lines where !line.hasPrefix("RESULT ") { print(line) }
        return lines.last { $0.hasPrefix("RESULT ") }.flatMap(parseResult) ?? [:]
    }

    func runCapturing(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> [String] {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func parseResult(_ line: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line.dropFirst("RESULT ".count).utf8)) as? [String: Any]
    }

    /// Runs the Keras or numpy/scipy script for one phase (nil if it has none); its peak RSS is the
    /// kernel's largest among finished children, so it counts only while it exceeds every earlier one:
    /// in the first round the Keras MLP runs before the larger Keras CNN.
    func runReference(_ phase: String, python: String) throws -> [String: Any]? {
        let scripts = [
            "gemm": ["matmul_bench.py"],
            "mlp": ["keras_bench.py", "mlp_fashion", "0", "\(mlpEpochs)"],
            "cnn": ["keras_bench.py", "cnn_fashion", "0", "\(cnnEpochs)"],
            "lbfgs": ["np_seed000.py", "fashion", "\(iterations)", "0"],
        ]
        guard let args = scripts[phase] else { return nil }
        print("reference: \(python) \(args.joined(separator: " ")) ...")
        let before = childPeakRSSMegabytes()
        let script = URL(fileURLWithPath: anchors).appendingPathComponent(args[0]).path
        let lines = try runCapturing(URL(fileURLWithPath: python), [script] + args.dropFirst(),
                                     environment: ["FASHION_DIR": fashionDir, "TF_CPP_MIN_LOG_LEVEL": "3"])
        var result = lines.last { $0.hasPrefix("RESULT ") }.flatMap(parseResult) ?? [:]
        let after = childPeakRSSMegabytes()
        if after > before { result["peak_rss_mb"] = after }
        return result
    }

    struct ComparisonRow {
        var what: String
        var ours: Double
        var reference: Double
        var unit: String
        var ratio: Double
        var words: (better: String, worse: String)
    }

    /// The side-by-side rows of one round; a row is left out when either figure is missing.
    func comparison(ours: [String: [String: Any]], refs: [String: [String: Any]]) -> [ComparisonRow] {
        var rows: [ComparisonRow] = []
        func row(_ what: String, _ a: Double?, _ b: Double?, _ unit: String, higherIsBetter: Bool,
                 words: (better: String, worse: String) = ("faster", "slower")) {
            guard let a, let b, a > 0, b > 0 else { return }
            rows.append(ComparisonRow(what: what, ours: a, reference: b, unit: unit,
                                      ratio: higherIsBetter ? a / b : b / a, words: words))
        }
        func number(_ d: [String: Any]?, _ key: String) -> Double? { (d?[key] as? NSNumber)?.doubleValue }
        let kerasMLP = refs["mlp"]
        let kerasEpoch = number(kerasMLP, "median_epoch_s_excl_first") ?? number(kerasMLP, "first_epoch_s")
        row("Colab MLP s/epoch (Adam, batch 128)", number(ours["mlp"], "median_epoch_s"), kerasEpoch, "s", higherIsBetter: false)
        // The epoch's FLOPs at our measured GEMM rate: no engine on this CPU can beat this ratio.
        row("  its GEMM floor (FLOPs / GEMM rate)", number(ours["mlp"], "gemm_bound_s"), kerasEpoch, "s", higherIsBetter: false,
            words: ("at most", "at most"))
        let kerasCNN = refs["cnn"]
        row("small CNN s/epoch (batch 200)", number(ours["cnn"], "median_epoch_s"),
            number(kerasCNN, "median_epoch_s_excl_first") ?? number(kerasCNN, "first_epoch_s"), "s", higherIsBetter: false)
        row("784-100-10 L-BFGS, \(iterations) iterations", number(ours["lbfgs"], "train_seconds"), number(refs["lbfgs"], "train_seconds"), "s", higherIsBetter: false)
        let kerasPredict = (kerasMLP?["inference"] as? [String: Any])?["predict_bs32"] as? [String: Any]
        row("inference img/s (Keras predict, batch 32)", number(ours["infer"], "images_per_s"), number(kerasPredict, "img_per_s"), "", higherIsBetter: true)
        row("peak RSS training the Colab MLP", number(ours["mlp"], "peak_rss_mb"), number(kerasMLP, "peak_rss_mb"), "MB", higherIsBetter: false,
            words: ("smaller", "larger"))
        return rows
    }

    func printComparison(_ rows: [ComparisonRow], title: String?) {
        print("\n" + (title ?? "side by side (same machine, same run)"))
        print(pad("what", 44) + pad("mnist-shell", 16) + pad("reference", 16) + "ratio")
        for row in rows {
            print(pad(row.what, 44) + pad("\(f2(row.ours)) \(row.unit)", 16) + pad("\(f2(row.reference)) \(row.unit)", 16)
                  + String(format: "%.2fx %@", row.ratio, row.ratio >= 1 ? row.words.better : row.words.worse))
        }
    }

    /// Each row's ratio in every round, then their median.
    func printRatioSummary(_ tables: [[ComparisonRow]]) {
        print("\nratios over \(tables.count) rounds (ours against the reference; > 1 is better for us)")
        for row in tables[0] {
            let ratios = tables.compactMap { $0.first { $0.what == row.what }?.ratio }
            print(pad(row.what, 44) + ratios.map { String(format: "%.2fx", $0) }.joined(separator: "  ")
                  + String(format: "   median %.2fx", median(ratios)))
        }
    }

    func report(_ tag: String, _ line: String) { print("\(tag): \(line)") }
}

func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }

func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Peak resident set size of this process (VmHWM), in MB.
func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return .nan }
    return kb / 1024
}

/// The largest peak RSS among finished child processes, in MB.
func childPeakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func f1(_ x: Any?) -> String { (x as? NSNumber).map { String(format: "%.1f", $0.doubleValue) } ?? (x as? Double).map { String(format: "%.1f", $0) } ?? "n/a" }
func f2(_ x: Any?) -> String { (x as? NSNumber).map { String(format: "%.2f", $0.doubleValue) } ?? (x as? Double).map { String(format: "%.2f", $0) } ?? "n/a" }
func f4(_ x: Any?) -> String { (x as? NSNumber).map { String(format: "%.4f", $0.doubleValue) } ?? (x as? Double).map { String(format: "%.4f", $0) } ?? "n/a" }
