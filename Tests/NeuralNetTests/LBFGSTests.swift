import NeuralNet
import XCTest

final class LBFGSTests: XCTestCase {
    private func run(_ x0: [Double], iterations: Int, _ f: @escaping ([Double]) -> (Double, [Double])) -> (LBFGS, [Double]) {
        let opt = LBFGS()
        var x = x0
        for _ in 0..<iterations {
            let outcome = opt.iterate(from: x, objective: f)
            x = opt.acceptedPoint
            if case .step = outcome { continue }
            break
        }
        return (opt, x)
    }

    func testConvexQuadratic() {
        let d = (1...20).map { Double($0) }
        let (opt, x) = run([Double](repeating: 1, count: 20), iterations: 100) { x in
            var f = 0.0
            var g = x
            for i in x.indices {
                f += 0.5 * d[i] * x[i] * x[i] - x[i]
                g[i] = d[i] * x[i] - 1
            }
            return (f, g)
        }
        for i in x.indices { XCTAssertEqual(x[i], 1 / d[i], accuracy: 1e-4) }
        XCTAssertLessThan(opt.iterations, 60)
    }

    func testRosenbrock() {
        let (opt, x) = run([-1.2, 1], iterations: 200) { x in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            return (a * a + 100 * b * b, [-2 * a - 400 * x[0] * b, 200 * b])
        }
        XCTAssertEqual(x[0], 1, accuracy: 1e-4)
        XCTAssertEqual(x[1], 1, accuracy: 1e-4)
        XCTAssertLessThan(opt.iterations, 60, "scipy needs about 35")
    }

    /// On a small 784-100-10 sigmoid problem, L-BFGS must beat plain gradient descent given the
    /// same number of objective evaluations (with the best of several fixed step sizes).
    func testBeatsGradientDescentOnSigmoidNetwork() throws {
        let data = EngineFixtures.synthetic(count: 300, side: 28, seed: 3)
        let preset = Preset.named("lbfgs-sigmoid")!
        let model = try preset.makeModel(seed: 1)
        let x0 = model.flatParameters()
        let start = model.fullBatchObjective(data: data, count: data.count).value
        var rng = RNG(seed: 0)
        _ = try model.fit(data: data, epochs: 15, batchSize: data.count, rng: &rng)
        let evaluations = model.history.epochs.reduce(0) { $0 + $1.batches } + 1
        let lbfgsLoss = model.history.epochs.last!.loss
        XCTAssertEqual(model.history.epochs.count, 15)
        XCTAssertEqual(model.fullBatchObjective(data: data, count: data.count).value, lbfgsLoss, accuracy: 1e-9 * lbfgsLoss + 1e-12,
                       "the model holds the accepted weights")

        var bestGD = Double.infinity
        for lr in [0.1, 0.5, 2.0] {
            model.setFlatParameters(x0)
            var f = start
            for _ in 0..<evaluations {
                let r = model.fullBatchObjective(data: data, count: data.count)
                f = r.value
                model.setFlatParameters(zip(model.flatParameters(), r.gradient).map { $0 - lr * $1 })
            }
            if f.isFinite { bestGD = min(bestGD, f) }
        }
        XCTAssertLessThan(lbfgsLoss, start)
        XCTAssertLessThan(lbfgsLoss, bestGD, "L-BFGS \(lbfgsLoss) vs gradient descent \(bestGD) after \(evaluations) evaluations")
    }
}
