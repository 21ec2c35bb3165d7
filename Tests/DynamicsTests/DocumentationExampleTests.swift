import Dynamics
import Testing

/// The user-defined field and method of README.md and of the Integrators landing page
/// (Sources/Integrators/Integrators.docc/Integrators.md), verbatim: if this stops compiling or
/// passing, the documentation is wrong.

/// The Van der Pol oscillator x'' − μ(1 − x²)x' + x = 0 as a first-order system.
struct VanDerPol: VectorField {
    var mu = 1.0
    func evaluate(_ x: [Double], time: Double, into dx: inout [Double]) {
        dx[0] = x[1]
        dx[1] = mu * (1 - x[0] * x[0]) * x[1] - x[0]
    }
}

/// Heun's method (the explicit trapezoidal rule), order 2.
struct Heun<Field: VectorField>: Integrator {
    static var name: String { "heun" }
    var order: Int { 2 }
    var isSymplectic: Bool { false }
    private var k1: Field.State?, k2: Field.State?, stage: Field.State?

    mutating func step(_ field: Field, _ x: inout Field.State, time t: Field.Scalar, stepSize h: Field.Scalar) {
        if k1 == nil { (k1, k2, stage) = (x, x, x) }  // workspace, allocated once
        field.evaluate(x, time: t, into: &k1!)
        stage!.assign(x)
        stage!.axpy(h, k1!)
        field.evaluate(stage!, time: t + h, into: &k2!)
        x.axpy(h / 2, k1!)
        x.axpy(h / 2, k2!)
    }
}

@Suite("Documentation examples")
struct DocumentationExampleTests {
    @Test("a user-defined field and method bind like the built-ins: Heun observes order 2 on Van der Pol")
    func userDefined() throws {
        let reference = try Integration(initialPoint: [2, 0], stepSize: 1.0 / 6400, steps: 6400)
            .run(MethodBinding(oneStep: RungeKutta4<VanDerPol>(), field: VanDerPol())).final
        let result = try Convergence(initialPoint: [2, 0], reference: reference, endTime: 1, stepCounts: [50, 100, 200, 400])
            .run(MethodBinding(oneStep: Heun<VanDerPol>(), field: VanDerPol()))
        #expect(result.classicalOrder == 2 && abs(result.order - 2) < 0.1, "observed \(result.order)")
    }

    @Test("the Networks and Dynamics landing pages: blocks through the systems' experiments")
    func blocks() throws {
        let setup = try BlockSetup<Double>(channels: 4, height: 8, width: 8, stepSize: nil, activation: .tanh, seed: 1)
        let reversibility = try Block.hamiltonian.run(BlockExperiment(setup, units: 1000) { x0, h in
            Reversibility(initialPoint: x0, stepSize: h, steps: 1000)
        })
        #expect(reversibility.exactInverse && reversibility.reconstructionError < 1e-11)

        let small = try BlockSetup<Double>(channels: 2, height: 4, width: 4, stepSize: nil, activation: .tanh, seed: 1)
        let (field, _, _) = try Block.hamiltonian.run(BlockSpectra(small, count: 32, solver: .dense))
        #expect(field.verdict(.continuous) == .marginal && field.byRealPart?.count == 32)
    }
}
