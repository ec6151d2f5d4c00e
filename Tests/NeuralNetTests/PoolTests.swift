import NeuralNet
import XCTest

final class PoolTests: XCTestCase {
    /// A batch whose values are all distinct (a shuffled ramp), so every window has one maximum.
    private func distinctImages(n: Int, h: Int, w: Int, c: Int, seed: UInt64) -> Tensor {
        var rng = RNG(seed: seed)
        let count = n * h * w * c
        return Tensor(shape: [n, h, w, c], data: rng.permutation(count).map { Float($0) / Float(count) - 0.5 })
    }

    private func built(_ pool: Int, _ stride: Int?, _ shape: [Int]) throws -> MaxPool2D {
        let layer = MaxPool2D(poolSize: pool, strides: stride)
        var rng = RNG(seed: 0)
        try layer.build(inputShape: shape, rng: &rng)
        return layer
    }

    private let cases: [(pool: Int, stride: Int?, h: Int, w: Int, c: Int)] = [
        (2, nil, 4, 6, 3),  // exact tiling
        (2, nil, 5, 7, 2),  // odd sizes: last row/column dropped
        (3, 1, 6, 5, 4),  // overlapping windows
        (3, 2, 7, 7, 1),
        (2, 3, 8, 8, 5),  // gaps between windows
    ]

    func testForwardMatchesDirectPooling() throws {
        for t in cases {
            let layer = try built(t.pool, t.stride, [t.h, t.w, t.c])
            let x = distinctImages(n: 3, h: t.h, w: t.w, c: t.c, seed: 1)
            var rng = RNG(seed: 0)
            let y = layer.forward(x, training: true, rng: &rng)
            let expected = Reference.maxPool(
                Reference.Images(n: 3, h: t.h, w: t.w, c: t.c, values: x.data.map(Double.init)), pool: t.pool,
                stride: t.stride ?? t.pool)
            XCTAssertEqual(y.shape, [3, expected.h, expected.w, t.c], "\(t)")
            XCTAssertEqual(y.data.map(Double.init), expected.values, "\(t)")
        }
    }

    func testGradientMatchesFiniteDifferences() throws {
        for t in cases {
            let layer = try built(t.pool, t.stride, [t.h, t.w, t.c])
            let x = distinctImages(n: 2, h: t.h, w: t.w, c: t.c, seed: 2)
            var rng = RNG(seed: 0)
            let y = layer.forward(x, training: true, rng: &rng)
            let r = Reference.random(y.count, seed: 3)
            let dx = layer.backward(Tensor(shape: y.shape, data: r))
            // Values are 1/count apart, so a 1e-6 step never changes which one is the maximum.
            let numeric = Reference.numericGradient(x.data.map(Double.init)) {
                let out = Reference.maxPool(Reference.Images(n: 2, h: t.h, w: t.w, c: t.c, values: $0), pool: t.pool, stride: t.stride ?? t.pool)
                return Reference.dot(out.values, r.map(Double.init))
            }
            XCTAssertEqual(dx.shape, x.shape)
            assertClose(dx.data, numeric, "dX \(t)")
        }
    }

    /// The layer recycles its gradient storage; a gradient the caller still holds must not change.
    func testHeldGradientSurvivesTheNextBackward() throws {
        let layer = try built(2, nil, [4, 4, 3])
        var rng = RNG(seed: 0)
        let y = layer.forward(distinctImages(n: 2, h: 4, w: 4, c: 3, seed: 5), training: true, rng: &rng)
        let first = layer.backward(Tensor(shape: y.shape, data: Reference.random(y.count, seed: 6)))
        let copy = first.data.map { $0 }
        let second = layer.backward(Tensor(shape: y.shape, data: Reference.random(y.count, seed: 7)))
        XCTAssertEqual(first.data, copy)
        XCTAssertNotEqual(second.data, copy)
        let third = layer.backward(Tensor(shape: y.shape, data: Reference.random(y.count, seed: 6)))
        XCTAssertEqual(third.data, copy)
    }

    func testTiesRouteToTheFirstMaximum() throws {
        let layer = try built(2, nil, [2, 2, 1])
        var rng = RNG(seed: 0)
        let y = layer.forward(Tensor(shape: [1, 2, 2, 1], data: [0, 3, 3, 3]), training: true, rng: &rng)
        XCTAssertEqual(y.data, [3])
        XCTAssertEqual(layer.backward(Tensor(shape: [1, 1, 1, 1], data: [5])).data, [0, 5, 0, 0])
    }

    func testShapesMatchKeras() throws {
        XCTAssertEqual(try MaxPool2D(poolSize: 2).outputShape(for: [24, 24, 32]), [12, 12, 32])
        XCTAssertEqual(try MaxPool2D().outputShape(for: [10, 10, 15]), [5, 5, 15])
        XCTAssertEqual(try MaxPool2D(poolSize: 2).outputShape(for: [25, 23, 3]), [12, 11, 3])
        XCTAssertEqual(try MaxPool2D(poolSize: 3, strides: 1).outputShape(for: [5, 5, 1]), [3, 3, 1])
        let layer = MaxPool2D()
        XCTAssertEqual(layer.typeName, "MaxPooling2D")
        XCTAssertEqual(layer.name, "max_pooling2d")
        XCTAssertEqual(layer.configDescription, "pool=2x2, strides=2")
        XCTAssertTrue(layer.parameters.isEmpty)
    }

    func testShapeErrors() {
        XCTAssertThrowsError(try MaxPool2D().outputShape(for: [784])) { error in
            XCTAssertEqual(
                (error as? ShapeError)?.description,
                "max_pooling2d: MaxPooling2D needs an image input (height, width, channels) but gets (784); add pooling layers before flatten")
        }
        XCTAssertThrowsError(try MaxPool2D(poolSize: 3).outputShape(for: [2, 5, 4])) { error in
            XCTAssertEqual(
                (error as? ShapeError)?.description,
                "max_pooling2d: pool 3x3 does not fit the 2x5 input; use a smaller pool size")
        }
    }
}
