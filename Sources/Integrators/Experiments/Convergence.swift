import LinearAlgebra
import RealModule

/// The outcome of a convergence study.
public struct ConvergenceResult<Scalar: BLASScalar> {
    /// The observed order: the least-squares slope of log(error) against log(h).
    public var order: Double
    /// The method's classical order (`Integrator.order` of the configured method).
    public var classicalOrder: Int
    /// Whether the configured method is symplectic (`Integrator.isSymplectic`).
    public var symplectic: Bool
    /// (h, error) for each step size, error = ‖x_h(T) − x(T)‖ / ‖x(T)‖.
    public var samples: [(stepSize: Scalar, error: Scalar)]

    public init(order: Double, classicalOrder: Int, symplectic: Bool, samples: [(stepSize: Scalar, error: Scalar)]) {
        self.order = order
        self.classicalOrder = classicalOrder
        self.symplectic = symplectic
        self.samples = samples
    }
}

/// Measures the order of a method from the errors at a final time T over successive halvings
/// of h, against a reference point x(T) (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.1,
/// "numerical experiments": the slope of the error in a log-log plot).
public struct Convergence<Scalar: BLASScalar>: BindingExperiment {
    public var initialPoint: [Scalar]
    public var reference: [Scalar]
    public var endTime: Scalar
    public var stepCounts: [Int]

    /// - Parameters:
    ///   - initialPoint: x(0), the system's point.
    ///   - reference: x(T), exact or from a much finer run.
    ///   - endTime: T.
    ///   - stepCounts: numbers of steps over [0, T]; h = T / count.
    public init(initialPoint: [Scalar], reference: [Scalar], endTime: Scalar, stepCounts: [Int]) {
        precondition(stepCounts.count >= 2 && stepCounts.allSatisfy { $0 > 0 }, "Convergence: need at least two positive step counts")
        self.initialPoint = initialPoint
        self.reference = reference
        self.endTime = endTime
        self.stepCounts = stepCounts
    }

    @inlinable
    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> ConvergenceResult<Scalar> where I.State: CoordinateState, I.State.Scalar == Scalar {
        var samples: [(Scalar, Scalar)] = []
        for n in stepCounts {
            let h = endTime / Scalar(n)
            let result = try Integration(initialPoint: initialPoint, stepSize: h, steps: n).run(b)
            samples.append((h, result.final.distance(to: reference) / reference.norm))
        }
        return ConvergenceResult(order: Self.slope(samples.map { (Double($0.0), Double($0.1)) }), classicalOrder: b.integrator.order,
                                 symplectic: b.integrator.isSymplectic, samples: samples)
    }

    /// Least-squares slope of log y against log x.
    @inlinable
    public static func slope(_ points: [(Double, Double)]) -> Double {
        let xs = points.map { Double.log($0.0) }, ys = points.map { Double.log($0.1) }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return sxy / sxx
    }
}
