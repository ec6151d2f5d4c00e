/// Limited-memory BFGS for full-batch training, following scipy's L-BFGS-B (unconstrained):
/// history 10, Moré-Thuente line search (ftol 1e-3, gtol 0.9), first step 1/‖g‖, then 1;
/// stops when ‖g‖∞ <= 1e-5 or the relative decrease of f falls below 1e7·ε.
///
/// Works in Double on a flat parameter vector; the objective is supplied per call so the model can
/// accumulate it over chunks of the data. State survives between calls (continue training), and is
/// reset when the vector passed in is not the one it left off at.
public final class LBFGS {
    public let historySize: Int
    public var pgtol = 1e-5
    public var factr = 1e7
    public var maxLineSearchEvaluations = 20
    public private(set) var iterations = 0
    public private(set) var evaluations = 0
    private var x: [Double] = []
    private var f = 0.0
    private var g: [Double] = []
    private var s: [[Double]] = []
    private var y: [[Double]] = []
    /// Set by `load`: `x` is known but f and g must be recomputed before the next step.
    private var needsEvaluation = false

    /// What one iteration did.
    public enum Outcome: Equatable {
        /// Took a step; f is the new objective.
        case step(f: Double, evaluations: Int)
        /// Nothing left to do (gradient tiny or no relative progress); f is the final objective.
        case converged(f: Double, reason: String)
        /// The line search could not find a decrease even along the steepest descent.
        case failed(f: Double, reason: String)
    }

    public init(historySize: Int = 10) { self.historySize = historySize }

    /// Current objective value (after the last iteration).
    public var value: Double { f }

    /// The point the last iteration accepted (empty before the first).
    public var acceptedPoint: [Double] { x }

    /// Forgets the curvature history (the next iteration starts with steepest descent).
    public func reset() {
        x = []
        s = []
        y = []
    }

    /// Performs one iteration from `start` (ignored when continuing from where the last call ended).
    public func iterate(from start: [Double], objective: ([Double]) -> (Double, [Double])) -> Outcome {
        if x != start {
            reset()
            x = start
            needsEvaluation = true
        }
        if needsEvaluation {
            (f, g) = objective(x)
            evaluations += 1
            needsEvaluation = false
        }
        guard f.isFinite else { return .failed(f: f, reason: "the objective is not finite at the starting point") }
        if g.reduce(0, { max($0, abs($1)) }) <= pgtol {
            return .converged(f: f, reason: "projected gradient below \(pgtol)")
        }
        var attempt = 0
        while true {
            attempt += 1
            var d = direction()
            var gd = dot(g, d)
            if gd >= 0 {
                s = []
                y = []
                d = g.map { -$0 }
                gd = dot(g, d)
            }
            let stp0 = s.isEmpty ? min(1 / dot(d, d).squareRoot(), 1e10) : 1
            var ls = MoreThuente(stpmax: 1e10)
            var stp = stp0
            var task = ls.start(f: f, g: gd, stp: stp)
            var xNew = x, fNew = f, gNew = g
            var used = 0
            while task == .evaluate && used < maxLineSearchEvaluations {
                for i in 0..<x.count { xNew[i] = x[i] + stp * d[i] }
                (fNew, gNew) = objective(xNew)
                used += 1
                evaluations += 1
                if !fNew.isFinite {
                    // Back off towards the last good point rather than feeding NaN to the search.
                    stp *= 0.1
                    continue
                }
                task = ls.next(f: fNew, g: dot(gNew, d), stp: &stp)
            }
            let accepted = fNew.isFinite && (task == .converged || fNew < f)
            if !accepted {
                if !s.isEmpty && attempt == 1 {
                    s = []
                    y = []
                    continue
                }
                return .failed(f: f, reason: "line search found no decrease along the steepest descent")
            }
            let sk = zip(xNew, x).map { $0 - $1 }
            let yk = zip(gNew, g).map { $0 - $1 }
            let sy = dot(sk, yk)
            if sy > Double.ulpOfOne * dot(yk, yk) {
                s.append(sk)
                y.append(yk)
                if s.count > historySize {
                    s.removeFirst()
                    y.removeFirst()
                }
            }
            let fOld = f
            x = xNew
            f = fNew
            g = gNew
            iterations += 1
            if (fOld - f) / max(abs(fOld), abs(f), 1) <= factr * Double.ulpOfOne {
                return .converged(f: f, reason: "relative reduction of the objective below factr·ε")
            }
            return .step(f: f, evaluations: used)
        }
    }

    /// Two-loop recursion: -H·g with H0 = (sᵀy / yᵀy)·I.
    private func direction() -> [Double] {
        var q = g
        var alpha = [Double](repeating: 0, count: s.count)
        for i in stride(from: s.count - 1, through: 0, by: -1) {
            let rho = 1 / dot(y[i], s[i])
            alpha[i] = rho * dot(s[i], q)
            for j in 0..<q.count { q[j] -= alpha[i] * y[i][j] }
        }
        if let sl = s.last, let yl = y.last {
            let gamma = dot(sl, yl) / dot(yl, yl)
            for j in 0..<q.count { q[j] *= gamma }
        }
        for i in 0..<s.count {
            let rho = 1 / dot(y[i], s[i])
            let beta = rho * dot(y[i], q)
            for j in 0..<q.count { q[j] += s[i][j] * (alpha[i] - beta) }
        }
        return q.map { -$0 }
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var t = 0.0
        for i in 0..<a.count { t += a[i] * b[i] }
        return t
    }

    /// Everything needed to continue exactly, for saving: the iterate "x", its gradient "g" and
    /// objective "f" (once evaluated), and the curvature pairs "s0", "y0", ..., all in Double.
    public var state: OptimizerState {
        var vectors: [(name: String, values: [Double])] = []
        var scalars = ["iterations": Double(iterations), "evaluations": Double(evaluations)]
        if !x.isEmpty && !needsEvaluation && f.isFinite {
            vectors += [("x", x), ("g", g)]
            scalars["f"] = f
        }
        for i in 0..<s.count { vectors += [("s\(i)", s[i]), ("y\(i)", y[i])] }
        return OptimizerState(kind: "lbfgs", scalars: scalars, tensors: [], vectors: vectors)
    }

    /// Restores state saved by `state` to continue from `point` (the model's weights). When the
    /// saved iterate rounds to `point`, L-BFGS continues from it with its saved objective and
    /// gradient, exactly as if it had never stopped; otherwise it re-evaluates at `point`.
    /// Sessions saved before the iterate was kept carry the pairs as float32 tensors; those load too.
    public func load(_ state: OptimizerState, at point: [Double]) throws {
        guard state.kind == "lbfgs" else {
            throw OptimizerStateError(description: "optimizer state is for \(state.kind), not L-BFGS; re-compile to reset it")
        }
        let (savedIterations, savedEvaluations) = (try state.count("iterations"), try state.count("evaluations"))
        var vectors = Dictionary(state.vectors.map { ($0.name, $0.values) }, uniquingKeysWith: { a, _ in a })
        for (name, t) in state.tensors where vectors[name] == nil { vectors[name] = t.data.map(Double.init) }
        var newS: [[Double]] = [], newY: [[Double]] = []
        var i = 0
        while let sv = vectors["s\(i)"] {
            guard let yv = vectors["y\(i)"], sv.count == point.count, yv.count == point.count else {
                throw OptimizerStateError(description: "L-BFGS state: pair \(i) is missing or has the wrong size (expected \(point.count))")
            }
            newS.append(sv)
            newY.append(yv)
            i += 1
        }
        var resumed = false
        if let savedX = vectors["x"] {
            guard let savedG = vectors["g"], let savedF = state.scalars["f"], savedX.count == point.count, savedG.count == point.count else {
                throw OptimizerStateError(description: "L-BFGS state: the iterate needs a gradient and objective of \(point.count) values")
            }
            guard savedF.isFinite else { throw OptimizerStateError(description: "L-BFGS state: the objective f \(savedF) is not a finite number") }
            if zip(savedX, point).allSatisfy({ Float($0) == Float($1) }) {
                (x, g, f) = (savedX, savedG, savedF)
                resumed = true
            }
        }
        s = newS
        y = newY
        if !resumed { x = point }
        needsEvaluation = !resumed
        iterations = savedIterations
        evaluations = savedEvaluations
    }
}
