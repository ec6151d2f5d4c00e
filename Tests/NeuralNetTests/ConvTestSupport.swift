import Foundation
import NeuralNet
import XCTest

/// Reference implementations in Double, written the direct way (no im2col), and the helpers the
/// conv/pool/dropout tests share.
enum Reference {
    /// Values uniform in [-1, 1) from a fixed seed.
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RNG(seed: seed)
        return (0..<count).map { _ in rng.uniform(-1, 1) }
    }

    /// An NHWC image batch with its dimensions.
    struct Images {
        var n, h, w, c: Int
        var values: [Double]
        func at(_ s: Int, _ i: Int, _ j: Int, _ ch: Int) -> Double { values[((s * h + i) * w + j) * c + ch] }
    }

    /// Keras's output size and top/left padding for one spatial dimension.
    static func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Padding) -> (out: Int, pad: Int) {
        switch padding {
        case .valid:
            return ((size - kernel) / stride + 1, 0)
        case .same:
            let out = Int((Double(size) / Double(stride)).rounded(.up))
            return (out, max((out - 1) * stride + kernel - size, 0) / 2)
        }
    }

    static func activate(_ v: Double, _ activation: Activation?) -> Double {
        switch activation {
        case nil: return v
        case .relu: return max(v, 0)
        case .sigmoid: return 1 / (1 + exp(-v))
        case .tanh: return tanh(v)
        case .softmax: fatalError("Conv2D has no softmax")
        }
    }

    /// Direct convolution: kernel in (kh, kw, cin, filters) order, zero padding outside the image.
    static func conv(
        _ x: Images, kernel: [Double], bias: [Double], size k: Int, filters: Int, stride: Int,
        padding: Padding, activation: Activation?
    ) -> Images {
        let (oh, padTop) = outputSize(x.h, kernel: k, stride: stride, padding: padding)
        let (ow, padLeft) = outputSize(x.w, kernel: k, stride: stride, padding: padding)
        var out = Images(n: x.n, h: oh, w: ow, c: filters, values: [])
        out.values.reserveCapacity(x.n * oh * ow * filters)
        for s in 0..<x.n {
            for r in 0..<oh {
                for q in 0..<ow {
                    for f in 0..<filters {
                        var sum = bias.isEmpty ? 0 : bias[f]
                        for ki in 0..<k {
                            for kj in 0..<k {
                                let i = r * stride - padTop + ki, j = q * stride - padLeft + kj
                                guard i >= 0, i < x.h, j >= 0, j < x.w else { continue }
                                for ch in 0..<x.c {
                                    sum += x.at(s, i, j, ch) * kernel[((ki * k + kj) * x.c + ch) * filters + f]
                                }
                            }
                        }
                        out.values.append(activate(sum, activation))
                    }
                }
            }
        }
        return out
    }

    /// Direct max pooling with valid padding.
    static func maxPool(_ x: Images, pool p: Int, stride: Int) -> Images {
        let oh = (x.h - p) / stride + 1, ow = (x.w - p) / stride + 1
        var out = Images(n: x.n, h: oh, w: ow, c: x.c, values: [])
        for s in 0..<x.n {
            for r in 0..<oh {
                for q in 0..<ow {
                    for ch in 0..<x.c {
                        var best = -Double.infinity
                        for i in 0..<p {
                            for j in 0..<p { best = max(best, x.at(s, r * stride + i, q * stride + j, ch)) }
                        }
                        out.values.append(best)
                    }
                }
            }
        }
        return out
    }

    /// Central-difference gradient of `loss` at `values` (step `eps`).
    static func numericGradient(_ values: [Double], eps: Double = 1e-6, _ loss: ([Double]) -> Double) -> [Double] {
        var v = values
        return values.indices.map { i in
            v[i] = values[i] + eps
            let up = loss(v)
            v[i] = values[i] - eps
            let down = loss(v)
            v[i] = values[i]
            return (up - down) / (2 * eps)
        }
    }

    /// sum(a * b)
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

/// Asserts two arrays match within `abs + rel * |expected|` at every index.
func assertClose(
    _ actual: [Float], _ expected: [Double], abs: Double = 1e-4, rel: Double = 1e-3, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "\(what): count", file: file, line: line)
    guard actual.count == expected.count else { return }
    var worst = 0.0, worstIndex = 0
    for i in actual.indices {
        let excess = Swift.abs(Double(actual[i]) - expected[i]) - (abs + rel * Swift.abs(expected[i]))
        if excess > worst {
            worst = excess
            worstIndex = i
        }
    }
    XCTAssertEqual(
        worst, 0,
        "\(what): index \(worstIndex) is \(actual.isEmpty ? 0 : actual[worstIndex]), expected \(expected.isEmpty ? 0 : expected[worstIndex])",
        file: file, line: line)
}
