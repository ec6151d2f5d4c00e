import CKernels
import NeuralNet
import XCTest

final class DropoutTests: XCTestCase {
    private let x = Tensor(shape: [4, 25_000], data: Reference.random(100_000, seed: 1))

    func testRateZeroAndInferenceAreIdentity() {
        var rng = RNG(seed: 5)
        let none = Dropout(rate: 0)
        XCTAssertEqual(none.forward(x, training: true, rng: &rng), x)
        XCTAssertEqual(none.backward(x), x)

        let half = Dropout(rate: 0.5)
        let before = rng
        XCTAssertEqual(half.forward(x, training: false, rng: &rng), x)
        XCTAssertEqual(half.backward(x), x)
        XCTAssertEqual(rng, before, "inference draws no random numbers")
    }

    func testDropsTheExpectedFractionAndScalesTheRest() {
        for rate in [0.2, 0.5, 0.9] {
            var rng = RNG(seed: 7)
            let y = Dropout(rate: rate).forward(x, training: true, rng: &rng)
            let dropped = y.data.filter { $0 == 0 }.count
            XCTAssertEqual(Double(dropped) / Double(x.count), rate, accuracy: 0.01, "rate \(rate)")
            for i in x.data.indices where y[i] != 0 {
                XCTAssertEqual(y[i], x[i] * Float(1 / (1 - rate)), accuracy: 1e-6)
            }
        }
    }

    func testGradientUsesTheSameMask() {
        let layer = Dropout(rate: 0.3)
        var rng = RNG(seed: 3)
        let small = Tensor(shape: [2, 3, 3, 2], data: Reference.random(36, seed: 2))
        let y = layer.forward(small, training: true, rng: &rng)
        let r = Reference.random(36, seed: 4)
        let dx = layer.backward(Tensor(shape: y.shape, data: r))
        // The mask (scale or 0 per value) as seen through a forward of ones with the same seed.
        var replay = RNG(seed: 3)
        let mask = Dropout(rate: 0.3).forward(Tensor(shape: small.shape, repeating: 1), training: true, rng: &replay).data.map(Double.init)
        let numeric = Reference.numericGradient(small.data.map(Double.init)) { v in
            zip(zip(v, mask), r).reduce(0) { $0 + $1.0.0 * $1.0.1 * Double($1.1) }
        }
        XCTAssertEqual(dx.shape, small.shape)
        assertClose(dx.data, numeric, "dX")
        XCTAssertTrue(mask.contains(0) && mask.contains { $0 > 1 })
    }

    func testSameSeedSameMask() {
        let layer = Dropout(rate: 0.2)
        var a = RNG(seed: 11), b = RNG(seed: 11), c = RNG(seed: 12)
        let ya = layer.forward(x, training: true, rng: &a)
        XCTAssertEqual(ya, layer.forward(x, training: true, rng: &b))
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(ya, layer.forward(x, training: true, rng: &c))
    }

    /// The mask is a function of each value's index and the batch's key: the same for any number
    /// of threads and any vector width, and backward applies that same mask.
    func testMaskDoesNotDependOnThreadsOrVectorWidth() {
        let threads = BLAS.threads
        defer {
            BLAS.threads = threads
            kernels_limit_vector_bits(512)
        }
        // Large enough that every thread gets a share.
        let x = Tensor(shape: [4, 100_000], data: Reference.random(400_000, seed: 2))
        var first: (y: Tensor, dx: Tensor)?
        for (count, bits) in [(1, 512), (2, 512), (3, 256), (2, 0)] as [(Int, Int32)] {
            BLAS.threads = count
            kernels_limit_vector_bits(bits)
            let layer = Dropout(rate: 0.3)
            var rng = RNG(seed: 21)
            let y = layer.forward(x, training: true, rng: &rng)
            let dx = layer.backward(Tensor(shape: x.shape, repeating: 1))
            XCTAssertEqual(y.data.filter { $0 == 0 }.count, dx.data.filter { $0 == 0 }.count)
            for i in stride(from: 0, to: x.count, by: 97) { XCTAssertEqual(y[i] == 0, dx[i] == 0, "value \(i)") }
            if let first {
                XCTAssertEqual(y, first.y, "\(count) threads, \(bits) bits")
                XCTAssertEqual(dx, first.dx, "\(count) threads, \(bits) bits")
            }
            first = (y, dx)
        }
    }

    func testDescription() throws {
        let layer = Dropout(rate: 0.2)
        XCTAssertEqual(layer.typeName, "Dropout")
        XCTAssertEqual(layer.name, "dropout")
        XCTAssertEqual(layer.configDescription, "rate=0.2")
        XCTAssertEqual(try layer.outputShape(for: [12, 12, 32]), [12, 12, 32])
        XCTAssertTrue(layer.parameters.isEmpty)
    }
}
