import LinearAlgebra
import Testing
@testable import Integrators

@Suite("Convergence orders from fitted slopes")
struct ConvergenceOrderTests {
    /// Observed orders on the harmonic oscillator over [0, 1], against its exact solution.
    /// Step counts are chosen so errors stay far above rounding (Double: RK4's finest error is
    /// about 1e-9). Float uses coarser grids so errors stay above 1e-5 ≫ ε_f = 1.2e-7; leapfrog
    /// coarser still, because its velocity (y_n − y_{n−1})/h loses ε_f/h to cancellation.
    @Test("orders 1, 2, 2, 4, 2, 2 within 10%", arguments: MethodName.integrators)
    func orders(method: MethodName) throws {
        func observed<T: BLASScalar>(_: T.Type, counts: [Int]) throws -> (observed: Double, classical: Int) {
            let system = try BuiltinSystem<T>.named("harmonic")
            let reference = try system.reference(from: system.initialPoint, endTime: 1, steps: 0)
            let experiment = Convergence(initialPoint: system.initialPoint, reference: reference, endTime: 1, stepCounts: counts)
            let result = try system.run(method, experiment)
            return (result.order, result.classicalOrder)
        }
        let classical = [MethodName.euler: 1, .midpoint: 2, .rk2: 2, .rk4: 4, .verlet: 2, .leapfrog: 2][method]!
        let (double, reported) = try observed(Double.self, counts: method == .rk4 ? [10, 20, 40, 80] : [40, 80, 160, 320, 640])
        #expect(reported == classical)
        #expect(abs(double - Double(classical)) <= 0.1 * Double(classical), "double: \(double)")
        let floatCounts: [Int] = switch method {
        case .rk4: [2, 4, 8]
        case .leapfrog: [5, 10, 20, 40]
        default: [10, 20, 40, 80]
        }
        let float = try observed(Float.self, counts: floatCounts).observed
        #expect(abs(float - Double(classical)) <= 0.1 * Double(classical), "float: \(float)")
    }

    @Test("staggered Störmer–Verlet (the paper's Hamiltonian block) reports and observes order 1 on same-time values")
    func staggeredVerlet() throws {
        var options = MethodOptions()
        options.verletScheme = .staggered
        let result = try harmonic(.verlet, options)
        #expect(result.classicalOrder == 1 && result.symplectic)
        #expect(abs(result.order - 1) < 0.1, "observed \(result.order)")
    }

    /// `method` with `options` on the harmonic oscillator over [0, 1], h = 1/40 … 1/320 (Double).
    func harmonic(_ method: MethodName, _ options: MethodOptions) throws -> ConvergenceResult<Double> {
        let system = try BuiltinSystem<Double>.named("harmonic")
        let reference = try system.reference(from: system.initialPoint, endTime: 1, steps: 0)
        return try system.run(method, options: options, Convergence(initialPoint: system.initialPoint, reference: reference,
                                                                    endTime: 1, stepCounts: [40, 80, 160, 320]))
    }

    @Test("the paper's start (y₋₁ = y₀) costs the two-step midpoint one order")
    func midpointRepeatStart() throws {
        var options = MethodOptions()
        options.midpointStart = .repeatInitial
        let order = try harmonic(.midpoint, options).order
        #expect(abs(order - 1) < 0.1, "observed \(order)")
    }

    @Test("the slope fit recovers a known power law")
    func slope() {
        let points = [0.1, 0.05, 0.025].map { ($0, 3 * $0 * $0 * $0) }
        #expect(abs(Convergence<Double>.slope(points) - 3) < 1e-12)
    }
}
