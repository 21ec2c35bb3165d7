import Foundation
import LinearAlgebra

/// The outcome of integrating a system over a number of steps.
public struct IntegrationResult<Scalar: BLASScalar> {
    /// The system point after the last step.
    public var final: [Scalar]
    /// max over the run of |H − H₀| / |H₀| (absolute |H − H₀| when H₀ = 0), if the system has an energy.
    public var energyError: Scalar?
    /// Wall-clock seconds spent stepping (and measuring energy).
    public var seconds: Double
    /// Recorded points, row n holding the point after n·`every` steps (row 0 the initial point).
    public var trajectory: [[Scalar]]

    public init(final: [Scalar], energyError: Scalar?, seconds: Double, trajectory: [[Scalar]]) {
        self.final = final
        self.energyError = energyError
        self.seconds = seconds
        self.trajectory = trajectory
    }
}

/// Integrates from an initial point for a number of steps, tracking the energy error and
/// optionally recording the trajectory.
public struct Integration<Scalar: BLASScalar>: BindingExperiment {
    public var initialPoint: [Scalar]
    public var stepSize: Scalar
    public var steps: Int
    /// The system's conserved quantity, if any (measured every step).
    public var energy: (([Scalar]) -> Scalar)?
    /// Record every `recordEvery`-th point; 0 records nothing.
    public var recordEvery: Int

    public init(initialPoint: [Scalar], stepSize: Scalar, steps: Int,
                energy: (([Scalar]) -> Scalar)? = nil, recordEvery: Int = 0) {
        precondition(steps >= 0 && recordEvery >= 0, "Integration: negative steps or recordEvery")
        self.initialPoint = initialPoint
        self.stepSize = stepSize
        self.steps = steps
        self.energy = energy
        self.recordEvery = recordEvery
    }

    @inlinable
    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> IntegrationResult<Scalar> where I.State: CoordinateState, I.State.Scalar == Scalar {
        var integrator = b.integrator
        let h = stepSize
        var state = b.start(initialPoint, h)
        var trajectory: [[Scalar]] = recordEvery > 0 ? [initialPoint] : []
        let h0 = energy?(initialPoint)
        var worst: Scalar = 0
        let clock = ContinuousClock()
        let t0 = clock.now
        for n in stride(from: 1, through: steps, by: 1) {
            integrator.step(b.field, &state, time: Scalar(n - 1) * h, stepSize: h)
            let record = recordEvery > 0 && n % recordEvery == 0
            if let energy, let h0 {
                let point = b.point(state, h)
                let e = abs(energy(point) - h0) / (h0 == 0 ? 1 : abs(h0))
                worst = e.isNaN ? .nan : max(worst, e)
                if record { trajectory.append(point) }
            } else if record {
                trajectory.append(b.point(state, h))
            }
        }
        return IntegrationResult(final: b.point(state, h), energyError: h0 == nil ? nil : worst,
                                 seconds: seconds(since: t0, clock), trajectory: trajectory)
    }
}

/// Seconds elapsed on `clock` since `start`.
@inlinable
public func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
    let d = start.duration(to: clock.now).components
    return Double(d.seconds) + Double(d.attoseconds) * 1e-18
}
