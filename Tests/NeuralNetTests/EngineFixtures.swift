import CZlib
import Foundation
import NeuralNet
import XCTest

/// Data and reference computations shared by the engine tests.
enum EngineFixtures {
    /// `count` synthetic images of `side`x`side`: each of `classes` classes is a random prototype,
    /// each sample its prototype plus noise. Learnable in a few epochs.
    static func synthetic(count: Int, side: Int = 8, classes: Int = 10, seed: UInt64 = 7, transform: InputTransform = .normalized) -> TrainingData {
        var rng = RNG(seed: seed)
        let size = side * side
        let prototypes = (0..<classes).map { _ in (0..<size).map { _ in rng.uniform(0, 255) } }
        var pixels = [UInt8](repeating: 0, count: count * size)
        var labels = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let c = Int(rng.next() % UInt64(classes))
            labels[i] = UInt8(c)
            for j in 0..<size {
                let v = prototypes[c][j] + rng.uniform(-90, 90)
                pixels[i * size + j] = UInt8(max(0, min(255, v)))
            }
        }
        return TrainingData(pixels: pixels, labels: labels, count: count, sampleShape: [side, side, 1], transform: transform)
    }

    /// Fashion-MNIST (train, test) from the Debian package, or nil when it is not installed.
    static func fashion() -> (train: TrainingData, test: TrainingData)? {
        let dir = "/usr/share/datasets/fashion-mnist"
        func images(_ name: String) -> (pixels: [UInt8], count: Int)? {
            guard let b = gunzip("\(dir)/\(name)"), b.count > 16 else { return nil }
            let n = Int(b[4]) << 24 | Int(b[5]) << 16 | Int(b[6]) << 8 | Int(b[7])
            return (Array(b[16...]), n)
        }
        func labels(_ name: String) -> [UInt8]? {
            guard let b = gunzip("\(dir)/\(name)"), b.count > 8 else { return nil }
            return Array(b[8...])
        }
        guard let xtr = images("train-images-idx3-ubyte.gz"), let ytr = labels("train-labels-idx1-ubyte.gz"),
              let xte = images("t10k-images-idx3-ubyte.gz"), let yte = labels("t10k-labels-idx1-ubyte.gz")
        else { return nil }
        return (
            TrainingData(pixels: xtr.pixels, labels: ytr, count: xtr.count, sampleShape: [28, 28, 1], transform: .normalized),
            TrainingData(pixels: xte.pixels, labels: yte, count: xte.count, sampleShape: [28, 28, 1], transform: .normalized)
        )
    }

    static func gunzip(_ path: String) -> [UInt8]? {
        guard let f = gzopen(path, "rb") else { return nil }
        defer { gzclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(f, $0.baseAddress, UInt32($0.count)) }
            if n < 0 { return nil }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        return out
    }

    /// The model's objective recomputed in Double from its layers (Flatten, Dense, Activation only).
    static func referenceObjective(model: Sequential, params: [Double], data: TrainingData) -> Double {
        var h: [[Double]] = (0..<data.count).map { i in
            (0..<data.sampleSize).map { j in
                Double(data.pixels[i * data.sampleSize + j]) * Double(data.transform.scale) + Double(data.transform.offset)
            }
        }
        var o = 0
        var l2 = 0.0
        for layer in model.layers {
            if let d = layer as? Dense {
                let inF = h[0].count
                let w = Array(params[o..<(o + inF * d.units)])
                o += inF * d.units
                for v in w { l2 += v * v }
                var b = [Double](repeating: 0, count: d.units)
                if d.useBias {
                    b = Array(params[o..<(o + d.units)])
                    o += d.units
                }
                h = h.map { x in
                    let z = (0..<d.units).map { j in b[j] + (0..<inF).reduce(0.0) { $0 + x[$1] * w[$1 * d.units + j] } }
                    return activate(z, d.activation)
                }
            } else if let a = layer as? ActivationLayer {
                h = h.map { activate($0, a.activation) }
            }
        }
        let m = Double(data.count)
        var total = 0.0
        for (i, p) in h.enumerated() {
            let label = Int(data.labels[i])
            switch model.loss {
            case .sparseCategoricalCrossEntropy:
                total -= log(p[label])
            case .binaryCrossEntropy:
                for j in p.indices { total -= j == label ? log(p[j]) : log(1 - p[j]) }
            case .meanSquaredError(let off, let on):
                for j in p.indices {
                    let d = p[j] - Double(j == label ? on : off)
                    total += 0.5 * d * d
                }
            }
        }
        return total / m + Double(model.l2) / (2 * m) * l2
    }

    static func activate(_ z: [Double], _ a: Activation?) -> [Double] {
        switch a {
        case nil: return z
        case .relu?: return z.map { max($0, 0) }
        case .sigmoid?: return z.map { 1 / (1 + exp(-$0)) }
        case .tanh?: return z.map { tanh($0) }
        case .softmax?:
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }

    /// ‖a - b‖ / max(‖a‖, ‖b‖, tiny).
    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        var d = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            d += (a[i] - b[i]) * (a[i] - b[i])
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        return d.squareRoot() / max(na.squareRoot(), nb.squareRoot(), 1e-12)
    }
}
