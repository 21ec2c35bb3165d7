import Integrators
import LinearAlgebra
import RealModule

/// The largest Lyapunov exponent from two nearby trajectories: advance x and a neighbour at
/// distance d₀, and every `renormalizeEvery` steps add log(d/d₀) and pull the neighbour back
/// to distance d₀ along the current separation (Benettin, Galgani & Strelcyn, Phys. Rev. A 14,
/// 1976; Wolf et al., Physica D 16, 1985).
///
/// d₀ moves no coordinate of the first neighbour by more than √ε·max(1, |x_i|)
/// (`FiniteDifference.directionalStep`): small enough to stay in the linear regime for the
/// renormalisation interval, large enough that rounding (ε|x_i|) is a small fraction of it.
public struct LargestLyapunovExponent<Scalar: BLASScalar>: BindingExperiment {
    public var settings: LyapunovSettings<Scalar>

    public init(_ settings: LyapunovSettings<Scalar>) { self.settings = settings }

    @inlinable
    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> LyapunovResult<Scalar>
    where I.State: CoordinateState, I.State.Scalar == Scalar {
        try settings.measure(b) { integrator, x, history in
            let h = settings.stepSize
            var neighbourIntegrator = integrator
            // The first neighbour is displaced along (1, 1, …, 1).
            var y = x
            var offset = x
            [Scalar](repeating: 1, count: x.coordinateCount).withUnsafeBufferPointer { offset.setCoordinates(from: $0.baseAddress!) }
            var workspace: [Scalar] = []
            let d0 = FiniteDifference.directionalStep(at: x, along: offset, relative: Scalar.ulpOfOne.squareRoot(), workspace: &workspace)
                * offset.norm
            y.axpy(d0 / offset.norm, offset)
            var sum = 0.0
            for n in 1...settings.steps {
                let t = settings.time(ofStep: settings.transient + n - 1)
                integrator.step(b.field, &x, time: t, stepSize: h)
                neighbourIntegrator.step(b.field, &y, time: t, stepSize: h)
                if settings.renormalizes(at: n) {
                    offset.assign(y)
                    offset.subtract(x)
                    let d = offset.norm
                    guard d.isFinite, d > 0 else {
                        throw LinearAlgebraError.failed(routine: "lyapunov", info: n, reason: "the separation became \(d) at step \(n); use a smaller step size or renormalise more often")
                    }
                    sum += Double.log(Double(d / d0))
                    y.assign(x)
                    y.axpy(d0 / d, offset)
                }
                settings.record(step: n, sums: [sum], into: &history)
            }
            return [sum]
        }
    }
}
