import Integrators
import LinearAlgebra
import RealModule

/// Lyapunov exponents with their running estimates.
public struct LyapunovResult<Scalar: BLASScalar> {
    /// The exponents in descending order, per unit time (per iterate for maps).
    public var exponents: [Double]
    /// (time, running estimates) pairs, thinned to about `historyPoints` entries.
    public var history: [(time: Double, exponents: [Double])]
    /// Wall-clock seconds.
    public var seconds: Double

    public init(exponents: [Double], history: [(time: Double, exponents: [Double])], seconds: Double) {
        self.exponents = exponents
        self.history = history
        self.seconds = seconds
    }

    /// Σ λᵢ: the mean phase-space contraction rate (the divergence of the field, or ln|det Dg| for a map).
    public var sum: Double { exponents.reduce(0, +) }

    /// The Kaplan–Yorke (Lyapunov) dimension D = k + (λ₁ + … + λ_k)/|λ_{k+1}|, k the largest
    /// index with a non-negative partial sum (Kaplan & Yorke 1979; Frederickson et al. 1983).
    public var kaplanYorkeDimension: Double { Self.kaplanYorke(exponents) }

    public static func kaplanYorke(_ exponents: [Double]) -> Double {
        var partial = 0.0
        for (k, lambda) in exponents.enumerated() {
            if partial + lambda < 0 { return Double(k) + partial / abs(lambda) }
            partial += lambda
        }
        return Double(exponents.count)
    }
}

/// The Lyapunov spectrum by the Benettin–Galgani–Giorgilli–Strelcyn / Shimada–Nagashima
/// algorithm: propagate k orthonormal tangent vectors with the linearised step map, and
/// re-orthonormalise them by QR (LAPACK `?geqrf`/`?orgqr`), accumulating log|R_ii|
/// (Benettin et al., Meccanica 15, 1980; Shimada & Nagashima, Prog. Theor. Phys. 61, 1979).
///
/// The linearised step Q ↦ DΦ_h(x)·Q is applied column by column as central-difference
/// directional derivatives of the method's own step map Φ_h (2k steps per step), so the
/// exponents are those of the discrete system the method defines, for any method — and for
/// two-step methods on the pair state, parasitic modes included. The difference error is about
/// ε^{2/3} per step, far below the statistical error of a finite run.
public struct LyapunovSpectrum<Scalar: BLASScalar>: BindingExperiment {
    public var settings: LyapunovSettings<Scalar>
    /// How many exponents (k); nil for the full spectrum.
    public var count: Int?

    public init(_ settings: LyapunovSettings<Scalar>, count: Int? = nil) {
        self.settings = settings
        self.count = count
    }

    @inlinable
    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> LyapunovResult<Scalar>
    where I.State: CoordinateState, I.State.Scalar == Scalar {
        try settings.measure(b) { integrator, x, history in
            let h = settings.stepSize
            var stepper = integrator
            let n = x.coordinateCount, k = min(count ?? n, n)
            // The tangent vectors q_j, starting as the first k unit vectors, and workspace.
            var unit = [Scalar](repeating: 0, count: n)
            var columns: [I.State] = (0..<k).map { j in
                unit[j] = 1
                defer { unit[j] = 0 }
                var e = x  // x's shape (a tensor keeps its dimensions)
                unit.withUnsafeBufferPointer { e.setCoordinates(from: $0.baseAddress!) }
                return e
            }
            var plus = x, minus = x
            var q = [Scalar](repeating: 0, count: n * k)  // Q, n×k column-major, for LAPACK
            var workspace = QRWorkspace<Scalar>(rows: n, columns: k)
            var diagonal = [Scalar](repeating: 0, count: k)
            var coordinates = [Scalar](repeating: 0, count: 2 * n)
            var sums = [Double](repeating: 0, count: k)
            for step in 1...settings.steps {
                let t = settings.time(ofStep: settings.transient + step - 1)
                // q_j ← DΦ_h(x)·q_j by central differences of the step map, each coordinate
                // moved by at most its own step (`FiniteDifference.directionalStep`).
                for j in 0..<k {
                    let d = FiniteDifference.directionalStep(at: x, along: columns[j], relative: Scalar.root(Scalar.ulpOfOne, 3),
                                                             workspace: &coordinates)
                    plus.assign(x)
                    plus.axpy(d, columns[j])
                    stepper.step(b.field, &plus, time: t, stepSize: h)
                    minus.assign(x)
                    minus.axpy(-d, columns[j])
                    stepper.step(b.field, &minus, time: t, stepSize: h)
                    columns[j].assign(plus)
                    columns[j].subtract(minus)
                    columns[j].scale(by: 1 / (2 * d))
                }
                integrator.step(b.field, &x, time: t, stepSize: h)
                guard x.isFinite else {
                    throw LinearAlgebraError.failed(routine: "lyapunov", info: step, reason: "the trajectory overflowed at step \(step); use a smaller step size")
                }
                if settings.renormalizes(at: step) {
                    try q.withUnsafeMutableBufferPointer { qp in
                        for j in 0..<k { columns[j].copyCoordinates(to: qp.baseAddress! + j * n) }
                        try diagonal.withUnsafeMutableBufferPointer { dp in
                            try workspace.orthonormalize(qp.baseAddress!, diagonalR: dp.baseAddress!)
                        }
                        for j in 0..<k { columns[j].setCoordinates(from: qp.baseAddress! + j * n) }
                    }
                    for j in 0..<k { sums[j] += Double.log(Double(abs(diagonal[j]))) }
                }
                settings.record(step: step, sums: sums, into: &history)
            }
            return sums
        }
    }
}
