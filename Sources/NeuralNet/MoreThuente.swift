/// The Moré-Thuente line search (MINPACK-2 `dcsrch`/`dcstep`), the one scipy's L-BFGS-B uses.
///
/// It finds a step satisfying the strong Wolfe conditions
/// `f(stp) <= f(0) + ftol·stp·f'(0)` and `|f'(stp)| <= gtol·|f'(0)|` by safeguarded cubic and
/// quadratic interpolation. Drive it as a reverse-communication loop:
///
///     var ls = MoreThuente(stpmax: 1e10)
///     var stp = 1.0
///     var task = ls.start(f: f0, g: g0, stp: stp)
///     while task == .evaluate { let (f, g) = phi(stp); task = ls.next(f: f, g: g, stp: &stp) }
struct MoreThuente {
    enum Task: Equatable { case evaluate, converged, warning(String) }

    var ftol = 1e-3, gtol = 0.9, xtol = 0.1, stpmin = 0.0, stpmax: Double

    private var brackt = false, stage = 1
    private var ginit = 0.0, gtest = 0.0, finit = 0.0, width = 0.0, width1 = 0.0
    private var stx = 0.0, fx = 0.0, gx = 0.0, sty = 0.0, fy = 0.0, gy = 0.0
    private var stmin = 0.0, stmax = 0.0

    init(stpmax: Double) { self.stpmax = stpmax }

    mutating func start(f: Double, g: Double, stp: Double) -> Task {
        guard stp >= stpmin, stp <= stpmax, g < 0 else { return .warning("not a descent direction or step out of range") }
        brackt = false
        stage = 1
        finit = f
        ginit = g
        gtest = ftol * ginit
        width = stpmax - stpmin
        width1 = width / 0.5
        stx = 0; fx = finit; gx = ginit
        sty = 0; fy = finit; gy = ginit
        stmin = 0
        stmax = stp + 4 * stp
        return .evaluate
    }

    mutating func next(f: Double, g: Double, stp: inout Double) -> Task {
        let ftest = finit + stp * gtest
        if stage == 1 && f <= ftest && g >= 0 { stage = 2 }
        if brackt && (stp <= stmin || stp >= stmax) { return .warning("rounding errors prevent progress") }
        if brackt && stmax - stmin <= xtol * stmax { return .warning("xtol test satisfied") }
        if stp == stpmax && f <= ftest && g <= gtest { return .warning("stp = stpmax") }
        if stp == stpmin && (f > ftest || g >= gtest) { return .warning("stp = stpmin") }
        if f <= ftest && abs(g) <= gtol * (-ginit) { return .converged }

        if stage == 1 && f <= fx && f > ftest {
            // Modified function ψ(stp) = f(stp) - f(0) - ftol·stp·f'(0) until the step is bracketed.
            var fm = f - stp * gtest, fxm = fx - stx * gtest, fym = fy - sty * gtest
            var gm = g - gtest, gxm = gx - gtest, gym = gy - gtest
            Self.cstep(&stx, &fxm, &gxm, &sty, &fym, &gym, &stp, &fm, &gm, &brackt, stmin, stmax)
            fx = fxm + stx * gtest; fy = fym + sty * gtest
            gx = gxm + gtest; gy = gym + gtest
        } else {
            var fv = f, gv = g
            Self.cstep(&stx, &fx, &gx, &sty, &fy, &gy, &stp, &fv, &gv, &brackt, stmin, stmax)
        }
        if brackt {
            if abs(sty - stx) >= 0.66 * width1 { stp = stx + 0.5 * (sty - stx) }
            width1 = width
            width = abs(sty - stx)
            stmin = min(stx, sty)
            stmax = max(stx, sty)
        } else {
            stmin = stp + 1.1 * (stp - stx)
            stmax = stp + 4 * (stp - stx)
        }
        stp = min(max(stp, stpmin), stpmax)
        if brackt && (stp <= stmin || stp >= stmax || stmax - stmin <= xtol * stmax) { stp = stx }
        return .evaluate
    }

    /// One safeguarded step of the interval update (`dcstep`).
    private static func cstep(
        _ stx: inout Double, _ fx: inout Double, _ dx: inout Double,
        _ sty: inout Double, _ fy: inout Double, _ dy: inout Double,
        _ stp: inout Double, _ fp: inout Double, _ dp: inout Double,
        _ brackt: inout Bool, _ stpmin: Double, _ stpmax: Double
    ) {
        let sgnd = dp * (dx / abs(dx))
        var stpf: Double
        if fp > fx {
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp < stx { gamma = -gamma }
            let p = (gamma - dx) + theta
            let q = ((gamma - dx) + gamma) + dp
            let stpc = stx + p / q * (stp - stx)
            let stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2) * (stp - stx)
            stpf = abs(stpc - stx) < abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2
            brackt = true
        } else if sgnd < 0 {
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta
            let q = ((gamma - dp) + gamma) + dx
            let stpc = stp + p / q * (stx - stp)
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
            brackt = true
        } else if abs(dp) < abs(dx) {
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * max(0, (theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta
            let q = (gamma + (dx - dp)) + gamma
            let r = p / q
            let stpc: Double
            if r < 0 && gamma != 0 {
                stpc = stp + r * (stx - stp)
            } else if stp > stx {
                stpc = stpmax
            } else {
                stpc = stpmin
            }
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            if brackt {
                stpf = abs(stpc - stp) < abs(stpq - stp) ? stpc : stpq
                stpf = stp > stx ? min(stp + 0.66 * (sty - stp), stpf) : max(stp + 0.66 * (sty - stp), stpf)
            } else {
                stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
                stpf = max(stpmin, min(stpmax, stpf))
            }
        } else {
            if brackt {
                let theta = 3 * (fp - fy) / (sty - stp) + dy + dp
                let s = max(abs(theta), abs(dy), abs(dp))
                var gamma = s * ((theta / s) * (theta / s) - (dy / s) * (dp / s)).squareRoot()
                if stp > sty { gamma = -gamma }
                let p = (gamma - dp) + theta
                let q = ((gamma - dp) + gamma) + dy
                stpf = stp + p / q * (sty - stp)
            } else {
                stpf = stp > stx ? stpmax : stpmin
            }
        }
        if fp > fx {
            sty = stp; fy = fp; dy = dp
        } else {
            if sgnd < 0 { sty = stx; fy = fx; dy = dx }
            stx = stp; fx = fp; dx = dp
        }
        stp = stpf
    }
}
