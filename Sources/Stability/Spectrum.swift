import ComplexModule
import LinearAlgebra

/// Whether a linear(ised) system is read in continuous time (x' = A x: stability by the real
/// parts of the eigenvalues) or in discrete time (x_{n+1} = A x_n: by their moduli against 1).
public enum TimeKind: String, Sendable, Codable, CaseIterable {
    case continuous
    case discrete
}

/// The linear-stability verdict of a spectrum.
///
/// `marginal` means the spectrum touches the stability boundary within the tolerance
/// (the imaginary axis, or the unit circle): bounded growth for a normal matrix, but possibly
/// polynomial growth for a defective one (a Jordan block on the boundary).
public enum StabilityVerdict: String, Sendable, Codable {
    case stable
    case marginal
    case unstable
}

/// The eigenvalues of a square matrix with the quantities that decide linear stability.
///
/// Reference: the spectral abscissa α(A) = max Re λ and spectral radius ρ(A) = max |λ|
/// (Trefethen & Embree, *Spectra and Pseudospectra*, 2005, ch. 14–15).
public struct Spectrum<Scalar: BLASScalar>: Sendable {
    /// Eigenvalues sorted by decreasing real part, then decreasing imaginary part.
    public let eigenvalues: [Complex<Scalar>]
    /// α = max Re λ.
    public let spectralAbscissa: Scalar
    /// ρ = max |λ|.
    public let spectralRadius: Scalar
    /// The relative tolerance used for "on the boundary".
    public let tolerance: Scalar

    /// √ε of the scalar type (1.5e-8 in Double, 3.5e-4 in Float): eigenvalues of a well-conditioned
    /// matrix come out of `?geev` with absolute error about ε·‖A‖, so a real part below
    /// √ε·max(1, ρ) is rounding, while genuine growth rates are far above it.
    public static var defaultTolerance: Scalar { Scalar.ulpOfOne.squareRoot() }

    /// The spectrum of `matrix` through LAPACK `?geev`.
    /// - Throws: `LinearAlgebraError` for an empty, non-square or non-finite matrix.
    public init(of matrix: Matrix<Scalar>, tolerance: Scalar = Spectrum.defaultTolerance) throws {
        try self.init(eigenvalues: matrix.eigenvalues(), tolerance: tolerance)
    }

    /// A spectrum from eigenvalues computed elsewhere.
    public init(eigenvalues: [Complex<Scalar>], tolerance: Scalar = Spectrum.defaultTolerance) {
        precondition(!eigenvalues.isEmpty, "Spectrum: no eigenvalues")
        precondition(tolerance >= 0, "Spectrum: negative tolerance \(tolerance)")
        self.eigenvalues = eigenvalues.sorted {
            $0.real != $1.real ? $0.real > $1.real : $0.imaginary > $1.imaginary
        }
        spectralAbscissa = eigenvalues.map(\.real).max()!
        spectralRadius = eigenvalues.map(\.length).max()!
        self.tolerance = tolerance
    }

    /// The absolute threshold tolerance·max(1, ρ) below which a real part counts as zero.
    public var threshold: Scalar { tolerance * max(1, spectralRadius) }

    /// Every |Re λ| ≤ tolerance·max(1, ρ): the spectrum of a (similarly) anti-symmetric operator.
    public var isPurelyImaginary: Bool { eigenvalues.allSatisfy { abs($0.real) <= threshold } }

    /// The verdict in continuous time (by α against ±threshold) or discrete time (by ρ against 1 ± tolerance).
    public func verdict(_ time: TimeKind) -> StabilityVerdict {
        switch time {
        case .continuous:
            if spectralAbscissa > threshold { return .unstable }
            return spectralAbscissa < -threshold ? .stable : .marginal
        case .discrete:
            if spectralRadius > 1 + tolerance { return .unstable }
            return spectralRadius < 1 - tolerance ? .stable : .marginal
        }
    }
}

/// A spectrum as plain data for JSON output (`dynamics eig --json` and friends).
public struct SpectrumReport: Codable, Sendable, Equatable {
    /// `[re, im]` pairs, sorted as in `Spectrum`.
    public var eigenvalues: [[Double]]
    public var spectralAbscissa: Double
    public var spectralRadius: Double
    public var purelyImaginary: Bool
    public var verdict: StabilityVerdict
    public var time: TimeKind
    public var tolerance: Double
    public var dimension: Int

    public init<T>(_ spectrum: Spectrum<T>, time: TimeKind) {
        eigenvalues = spectrum.eigenvalues.map { [Double($0.real), Double($0.imaginary)] }
        spectralAbscissa = Double(spectrum.spectralAbscissa)
        spectralRadius = Double(spectrum.spectralRadius)
        purelyImaginary = spectrum.isPurelyImaginary
        verdict = spectrum.verdict(time)
        self.time = time
        tolerance = Double(spectrum.tolerance)
        dimension = spectrum.eigenvalues.count
    }
}
