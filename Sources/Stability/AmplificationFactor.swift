import ComplexModule
import Integrators
import RealModule

/// The amplification factor of a method on the test equation, as a function of z = hλ:
/// the growth per step of the numerical solution (Hairer & Wanner, *Solving ODEs II*, §IV.2).
///
/// - One-step methods on y' = λy: R(z) = 1 + z (Euler), 1 + z + z²/2 (RK2),
///   Σ_{k≤4} z^k/k! (RK4).
/// - The two-step midpoint rule on y' = λy: the larger modulus of the roots of
///   μ² − 2zμ − 1 = 0, μ = z ± √(z² + 1). Both have modulus 1 exactly on z ∈ [−i, i].
/// - Störmer–Verlet and leapfrog act on second-order equations; on y'' = λ²y (first-order
///   eigenvalues ±λ) one step has characteristic polynomial μ² − (2 + z²)μ + 1 = 0, whose
///   roots have modulus 1 exactly on z ∈ [−2i, 2i] (the condition hω ≤ 2 for y'' = −ω²y).
public enum AmplificationFactor {
    /// The largest |μ| over the roots of the method's characteristic polynomial at z = hλ.
    public static func modulus(_ method: MethodName, at z: Complex<Double>) -> Double {
        switch method {
        case .euler: return taylorPolynomial(z, degree: 1).length
        case .rk2: return taylorPolynomial(z, degree: 2).length
        case .rk4: return taylorPolynomial(z, degree: 4).length
        case .midpoint:
            return largerRoot(b: 2 * z, c: 1)
        case .verlet, .leapfrog:
            return largerRoot(b: 2 + z * z, c: -1)
        case .map:
            return .nan
        }
    }

    /// Σ_{k≤p} z^k/k! by Horner's rule: 1 + z(1 + z/2(1 + z/3(…))).
    static func taylorPolynomial(_ z: Complex<Double>, degree p: Int) -> Complex<Double> {
        var r = Complex<Double>.one
        for k in stride(from: p, through: 1, by: -1) {
            r = Complex.one + z * r / Complex(Double(k))
        }
        return r
    }

    /// max |μ| over the roots of μ² − bμ − c = 0, μ = (b ± √(b² + 4c))/2.
    static func largerRoot(b: Complex<Double>, c: Complex<Double>) -> Double {
        let discriminant = Complex.sqrt(b * b + 4 * c)
        return max(((b + discriminant) / 2).length, ((b - discriminant) / 2).length)
    }

    /// |R(z)| on a grid of z = x + iy: `grid` points on each axis from the ranges' ends
    /// inclusive. Row k holds y = imaginary[k], column j holds x = real[j].
    public static func region(_ method: MethodName, real: ClosedRange<Double>, imaginary: ClosedRange<Double>,
                              grid: Int) -> (re: [Double], im: [Double], modulus: [[Double]]) {
        precondition(grid >= 2, "region: grid must be at least 2")
        func axis(_ r: ClosedRange<Double>) -> [Double] {
            (0..<grid).map { r.lowerBound + (r.upperBound - r.lowerBound) * Double($0) / Double(grid - 1) }
        }
        let re = axis(real), im = axis(imaginary)
        return (re, im, im.map { y in re.map { x in modulus(method, at: Complex(x, y)) } })
    }
}
