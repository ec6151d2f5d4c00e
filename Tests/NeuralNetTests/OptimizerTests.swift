import Foundation
import NeuralNet
import XCTest

final class OptimizerTests: XCTestCase {
    private func parameter(_ values: [Float]) -> Parameter {
        Parameter(name: "kernel", value: Tensor(shape: [values.count], data: values), regularized: true)
    }

    func testAdamMatchesKerasFormula() {
        let p = parameter([0.5, -1.0, 2.0])
        let adam = Adam(learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7)
        let grads: [[Float]] = [[0.1, -0.2, 0.3], [-0.4, 0.05, 0.3]]
        var w = [0.5, -1.0, 2.0], m = [0.0, 0, 0], v = [0.0, 0, 0]
        for (t, g) in grads.enumerated() {
            p.grad = Tensor(shape: [3], data: g)
            adam.step([p])
            let step = Double(t + 1)
            let alpha = 0.01 * (1 - pow(0.999, step)).squareRoot() / (1 - pow(0.9, step))
            for j in 0..<3 {
                m[j] = 0.9 * m[j] + 0.1 * Double(g[j])
                v[j] = 0.999 * v[j] + 0.001 * Double(g[j]) * Double(g[j])
                w[j] -= alpha * m[j] / (v[j].squareRoot() + 1e-7)
            }
            for j in 0..<3 { XCTAssertEqual(Double(p.value[j]), w[j], accuracy: 1e-6) }
        }
        XCTAssertEqual(adam.iterations, 2)
    }

    func testSGDAndMomentum() {
        let p = parameter([1, 2])
        p.grad = Tensor(shape: [2], data: [0.5, -1])
        SGD(learningRate: 0.1).step([p])
        XCTAssertEqual(p.value.data, [0.95, 2.1])

        let q = parameter([1, 2])
        let momentum = SGD(learningRate: 0.1, momentum: 0.9)
        q.grad = Tensor(shape: [2], data: [0.5, -1])
        momentum.step([q])  // v = -0.05, 0.1
        q.grad = Tensor(shape: [2], data: [1, 1])
        momentum.step([q])  // v = 0.9v - 0.1g = -0.145, -0.01
        XCTAssertEqual(q.value[0], 1 - 0.05 - 0.145, accuracy: 1e-6)
        XCTAssertEqual(q.value[1], 2 + 0.1 - 0.01, accuracy: 1e-6)

        let r = parameter([1])
        let nesterov = SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
        r.grad = Tensor(shape: [1], data: [1])
        nesterov.step([r])  // v = -0.1; p += 0.9v - 0.1g = -0.19
        XCTAssertEqual(r.value[0], 0.81, accuracy: 1e-6)
    }

    func testCheckpointRestoresWeightsAndStateExactly() {
        for optimizer in [Adam(), SGD(learningRate: 0.1, momentum: 0.9)] as [Optimizer] {
            let p = parameter([0.3, -0.7])
            XCTAssertNil(optimizer.checkpointIterations)
            XCTAssertFalse(optimizer.restoreCheckpoint([p]), "nothing saved yet")
            p.grad = Tensor(shape: [2], data: [0.2, 0.1])
            optimizer.step([p])
            let weights = p.value
            let state = optimizer.state(parameters: [p], parameterNames: ["d.kernel"])
            optimizer.saveCheckpoint([p])
            XCTAssertEqual(optimizer.checkpointIterations, 1)
            for g in [[5, -3], [0.5, 7]] as [[Float]] {
                p.grad = Tensor(shape: [2], data: g)
                optimizer.step([p])
            }
            XCTAssertNotEqual(p.value, weights)
            XCTAssertEqual(optimizer.iterations, 3)
            XCTAssertTrue(optimizer.restoreCheckpoint([p]))
            XCTAssertEqual(p.value, weights)
            XCTAssertEqual(optimizer.iterations, 1)
            XCTAssertEqual(optimizer.state(parameters: [p], parameterNames: ["d.kernel"]), state)
            // The checkpoint stays until discarded.
            optimizer.step([p])
            XCTAssertTrue(optimizer.restoreCheckpoint([p]))
            XCTAssertEqual(p.value, weights)
            optimizer.discardCheckpoint()
            XCTAssertNil(optimizer.checkpointIterations)
            XCTAssertFalse(optimizer.restoreCheckpoint([p]))
        }
    }

    func testStateRoundTrip() throws {
        let p = parameter([0.3, -0.7])
        let a = Adam()
        p.grad = Tensor(shape: [2], data: [0.2, 0.1])
        a.step([p])
        let saved = a.state(parameters: [p], parameterNames: ["dense.kernel"])
        XCTAssertEqual(saved.tensors.map(\.name), ["m:dense.kernel", "v:dense.kernel"])
        XCTAssertEqual(saved.scalars["iterations"], 1)

        let q = parameter(p.value.data)
        let b = Adam()
        try b.load(saved, parameters: [q], parameterNames: ["dense.kernel"])
        p.grad = Tensor(shape: [2], data: [-0.4, 0.3])
        q.grad = p.grad
        a.step([p])
        b.step([q])
        XCTAssertEqual(p.value, q.value)

        XCTAssertThrowsError(try Adam().load(saved, parameters: [q], parameterNames: ["other.kernel"])) { error in
            XCTAssertTrue("\(error)".contains("missing tensor m:other.kernel"), "\(error)")
        }
    }

    /// An optimizer that never stepped saves no slots; loading that state gives it fresh zero slots
    /// (a compiled but untrained model saved as a session must restore).
    func testStateOfAnUnusedOptimizerLoads() throws {
        let p = parameter([0.3, -0.7])
        for make in [{ Adam() as any Optimizer }, { SGD(learningRate: 0.1, momentum: 0.9) as any Optimizer }] {
            let saved = make().state(parameters: [p], parameterNames: ["dense.kernel"])
            XCTAssertEqual(saved.tensors.count, 0)
            let reference = make(), loaded = make()
            let q = parameter(p.value.data), r = parameter(p.value.data)
            try loaded.load(saved, parameters: [r], parameterNames: ["dense.kernel"])
            q.grad = Tensor(shape: [2], data: [0.2, 0.1])
            r.grad = q.grad
            reference.step([q])
            loaded.step([r])
            XCTAssertEqual(q.value, r.value)
        }
    }

    /// Large parameters are updated by several threads; the split must not change a single value.
    func testLargeUpdatesAreExactAndIndependentOfThreads() {
        let count = 100_003  // odd: exercises the vector body and the scalar tail
        var rng = RNG(seed: 7)
        let w0 = (0..<count).map { _ in rng.uniform(-1, 1) }
        let grads = (0..<3).map { _ in (0..<count).map { _ in rng.uniform(-0.1, 0.1) } }
        let saved = BLAS.threads
        defer { BLAS.threads = saved }

        func train(_ make: () -> Optimizer, threads: Int) -> [Float] {
            BLAS.threads = threads
            let p = parameter(w0)
            let optimizer = make()
            for g in grads {
                p.grad = Tensor(shape: [count], data: g)
                optimizer.step([p])
            }
            return p.value.data
        }
        let makers: [() -> Optimizer] = [
            { Adam() }, { SGD(learningRate: 0.1) }, { SGD(learningRate: 0.1, momentum: 0.9, nesterov: true) },
        ]
        for make in makers {
            XCTAssertEqual(train(make, threads: 1), train(make, threads: 2), "\(make().config)")
        }

        // One Adam step from zero state, in Float with a correctly rounded square root.
        BLAS.threads = 2
        let p = parameter(w0)
        p.grad = Tensor(shape: [count], data: grads[0])
        Adam().step([p])
        let b1: Float = 0.9, b2: Float = 0.999
        let alpha = Float(Double(Float(1e-3)) * (1 - Double(b2)).squareRoot() / (1 - Double(b1)))
        var mismatches = 0
        for j in 0..<count {
            let g = grads[0][j]
            let m = b1 * 0 + (1 - b1) * g
            let v = b2 * 0 + (1 - b2) * g * g
            if p.value[j] != w0[j] - alpha * m / (v.squareRoot() + 1e-7) { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
    }
}
