import Integrators
import LinearAlgebra
import Testing
@testable import Stability

@Suite("Jacobians of fields and of steps")
struct JacobianTests {
    static let points: [String: [Double]] = [
        "harmonic": [0.3, -0.7], "pendulum": [1.1, 0.4], "kepler": [0.5, 0.2, -0.3, 1.4],
        "lorenz": [1, 2, 3], "rossler": [-1, 0.5, 2], "henon": [0.6, -0.2], "duffing": [0.7, -0.4],
        "duffing-autonomous": [0.7, -0.4, 2.1],
    ]

    /// Central differences are accurate to about ε^{2/3}·scale (Double: 1e-10·|J|; Float: 1e-4·|J|).
    @Test("analytic and finite-difference Jacobians agree, Float and Double", arguments: Array(points.keys).sorted())
    func analyticMatchesFiniteDifferences(name: String) throws {
        func check<T: BLASScalar>(_: T.Type, tolerance: T) throws {
            let system = try BuiltinSystem<T>.named(name)
            let point = Self.points[name]!.map { T($0) }
            let analytic = system.jacobian(at: point), numeric = system.finiteDifferenceJacobian(at: point)
            let scale = max(1, analytic.elements.map { abs($0) }.max()!)
            let worst = zip(analytic.elements, numeric.elements).map { abs($0 - $1) }.max()!
            #expect(worst <= tolerance * scale, "\(name) \(T.self): \(worst)")
        }
        try check(Double.self, tolerance: 1e-8)
        try check(Float.self, tolerance: 2e-3)
    }

    @Test("the Jacobian of one Euler step is I + hJ")
    func eulerStep() throws {
        for name in ["lorenz", "kepler", "rossler"] {
            let system = try BuiltinSystem<Double>.named(name)
            let point = Self.points[name]!, h = 0.05
            let step = try system.run(.euler, StepJacobian(at: point, stepSize: h))
            let expected = Matrix<Double>.identity(point.count) + h * system.jacobian(at: point)
            #expect(zip(step.elements, expected.elements).allSatisfy { abs($0 - $1) < 1e-9 }, "\(name)")
        }
    }

    @Test("a step of the map is the map: its Jacobian is the Hénon Jacobian")
    func mapStep() throws {
        let system = try BuiltinSystem<Double>.named("henon")
        let step = try system.run(.map, StepJacobian(at: [0.6, -0.2], stepSize: 1))
        #expect(zip(step.elements, system.jacobian(at: [0.6, -0.2]).elements).allSatisfy { abs($0 - $1) < 1e-9 })
    }
}
