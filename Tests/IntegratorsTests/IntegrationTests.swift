import LinearAlgebra
import Testing
@testable import Integrators

@Suite("Integration: energy error and streamed trajectories")
struct IntegrationTests {
    struct Stop: Error, Equatable {}

    /// The recorded points are the points the run passes through: row k is the final point of a
    /// run of k·every steps, bit for bit (the same operations in the same order), in Float and
    /// Double, for a one-step and a two-step method.
    @Test("record receives the initial point, then every k-th point, as it is computed")
    func streamedPoints() throws {
        func check<T: BLASScalar>(_: T.Type, _ method: MethodName) throws {
            let system = try BuiltinSystem<T>.named("kepler")
            var rows: [[T]] = []
            let experiment = Integration(initialPoint: system.initialPoint, stepSize: T(0.05), steps: 10,
                                         recordEvery: 3, record: { rows.append($0) })
            #expect(experiment.recordedPoints == 4)
            _ = try system.run(method, options: MethodOptions(), experiment)
            #expect(rows.count == 4)
            for (k, row) in rows.enumerated() {
                let direct = try system.run(method, options: MethodOptions(),
                                            Integration(initialPoint: system.initialPoint, stepSize: T(0.05), steps: 3 * k)).final
                #expect(row == direct, "\(T.self) \(method) row \(k)")
            }
        }
        for method in [MethodName.rk4, .verlet, .leapfrog] {
            try check(Float.self, method)
            try check(Double.self, method)
        }
    }

    @Test("an error thrown by record ends the run with that error")
    func recordErrorStops() throws {
        let system = try BuiltinSystem<Double>.named("lorenz")
        var count = 0
        #expect(throws: Stop()) {
            try system.run(.rk4, options: MethodOptions(),
                           Integration(initialPoint: system.initialPoint, stepSize: 0.01, steps: 1000, recordEvery: 1) { _ in
                count += 1
                if count == 5 { throw Stop() }
            })
        }
        #expect(count == 5)
    }
}
