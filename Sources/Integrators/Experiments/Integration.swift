import Foundation
import LinearAlgebra

/// The outcome of integrating a system over a number of steps.
public struct IntegrationResult<Scalar: BLASScalar> {
    /// The system point after the last step.
    public var final: [Scalar]
    /// max over the run of |H − H₀| / |H₀| (absolute |H − H₀| when H₀ = 0), if the system has an energy.
    public var energyError: Scalar?
    /// Wall-clock seconds spent stepping (and measuring energy, and recording).
    public var seconds: Double

    public init(final: [Scalar], energyError: Scalar?, seconds: Double) {
        self.final = final
        self.energyError = energyError
        self.seconds = seconds
    }
}

/// Integrates from an initial point for a number of steps, tracking the energy error and
/// optionally handing every `recordEvery`-th point to `record` as it is computed (the initial
/// point first), so a trajectory of any length can be streamed to disk
/// (`MatrixRowWriter`) instead of being held in memory: `steps / recordEvery + 1` points in all.
public struct Integration<Scalar: BLASScalar>: BindingExperiment {
    public var initialPoint: [Scalar]
    public var stepSize: Scalar
    public var steps: Int
    /// The system's conserved quantity, if any (measured every step).
    public var energy: (([Scalar]) -> Scalar)?
    /// Record every `recordEvery`-th point.
    public var recordEvery: Int
    /// Receives the recorded points in order; an error it throws ends the run.
    public var record: (([Scalar]) throws -> Void)?

    public init(initialPoint: [Scalar], stepSize: Scalar, steps: Int,
                energy: (([Scalar]) -> Scalar)? = nil,
                recordEvery: Int = 1, record: (([Scalar]) throws -> Void)? = nil) {
        precondition(steps >= 0 && recordEvery > 0, "Integration: negative steps or non-positive recordEvery")
        self.initialPoint = initialPoint
        self.stepSize = stepSize
        self.steps = steps
        self.energy = energy
        self.recordEvery = recordEvery
        self.record = record
    }

    /// The number of points handed to `record`.
    public var recordedPoints: Int { steps / recordEvery + 1 }

    @inlinable
    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> IntegrationResult<Scalar> where I.State: CoordinateState, I.State.Scalar == Scalar {
        var integrator = b.integrator
        // Read once: `b.field` in the loop copied the field every step (a system file's field
        // holds its programs: measured as a tenth of a Lorenz RK4 step).
        let field = b.field
        let h = stepSize
        var state = b.start(initialPoint, h)
        try record?(initialPoint)
        let h0 = energy?(initialPoint)
        var worst: Scalar = 0
        let clock = ContinuousClock()
        let t0 = clock.now
        for n in stride(from: 1, through: steps, by: 1) {
            integrator.step(field, &state, time: Scalar(n - 1) * h, stepSize: h)
            let recorder = n % recordEvery == 0 ? record : nil
            if let energy, let h0 {
                let point = b.point(state, h)
                let e = abs(energy(point) - h0) / (h0 == 0 ? 1 : abs(h0))
                worst = e.isNaN ? .nan : max(worst, e)
                try recorder?(point)
            } else if let recorder {
                try recorder(b.point(state, h))
            }
        }
        return IntegrationResult(final: b.point(state, h), energyError: h0 == nil ? nil : worst,
                                 seconds: seconds(since: t0, clock))
    }
}

/// Seconds elapsed on `clock` since `start`.
@inlinable
public func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
    let d = start.duration(to: clock.now).components
    return Double(d.seconds) + Double(d.attoseconds) * 1e-18
}
