import LinearAlgebra

/// The Kepler two-body problem in the plane, q'' = −q/|q|³, H = |p|²/2 − 1/|q|
/// (GNI §I.2.3). From q = (1−e, 0), p = (0, √((1+e)/(1−e))) the orbit is an ellipse of
/// eccentricity e and period 2π; the default e = 0.6 gives q = (0.4, 0), p = (0, 2).
public struct Kepler<Scalar: BLASScalar>: SecondOrderVectorField, HamiltonianSystem {
    public typealias State = SIMD2<Scalar>

    public init() {}

    @inlinable
    public func acceleration(_ y: State, time: Scalar, into a: inout State) {
        let r2 = (y * y).sum()
        a = -y / (r2 * r2.squareRoot())
    }

    public func energy(q: State, p: State) -> Scalar {
        (p * p).sum() / 2 - 1 / (q * q).sum().squareRoot()
    }

    /// The initial state on the orbit of eccentricity e, at pericentre.
    public static func initialState(eccentricity e: Scalar = 0.6) -> (q: State, p: State) {
        (State(1 - e, 0), State(0, ((1 + e) / (1 - e)).squareRoot()))
    }
}
