import Integrators
import LinearAlgebra
import RealModule

/// Central finite differences (Nocedal & Wright, *Numerical Optimization*, 2nd ed., §8.1).
///
/// The step for coordinate j is ε^{1/3}·max(1, |x_j|): it balances the O(δ²) truncation error
/// against the O(ε/δ) rounding error, leaving an error of about ε^{2/3} relative to the scale
/// of f (4e-11 in Double, 2e-5 in Float).
public enum FiniteDifference {
    /// The step for a coordinate of magnitude `x`.
    @inlinable
    public static func step<T: BLASScalar>(for x: T) -> T {
        T.root(T.ulpOfOne, 3) * max(1, abs(x))
    }

    /// The multiple δ of a direction q for a directional difference at x: the largest that moves
    /// no coordinate by more than its own step, δ = min_i `relative`·max(1, |x_i|)/|q_i|
    /// (`relative` = ε^{1/3} for central differences). A step scaled by ‖x‖ instead moves every
    /// coordinate on the scale of the largest, which leaves the linear regime when one
    /// coordinate is large and the field varies on unit scale in the others (an unbounded phase
    /// θ = ωt beside an oscillator's x and v: measured, ‖x‖-scaling turns the autonomous forced
    /// Duffing oscillator's λ₁ = 0.10 into 0 by t = 2·10⁵). `workspace` holds 2n scalars, so
    /// hot loops allocate nothing.
    @inlinable
    public static func directionalStep<S: CoordinateState>(at x: S, along q: S, relative: S.Scalar, workspace: inout [S.Scalar]) -> S.Scalar
    where S.Scalar: BLASScalar {
        let n = x.coordinateCount
        if workspace.count < 2 * n { workspace = [S.Scalar](repeating: 0, count: 2 * n) }
        return workspace.withUnsafeMutableBufferPointer { w in
            x.copyCoordinates(to: w.baseAddress!)
            q.copyCoordinates(to: w.baseAddress! + n)
            var delta = S.Scalar.greatestFiniteMagnitude
            for i in 0..<n where w[n + i] != 0 {
                delta = min(delta, relative * max(1, abs(w[i])) / abs(w[n + i]))
            }
            return delta
        }
    }

    /// The m×n Jacobian of f: ℝⁿ → ℝᵐ at x, by central differences (2n evaluations of f).
    public static func jacobian<T: BLASScalar>(at x: [T], _ f: ([T]) -> [T]) -> Matrix<T> {
        var columns: [[T]] = []
        columns.reserveCapacity(x.count)
        for j in x.indices {
            let delta = step(for: x[j])
            var plus = x, minus = x
            plus[j] += delta
            minus[j] -= delta
            let fp = f(plus), fm = f(minus)
            columns.append(zip(fp, fm).map { ($0 - $1) / (2 * delta) })
        }
        let m = columns.first?.count ?? 0
        return Matrix(rows: m, columns: x.count, columnMajor: columns.flatMap { $0 })
    }

    /// The Jacobian of a map between states of one shape, in their flat coordinates: the shape
    /// comes from `x` (a tensor keeps its dimensions), the differences are those above.
    public static func jacobian<S: CoordinateState>(at x: S, _ f: (S) -> S) -> Matrix<S.Scalar> where S.Scalar: BLASScalar {
        var s = x
        return jacobian(at: x.coordinates) { c in
            c.withUnsafeBufferPointer { s.setCoordinates(from: $0.baseAddress!) }
            return f(s).coordinates
        }
    }
}
