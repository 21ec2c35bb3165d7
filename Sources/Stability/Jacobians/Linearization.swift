import ComplexModule
import Integrators
import LinearAlgebra

/// A map F between states of one type, at a point x, to be linearised: its Jacobian DF(x)
/// as a dense matrix (central differences, 2n evaluations of F) or as products DF(x)·v (one
/// central difference along v, two evaluations), which is what the Arnoldi method needs at
/// sizes where the dense matrix does not fit. The output may have another size than the input
/// (a network's map through its transitions): the matrix is then m×n and a product writes m
/// values.
///
/// Both use the differences of `FiniteDifference`, with error about ε^{2/3} relative to the
/// scale of F: the dense Jacobian and the products describe the same operator to that
/// accuracy, so the two eigensolvers can cross-check each other.
public struct Linearization<State: CoordinateState> where State.Scalar: BLASScalar {
    public typealias Scalar = State.Scalar
    public let point: State
    public let map: (State) -> State
    /// ‖x‖∞, which scales the difference step.
    let pointScale: Scalar

    public init(at point: State, _ map: @escaping (State) -> State) {
        self.point = point
        self.map = map
        pointScale = point.coordinates.reduce(0) { max($0, abs($1)) }
    }

    /// n, the number of coordinates of the state.
    public var dimension: Int { point.coordinateCount }

    /// DF(x), n×n.
    public func jacobian() -> Matrix<Scalar> { FiniteDifference.jacobian(at: point, map) }

    /// y ← DF(x)·v on flat coordinates, by (F(x + δv) − F(x − δv))/(2δ) with δ·‖v‖∞ =
    /// ε^{1/3}·max(1, ‖x‖∞), the dense Jacobian's step for the largest coordinate.
    public func product(_ v: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>) {
        let n = dimension
        var largestV: Scalar = 0
        for i in 0..<n { largestV = max(largestV, abs(v[i])) }
        guard largestV > 0 else {
            y.update(repeating: 0, count: n)
            return
        }
        let delta = FiniteDifference.step(for: pointScale) / largestV
        var direction = point
        direction.setCoordinates(from: v)
        var plus = point, minus = point
        plus.axpy(delta, direction)
        minus.axpy(-delta, direction)
        var difference = map(plus)
        difference.axpy(-1, map(minus))
        difference.scale(by: 1 / (2 * delta))
        difference.copyCoordinates(to: y)
    }
}

/// How eigenvalues of a linearisation are computed.
public enum Eigensolver: String, CaseIterable, Codable, Sendable {
    /// Dense `dgeev` up to `Eigensolver.denseLimit` dimensions, Arnoldi above.
    case auto
    /// The dense Jacobian and `dgeev`: every eigenvalue; n² memory, about 10n³ flops.
    case dense
    /// ARPACK's Arnoldi method on Jacobian–vector products: a few eigenvalues at any size.
    case arnoldi

    /// The largest dimension `auto` treats densely (an 8 MB Jacobian): below it every
    /// eigenvalue is affordable and the Arnoldi method's limits (ends that do not stand apart)
    /// do not arise.
    public static let denseLimit = 1024

    /// Whether a linearisation of dimension n (asking for k eigenvalues) is treated densely.
    public func isDense(dimension n: Int, count k: Int) -> Bool {
        switch self {
        case .dense: true
        case .arnoldi: n < k + 2  // ARPACK's limit: below it only the dense method works
        case .auto: n <= Self.denseLimit || n < k + 2
        }
    }
}

/// The leading eigenvalues of an operator at the ends a stability analysis needs: the k of
/// largest real part (whose first is the spectral abscissa, what decides a flow) and the k of
/// largest modulus (the spectral radius, what decides a map).
public struct LeadingEigenvalues: Sendable, Codable, Equatable {
    /// Operator dimension n.
    public var dimension: Int
    /// The k eigenvalues of largest real part, `[re, im]`, in that order (nil: not asked for).
    public var byRealPart: [[Double]]?
    /// The k eigenvalues of largest modulus, `[re, im]`, in that order (nil: not asked for).
    public var byModulus: [[Double]]?
    /// Which solver computed them.
    public var solver: Eigensolver
    /// Operator products the Arnoldi method used (0 for the dense solver).
    public var products: Int
    /// Wall-clock seconds the computation took.
    public var seconds: Double = 0
    /// The ends at which the Arnoldi method converged on no eigenvalue (their lists are nil).
    /// This happens when the wanted end does not stand apart: "largest real part" of a spectrum
    /// on a vertical line (a Hamiltonian field's, on the imaginary axis), "largest modulus" of
    /// one on a circle (a symplectic step's, on the unit circle); the wanted set never settles.
    public var unconverged: [EigenvalueSelection] = []

    /// max Re λ, when the eigenvalues by real part were computed.
    public var spectralAbscissa: Double? { byRealPart?.first?[0] }
    /// max |λ|, when the eigenvalues by modulus were computed.
    public var spectralRadius: Double? { byModulus?.first.map { Complex($0[0], $0[1]).length } }

    /// The k leading eigenvalues at the `ends` asked for (default both) of an n×n operator
    /// given densely (`matrix`, called only by the dense solver) and by products y ← A x.
    /// - Throws: `LinearAlgebraError` when `dgeev` or ARPACK fails, or the dense solver's n×n
    ///   matrix would not fit in memory (checked before it is built).
    public init(dimension n: Int, count k: Int, ends: [EigenvalueSelection] = EigenvalueSelection.allCases, solver: Eigensolver = .auto,
                matrix: () -> Matrix<Double>, product: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void) throws {
        let clock = ContinuousClock(), start = clock.now
        var found: [EigenvalueSelection: [Complex<Double>]] = [:], products = 0
        if solver.isDense(dimension: n, count: k) {
            guard SafeSize.fitsInMemory(SafeSize.product([n, n]), width: 8) else {
                throw LinearAlgebraError.failed(routine: "dgeev", info: 0, reason: "a dense \(n)×\(n) Jacobian would not fit in memory; use the Arnoldi method")
            }
            let all = try matrix().eigenvalues()
            for end in ends { found[end] = Array(all.sorted(by: end.precedes).prefix(k)) }
            self.solver = .dense
        } else {
            for end in ends {
                do {
                    let r = try Arnoldi.eigenvalues(dimension: n, count: k, which: end, tolerance: Self.arnoldiTolerance,
                                                    subspace: max(5 * k, 50), maximumRestarts: Self.arnoldiRestarts, apply: product)
                    products += r.products
                    found[end] = r.eigenvalues
                } catch let error as LinearAlgebraError where error.isUnconverged {
                    unconverged.append(end)
                }
            }
            self.solver = .arnoldi
        }
        dimension = n
        byRealPart = found[.largestRealPart]?.map { [$0.real, $0.imaginary] }
        byModulus = found[.largestMagnitude]?.map { [$0.real, $0.imaginary] }
        self.products = products
        seconds = Integrators.seconds(since: start, clock)
    }

    /// The residual the Arnoldi method accepts, relative to |θ|: above the noise of the
    /// central-difference products (about ε^{2/3} ≈ 4e-11 relative), which a tighter
    /// tolerance would chase for thousands of products, and below the 1e-8 to which its
    /// eigenvalues are to agree with the dense ones.
    public static let arnoldiTolerance = 1e-9

    /// Restarts before an end is reported unconverged. The subspace is max(5k, 50) vectors: on a
    /// random 16-channel 32×32 ResNet block (16,384 dimensions, k = 10) the top 10 by real part
    /// took 1,543 products (39 restarts) in 8 to 11 s, a 30- or 80-vector subspace 2,030 and 1,211
    /// products and no less time. 80 restarts is twice what converging cases needed, and bounds
    /// the time lost on an end that cannot converge (a Hamiltonian field's by real part, a
    /// symplectic step's by modulus).
    public static let arnoldiRestarts = 80

    /// The leading eigenvalues of a Double linearisation's Jacobian.
    public init<S: CoordinateState>(of linearization: Linearization<S>, count k: Int, ends: [EigenvalueSelection] = EigenvalueSelection.allCases,
                                    solver: Eigensolver = .auto) throws where S.Scalar == Double {
        try self.init(dimension: linearization.dimension, count: k, ends: ends, solver: solver,
                      matrix: linearization.jacobian, product: linearization.product)
    }

    /// The verdict in continuous time (by the abscissa against ±tolerance·max(1, ρ)) or discrete
    /// time (by ρ against 1 ± tolerance), as `Spectrum.verdict`; nil when the end it needs was
    /// not computed. Without ρ, continuous time takes the threshold at the abscissa's own scale.
    public func verdict(_ time: TimeKind, tolerance: Double = Spectrum<Double>.defaultTolerance) -> StabilityVerdict? {
        switch time {
        case .continuous:
            guard let alpha = spectralAbscissa else { return nil }
            let threshold = tolerance * max(1, spectralRadius ?? abs(alpha))
            if alpha > threshold { return .unstable }
            return alpha < -threshold ? .stable : .marginal
        case .discrete:
            guard let rho = spectralRadius else { return nil }
            if rho > 1 + tolerance { return .unstable }
            return rho < 1 - tolerance ? .stable : .marginal
        }
    }
}
