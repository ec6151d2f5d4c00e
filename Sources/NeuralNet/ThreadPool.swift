import CThreadPool

/// The engine's one set of threads (CThreadPool): parallel loops, the split matrix products and
/// the conv pipeline all run on it, while OpenBLAS stays on one thread.
///
/// Why not OpenBLAS's own threads: its idle workers spin on `sched_yield` for a long while after
/// each product, so any loop of ours that ran on the other core between two products (bias,
/// activation, dropout, Adam, the conv pipeline) fought them for the CPU — up to a sixth of the
/// time in a profile. Splitting the products ourselves is also faster for the small shapes of a
/// training step (see `BLAS.gemm`).
enum ThreadPool {
    /// Threads that run parts, the caller included; defaults to the CPUs the process may use.
    static var threads: Int {
        get { Int(threadpool_threads()) }
        set { threadpool_set_threads(Int32(newValue)) }
    }

    /// The most threads the pool can have.
    static let maximumThreads = Int(THREADPOOL_MAX_THREADS)

    /// Threads a `run` started here would use: 1 inside a part (nested runs execute inline).
    static var available: Int { Int(threadpool_available()) }

    /// Calls `body(part)` for every part in `0..<parts` across the threads; returns when all are
    /// done. Parts are handed out dynamically, so a part's work must not depend on its thread.
    /// Every thread that runs parts, the caller included, flushes denormals to zero from then on
    /// (`threadpool_flush_denormals`: what TensorFlow does, and ~30 % of a training epoch here).
    static func run(parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else {
            threadpool_flush_denormals()
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var work = body
            withUnsafeMutablePointer(to: &work) { pointer in
                threadpool_run(parts, { context, part in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(part)
                }, pointer)
            }
        }
    }

    /// Runs `body(part)` for every part like `run`; true when it returned true for all of them.
    static func all(parts: Int, _ body: (Int) -> Bool) -> Bool {
        var results = [Bool](repeating: false, count: parts)
        results.withUnsafeMutableBufferPointer { r in run(parts: parts) { p in r[p] = body(p) } }
        return !results.contains(false)
    }
}

/// Runs `body` over `0..<count` split into contiguous ranges of at least `minimumPerPart`, one
/// per thread. Callers' closures capture raw buffers; each range touches only its own values.
func parallelFor(_ count: Int, minimumPerPart: Int = 1, _ body: (Range<Int>) -> Void) {
    runParts(max(1, min(ThreadPool.available, count / max(1, minimumPerPart))), count: count) { _, range in body(range) }
}

/// Runs `body(part, range)` over `0..<count` split into `parts` contiguous ranges in parallel.
func runParts(_ parts: Int, count: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
    ThreadPool.run(parts: parts) { part in body(part, count * part / parts..<count * (part + 1) / parts) }
}
