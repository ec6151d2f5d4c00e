import CThreadPool
import NeuralNet
import XCTest

/// The engine's thread pool (C) and the products it splits.
final class ThreadPoolTests: XCTestCase {
    override func tearDown() {
        BLAS.threads = 2
    }

    /// Per-part counters: every part must run exactly once, whatever the thread count.
    private final class Counts: @unchecked Sendable {
        var values: [Int]
        init(_ n: Int) { values = Array(repeating: 0, count: n) }
    }

    private func runCounting(parts: Int) -> [Int] {
        let counts = Counts(parts)
        counts.values.withUnsafeMutableBufferPointer { buffer in
            var base = buffer.baseAddress!
            threadpool_run(parts, { context, part in
                let p = context!.assumingMemoryBound(to: UnsafeMutablePointer<Int>.self).pointee
                p[part] += 1  // each part owns its slot
            }, &base)
        }
        return counts.values
    }

    func testEveryPartRunsExactlyOnceForAnyThreadCount() {
        for threads in [1, 2, 3, 5, 2] {
            threadpool_set_threads(Int32(threads))
            XCTAssertEqual(Int(threadpool_threads()), threads)
            for parts in [1, 2, 7, 1000] {
                XCTAssertEqual(runCounting(parts: parts), Array(repeating: 1, count: parts), "\(threads) threads, \(parts) parts")
            }
        }
    }

    func testManyRunsInARowAllComplete() {
        threadpool_set_threads(2)
        var total = 0
        for _ in 0..<20_000 { total += runCounting(parts: 2).reduce(0, +) }
        XCTAssertEqual(total, 40_000)
    }

    func testRunsAfterTheWorkersFellAsleepStillComplete() {
        threadpool_set_threads(2)
        XCTAssertEqual(runCounting(parts: 4), [1, 1, 1, 1])
        usleep(5_000)  // well past the spin time: the worker sleeps on the condition variable
        XCTAssertEqual(runCounting(parts: 4), [1, 1, 1, 1])
    }

    /// With both threads confined to one CPU (a busy machine), a waiting thread must give the CPU to
    /// the one it waits for; spinning there instead held each run up for a time slice. Only the
    /// yields are checked here; the time is the benchmark's (`taskset -c 0 mnist-bench --threads 2`).
    func testThreadsSharingACPUYieldToEachOtherAndRunsComplete() {
        // Workers inherit the affinity of the thread that creates them.
        threadpool_set_threads(1)
        XCTAssertEqual(threadpool_confine_to_one_cpu(1), 0)
        threadpool_set_threads(2)
        defer {
            threadpool_set_threads(1)
            XCTAssertEqual(threadpool_confine_to_one_cpu(0), 0)
            threadpool_set_threads(2)
        }
        let before = threadpool_yields()
        var total = 0
        for _ in 0..<2_000 { total += runCounting(parts: 2).reduce(0, +) }
        XCTAssertEqual(total, 4_000)
        XCTAssertGreaterThan(threadpool_yields(), before, "no waiting thread yielded to the other on its CPU")
    }

    func testNestedRunsExecuteInlineInsideAPart() {
        threadpool_set_threads(2)
        final class Box: @unchecked Sendable { var inner = [Int32](repeating: 0, count: 4) }
        let box = Box()
        withExtendedLifetime(box) {
            var pointer = Unmanaged.passUnretained(box).toOpaque()
            threadpool_run(4, { context, part in
                let box = Unmanaged<Box>.fromOpaque(context!.assumingMemoryBound(to: UnsafeMutableRawPointer.self).pointee)
                    .takeUnretainedValue()
                // Inside a part there is no second level of threads.
                box.inner[part] = threadpool_available()
            }, &pointer)
        }
        XCTAssertEqual(box.inner, [1, 1, 1, 1])
        XCTAssertEqual(threadpool_available(), 2)
    }

    /// Every thread that runs parts, the caller included, flushes denormal results to zero and
    /// reads denormal inputs as zero; another thread that runs no part is left alone.
    func testPartsRunWithDenormalsFlushedOnEveryThread() {
        threadpool_set_threads(2)
        final class Box: @unchecked Sendable {
            // Read through the box so the compiler cannot fold the arithmetic away.
            var smallestNormal = Float.leastNormalMagnitude, denormal = Float.leastNonzeroMagnitude, half: Float = 0.5
            var products = [Float](repeating: .nan, count: 8), threads = [ObjectIdentifier?](repeating: nil, count: 8)
        }
        let box = Box()
        withExtendedLifetime(box) {
            var pointer = Unmanaged.passUnretained(box).toOpaque()
            threadpool_run(8, { context, part in
                let box = Unmanaged<Box>.fromOpaque(context!.assumingMemoryBound(to: UnsafeMutableRawPointer.self).pointee)
                    .takeUnretainedValue()
                // smallestNormal * 0.5 is a denormal (flushed); denormal * 1e30 is ~1.4e-15 unless read as 0.
                box.products[part] = box.smallestNormal * box.half + box.denormal * 1e30
                box.threads[part] = ObjectIdentifier(Thread.current)
                usleep(2_000)  // long enough that the worker takes parts too
            }, &pointer)
        }
        XCTAssertEqual(box.products, [Float](repeating: 0, count: 8))
        XCTAssertEqual(Set(box.threads.map { $0! }).count, 2, "both threads ran parts")
        // A thread outside the pool keeps IEEE denormals.
        final class Result: @unchecked Sendable { var value: Float = 0 }
        let outside = Result()
        let thread = Thread { outside.value = box.smallestNormal * box.half }
        thread.start()
        while !thread.isFinished { usleep(1_000) }
        XCTAssertEqual(outside.value, Float.leastNormalMagnitude / 2)
    }

    /// Split products (rows or columns, transposed or not) against a double-precision reference.
    func testSplitProductsMatchTheReference() {
        var rng = RNG(seed: 3)
        for threads in [1, 2, 3] {
            BLAS.threads = threads
            for (m, n, k, tA, tB) in [
                (128, 512, 300, false, false), (300, 40, 128, true, false), (20, 700, 300, false, true),
                (24, 30, 9000, true, true), (5, 3, 2, false, false),
            ] {
                let a = (0..<m * k).map { _ in rng.uniform(-0.5, 0.5) }
                let b = (0..<k * n).map { _ in rng.uniform(-0.5, 0.5) }
                var c = [Float](repeating: .nan, count: m * n)
                BLAS.gemm(
                    transA: tA, transB: tB, m: m, n: n, k: k, a: a, lda: tA ? m : k, b: b, ldb: tB ? k : n,
                    c: &c, ldc: n)
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var s = 0.0
                        for p in 0..<k {
                            s += Double(tA ? a[p * m + i] : a[i * k + p]) * Double(tB ? b[j * k + p] : b[p * n + j])
                        }
                        worst = max(worst, abs(s - Double(c[i * n + j])))
                    }
                }
                XCTAssertLessThan(worst, 1e-3, "\(m)x\(n)x\(k) tA=\(tA) tB=\(tB), \(threads) threads")
            }
        }
    }
}
