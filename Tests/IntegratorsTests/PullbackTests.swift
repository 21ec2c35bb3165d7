import LinearAlgebra
import Testing
@testable import Integrators

/// y = tanh(W x) for a 3×3 W stored row-major at `w[offset..<offset + 9]`, and its pullback:
/// with d = u ⊙ (1 − y²), dx += s·Wᵀd and dW += s·d xᵀ.
private enum TanhLayer {
    static func apply<T: BLASScalar>(_ w: [T], offset: Int, _ x: [T], sign: T, into y: inout [T]) {
        for i in 0..<3 { y[i] = sign * T.tanh((0..<3).reduce(0) { $0 + w[offset + 3 * i + $1] * x[$1] }) }
    }

    static func pullback<T: BLASScalar>(_ w: [T], offset: Int, at x: [T], sign: T, cotangent u: [T], scale s: T,
                                        input dx: inout [T], gradient g: inout [T]) {
        var y = x
        apply(w, offset: offset, x, sign: 1, into: &y)
        for i in 0..<3 {
            let d = sign * u[i] * (1 - y[i] * y[i])
            for j in 0..<3 {
                dx[j] += s * w[offset + 3 * i + j] * d
                g[offset + 3 * i + j] += s * d * x[j]
            }
        }
    }
}

/// x' = tanh(A x).
private struct TanhField<T: BLASScalar>: DifferentiableVectorField {
    typealias State = [T]
    var weights: [T]
    func evaluate(_ x: [T], time: T, into d: inout [T]) { TanhLayer.apply(weights, offset: 0, x, sign: 1, into: &d) }
    func pullback(at x: [T], time: T, cotangent u: [T], scale s: T, input dx: inout [T], parameters g: inout [T]) {
        TanhLayer.pullback(weights, offset: 0, at: x, sign: 1, cotangent: u, scale: s, input: &dx, gradient: &g)
    }
}

/// q' = tanh(A p), p' = −tanh(B q); weights A then B.
private struct TanhPair<T: BLASScalar>: DifferentiablePartitionedField {
    typealias State = [T]
    var weights: [T]
    func velocity(_ p: [T], time: T, into dq: inout [T]) { TanhLayer.apply(weights, offset: 0, p, sign: 1, into: &dq) }
    func force(_ q: [T], time: T, into dp: inout [T]) { TanhLayer.apply(weights, offset: 9, q, sign: -1, into: &dp) }
    func velocityPullback(at p: [T], time: T, cotangent u: [T], scale s: T, input dp: inout [T], parameters g: inout [T]) {
        TanhLayer.pullback(weights, offset: 0, at: p, sign: 1, cotangent: u, scale: s, input: &dp, gradient: &g)
    }
    func forcePullback(at q: [T], time: T, cotangent u: [T], scale s: T, input dq: inout [T], parameters g: inout [T]) {
        TanhLayer.pullback(weights, offset: 9, at: q, sign: -1, cotangent: u, scale: s, input: &dq, gradient: &g)
    }
}

/// y'' = −tanh(A y).
private struct TanhSecondOrder<T: BLASScalar>: DifferentiableSecondOrderField {
    typealias State = [T]
    var weights: [T]
    func acceleration(_ y: [T], time: T, into a: inout [T]) { TanhLayer.apply(weights, offset: 0, y, sign: -1, into: &a) }
    func accelerationPullback(at y: [T], time: T, cotangent u: [T], scale s: T, input dy: inout [T], parameters g: inout [T]) {
        TanhLayer.pullback(weights, offset: 0, at: y, sign: -1, cotangent: u, scale: s, input: &dy, gradient: &g)
    }
}

private func dot<T: BLASScalar>(_ a: [T], _ b: [T]) -> T { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

private func values<T: BLASScalar>(_ n: Int, seed: Int) -> [T] {
    (0..<n).map { i in T(Double((7 * i + 3 * seed + 1) % 11) / 7 - 0.7) }
}

@Suite("Pullbacks of steps")
struct PullbackTests {
    /// ⟨c, step(x)⟩ by central differences along a direction, in x and in the weights, against
    /// the pullback. ε = 1e-5 in Double: truncation O(ε²) ≈ 1e-10, rounding ≈ 1e-16/ε ≈ 1e-11,
    /// so 1e-7 relative is loose enough and still catches a wrong sign or factor.
    @Test("Each method's pullback is the transposed derivative of its step (Double, central differences)")
    func pullbackMatchesFiniteDifferences() {
        let h = 0.3
        check(ForwardEuler<TanhField<Double>>(), make: TanhField.init, weights: 9, coordinates: 3,
              state: { [Double](coordinates: $0) }, h: h)
        for scheme in VerletScheme.allCases {
            check(StormerVerlet<TanhPair<Double>>(scheme: scheme), make: TanhPair.init, weights: 18, coordinates: 6,
                  state: { PartitionedState<[Double]>(coordinates: $0) }, h: h)
        }
        check(ExplicitMidpoint<TanhField<Double>>(), make: TanhField.init, weights: 9, coordinates: 6,
              state: { TwoStepState<[Double]>(coordinates: $0) }, h: h)
        check(Leapfrog<TanhSecondOrder<Double>>(), make: TanhSecondOrder.init, weights: 9, coordinates: 6,
              state: { TwoStepState<[Double]>(coordinates: $0) }, h: h)
    }

    private func check<M: DifferentiableIntegrator>(_ method: M, make: ([Double]) -> M.Field, weights: Int,
                                                    coordinates n: Int, state: ([Double]) -> M.State, h: Double)
    where M.State: CoordinateState, M.Scalar == Double, M.Parameters == [Double] {
        var method = method
        let x = state(values(n, seed: 1)), c = state(values(n, seed: 2)), dx = state(values(n, seed: 3))
        let w: [Double] = values(weights, seed: 4), dw: [Double] = values(weights, seed: 5)
        func loss(_ x: M.State, _ w: [Double]) -> Double {
            var m = method, y = x
            m.step(make(w), &y, time: 0.2, stepSize: h)
            return dot(c.coordinates, y.coordinates)
        }
        var y = x
        method.step(make(w), &y, time: 0.2, stepSize: h)
        var cotangent = c, g = [Double](repeating: 0, count: weights)
        method.pullback(make(w), from: x, to: y, time: 0.2, stepSize: h, cotangent: &cotangent, parameters: &g)
        let eps = 1e-5
        func shifted(_ by: Double) -> M.State {
            var s = x
            s.axpy(by, dx)
            return s
        }
        let fdX = (loss(shifted(eps), w) - loss(shifted(-eps), w)) / (2 * eps)
        let fdW = (loss(x, zip(w, dw).map { $0 + eps * $1 }) - loss(x, zip(w, dw).map { $0 - eps * $1 })) / (2 * eps)
        let adX = dot(cotangent.coordinates, dx.coordinates), adW = dot(g, dw)
        #expect(abs(adX - fdX) <= 1e-7 * max(1, abs(fdX)), "\(M.name): state \(adX) vs \(fdX)")
        #expect(abs(adW - fdW) <= 1e-7 * max(1, abs(fdW)), "\(M.name): weights \(adW) vs \(fdW)")
    }

    /// The fused backward step does the same arithmetic as `unstep` then `pullback`, in another
    /// order of independent operations: equal to a few ulps of the O(1) values (16 ulps).
    @Test("unstepWithPullback = unstep, then pullback, Float and Double")
    func fusedBackwardStepMatches() {
        func run<T: BLASScalar>(_: T.Type) {
            let tolerance = 16 * T.ulpOfOne
            for scheme in VerletScheme.allCases {
                compare(StormerVerlet<TanhPair<T>>(scheme: scheme), field: TanhPair(weights: values(18, seed: 4)), weights: 18,
                        state: { PartitionedState<[T]>(coordinates: $0) }, tolerance: tolerance)
            }
            compare(ExplicitMidpoint<TanhField<T>>(), field: TanhField(weights: values(9, seed: 4)), weights: 9,
                    state: { TwoStepState<[T]>(coordinates: $0) }, tolerance: tolerance)
            compare(Leapfrog<TanhSecondOrder<T>>(), field: TanhSecondOrder(weights: values(9, seed: 4)), weights: 9,
                    state: { TwoStepState<[T]>(coordinates: $0) }, tolerance: tolerance)
        }
        run(Float.self)
        run(Double.self)
    }

    private func compare<M: ReversibleDifferentiableIntegrator>(_ method: M, field: M.Field, weights: Int,
                                                                state: ([M.Scalar]) -> M.State, tolerance: M.Scalar)
    where M.State: CoordinateState, M.Scalar: BLASScalar, M.Parameters == [M.Scalar] {
        var method = method
        let x = state(values(6, seed: 1)), c = state(values(6, seed: 2))
        var y = x
        method.step(field, &y, time: 0, stepSize: 0.3)
        var rebuilt = y, c1 = c, g1 = [M.Scalar](repeating: 0, count: weights)
        method.unstep(field, &rebuilt, time: 0.3, stepSize: 0.3)
        method.pullback(field, from: rebuilt, to: y, time: 0, stepSize: 0.3, cotangent: &c1, parameters: &g1)
        var fused = y, c2 = c, g2 = [M.Scalar](repeating: 0, count: weights)
        method.unstepWithPullback(field, &fused, time: 0.3, stepSize: 0.3, cotangent: &c2, parameters: &g2)
        #expect(fused.distance(to: rebuilt) <= tolerance, "\(M.name): state")
        #expect(c2.distance(to: c1) <= tolerance, "\(M.name): cotangent")
        #expect(zip(g1, g2).allSatisfy { abs($0 - $1) <= tolerance }, "\(M.name): gradient")
    }
}
