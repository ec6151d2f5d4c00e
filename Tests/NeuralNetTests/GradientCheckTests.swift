import NeuralNet
import XCTest

/// Analytic gradients (Float32 forward/backward) against central differences of the objective
/// recomputed in Double, on tiny models.
final class GradientCheckTests: XCTestCase {
    private func check(
        _ layers: [any Layer], loss: Loss, l2: Float = 0, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let data = EngineFixtures.synthetic(count: 7, side: 3, classes: 3, seed: 11)
        let model = Sequential(inputShape: [3, 3, 1], seed: 5)
        for l in layers { try model.add(l) }
        model.compile(optimizer: .sgd(learningRate: 0.1), loss: loss, l2: l2)
        // Non-zero biases so every bias gradient path is exercised.
        var rng = RNG(seed: 9)
        var x = model.flatParameters().map { $0 + Double(rng.uniform(-0.3, 0.3)) }
        model.setFlatParameters(x)
        x = model.flatParameters()  // exactly representable in Float

        let analytic = model.fullBatchObjective(data: data, count: data.count)
        let reference = EngineFixtures.referenceObjective(model: model, params: x, data: data)
        XCTAssertEqual(analytic.value, reference, accuracy: 1e-5 * max(1, abs(reference)), "objective", file: file, line: line)

        let h = 1e-6
        var numeric = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            var xp = x, xm = x
            xp[i] += h
            xm[i] -= h
            numeric[i] = (EngineFixtures.referenceObjective(model: model, params: xp, data: data)
                - EngineFixtures.referenceObjective(model: model, params: xm, data: data)) / (2 * h)
        }
        let err = EngineFixtures.relativeError(analytic.gradient, numeric)
        XCTAssertLessThan(err, 1e-4, "relative gradient error for \(model.layers.map(\.configDescription)) \(loss)", file: file, line: line)
    }

    func testDenseHiddenActivationsWithSoftmaxCrossEntropy() throws {
        for hidden: Activation? in [nil, .relu, .sigmoid, .tanh, .softmax] {
            try check([Flatten(), Dense(4, activation: hidden), Dense(3, activation: .softmax)], loss: .sparseCategoricalCrossEntropy)
        }
    }

    func testActivationLayers() throws {
        for a in Activation.allCases {
            try check([Flatten(), Dense(4), ActivationLayer(a), Dense(3), ActivationLayer(.softmax)], loss: .sparseCategoricalCrossEntropy)
        }
    }

    func testBinaryCrossEntropyFusedWithSigmoid() throws {
        try check([Flatten(), Dense(4, activation: .sigmoid), Dense(3, activation: .sigmoid)], loss: .binaryCrossEntropy)
    }

    func testBinaryCrossEntropyWithoutFusion() throws {
        try check([Flatten(), Dense(4, activation: .tanh), Dense(3, activation: .softmax)], loss: .binaryCrossEntropy)
    }

    func testCrossEntropyWithoutFusion() throws {
        try check([Flatten(), Dense(4, activation: .relu), Dense(3, activation: .sigmoid)], loss: .sparseCategoricalCrossEntropy)
    }

    func testHalfSquaredErrorWithTargets() throws {
        try check([Flatten(), Dense(4, activation: .sigmoid, useBias: false), Dense(3, activation: .sigmoid, useBias: false)],
                  loss: .meanSquaredError(off: 0.01, on: 0.99))
    }

    func testL2OnKernelsOnly() throws {
        try check([Flatten(), Dense(4, activation: .sigmoid), Dense(3, activation: .sigmoid)], loss: .binaryCrossEntropy, l2: 0.7)
    }

    func testFastExpMatchesLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let e = FastMath.exp(x)
            worst = max(worst, abs(e - Foundation.exp(x)) / Foundation.exp(x))
            x += 0.0137
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertEqual(FastMath.exp(-200), 0)
        XCTAssertEqual(FastMath.exp(200), .infinity)
        XCTAssertEqual(FastMath.exp(0), 1)
        XCTAssertTrue(FastMath.exp(.nan).isNaN)
    }

    func testFastSqrtMatchesSquareRoot() {
        XCTAssertEqual(FastMath.sqrt(0), 0)
        var x: Float = 1e-12
        while x < 1e12 {
            XCTAssertEqual(FastMath.sqrt(x), x.squareRoot(), accuracy: 4 * x.squareRoot().ulp)
            x *= 1.37
        }
    }
}
