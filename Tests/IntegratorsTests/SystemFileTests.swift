import Foundation
import Testing
@testable import Integrators
import LinearAlgebra

/// System files (`examples/systems/`): each against the built-in system or a hand-written
/// field, in Double and Float, and every kind of mistake reported with its place.
@Suite struct SystemFileTests {
    static func example(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/systems/\(name).toml").path
    }

    static func final<T: BLASScalar>(_ system: BuiltinSystem<T>, _ method: MethodName, h: T, steps: Int, from x0: [T]? = nil) throws -> [T] {
        try system.run(method, Integration(initialPoint: x0 ?? system.initialPoint, stepSize: h, steps: steps)).final
    }

    static func maxRelative<T: BLASScalar>(_ a: [T], _ b: [T]) -> Double {
        zip(a, b).map { Double(abs($0 - $1)) / max(1, Double(abs($1))) }.max() ?? 0
    }

    /// The files of built-in systems follow the built-in trajectories: the same operations in
    /// the same order, so to rounding (1e-12 relative over 2,000 RK4 steps of chaos in
    /// Double; 1e-3 in Float over 200). The Hénon file writes a·x² where the built-in has
    /// (a·x)·x: the last bits differ and the map doubles them every ~2 iterates, so it is
    /// compared over 10.
    @Test(arguments: [("lorenz", "lorenz", MethodName.rk4), ("rossler", "rossler", .rk4), ("duffing", "duffing", .rk4),
                      ("henon", "henon", .map), ("lorenz", "lorenz", .euler)])
    func matchesBuiltIn(file: String, builtin: String, method: MethodName) throws {
        let f = try BuiltinSystem<Double>.named(Self.example(file)), b = try BuiltinSystem<Double>.named(builtin)
        #expect(f.initialPoint == b.initialPoint)
        let steps = method == .map ? 10 : 2000
        #expect(Self.maxRelative(try Self.final(f, method, h: 0.01, steps: steps), try Self.final(b, method, h: 0.01, steps: steps)) < 1e-12)
        let ff = try BuiltinSystem<Float>.named(Self.example(file)), bf = try BuiltinSystem<Float>.named(builtin)
        let short = method == .map ? 10 : 200
        #expect(Self.maxRelative(try Self.final(ff, method, h: 0.01, steps: short), try Self.final(bf, method, h: 0.01, steps: short)) < 1e-3)
    }

    /// Lorenz-96 as a family, against the field written out by hand, at N = 40 and resized by
    /// a parameter to N = 50 with F = 10.
    @Test(arguments: [(40.0, 8.0), (50, 10)])
    func lorenz96(n: Double, forcing: Double) throws {
        let system = try BuiltinSystem<Double>.named(Self.example("lorenz96"), parameters: ["N": n, "F": forcing])
        let size = Int(n)
        #expect(system.dimension == size && system.coordinateNames[3] == "x[3]")
        #expect(system.initialPoint[0] == forcing + 0.01 && system.initialPoint[1...].allSatisfy { $0 == forcing })
        guard case .defined(let defined) = system.kind, case .field(let field) = defined.form else { Issue.record("not a field"); return }
        let x = (0..<size).map { sin(Double($0)) * 3 + 1 }
        let expected = (0..<size).map { i in (x[(i + 1) % size] - x[(i + size - 2) % size]) * x[(i + size - 1) % size] - x[i] + forcing }
        #expect(Self.maxRelative(field(x), expected) < 1e-14)
    }

    /// Hénon–Heiles: velocity and force come from differentiating H; with T = |p|²/2 it is
    /// second order, so leapfrog applies; Verlet keeps the energy error at O(h²).
    @Test func henonHeiles() throws {
        let system = try BuiltinSystem<Double>.named(Self.example("henon-heiles"))
        guard case .defined(let d) = system.kind, case .secondOrder(let f) = d.form else { Issue.record("not second order"); return }
        let q = [0.3, -0.2]
        var a = [0.0, 0]
        f.acceleration(q, time: 0, into: &a)
        #expect(abs(a[0] - (-q[0] - 2 * q[0] * q[1])) < 1e-15 && abs(a[1] - (-q[1] - q[0] * q[0] + q[1] * q[1])) < 1e-15)
        #expect(abs(system.energy(system.initialPoint)! - 0.125) < 1e-15)
        for method in [MethodName.verlet, .leapfrog] {
            let r = try system.run(method, Integration(initialPoint: system.initialPoint, stepSize: 0.01, steps: 5000, energy: { system.energy($0)! }))
            #expect(r.energyError! < 1e-4, "\(method): \(r.energyError!)")
        }
    }

    /// The double pendulum's H is not separable: integrated as a first-order field (its
    /// energy conserved to RK4's accuracy), Verlet refused with a message; its field against
    /// Hamilton's equations written out by hand.
    @Test func doublePendulum() throws {
        let system = try BuiltinSystem<Double>.named(Self.example("double-pendulum"))
        guard case .defined(let d) = system.kind, case .field(let f) = d.form else { Issue.record("not a first-order field"); return }
        #expect(d.notes.first?.contains("not separable") == true)
        #expect(throws: SystemError.self) { try system.run(.verlet, Integration(initialPoint: system.initialPoint, stepSize: 0.01, steps: 1)) }
        let (q1, q2, p1, p2, g) = (0.7, -0.4, 0.3, -0.8, 9.81)
        let c = cos(q1 - q2), s = sin(q1 - q2), den = 1 + s * s
        let h1 = p1 * p2 * s / den, h2 = (p1 * p1 + 2 * p2 * p2 - 2 * p1 * p2 * c) / (2 * den * den)
        let expected = [(p1 - p2 * c) / den, (2 * p2 - p1 * c) / den,
                        -2 * g * sin(q1) - h1 + h2 * sin(2 * (q1 - q2)), -g * sin(q2) + h1 - h2 * sin(2 * (q1 - q2))]
        #expect(Self.maxRelative(f([q1, q2, p1, p2]), expected) < 1e-13)
        let r = try system.run(.rk4, Integration(initialPoint: system.initialPoint, stepSize: 0.001, steps: 5000, energy: { system.energy($0)! }))
        #expect(r.energyError! < 1e-8)
    }

    /// Van der Pol at μ = 1: the limit cycle's amplitude 2.00862 (Andersen & Geer 1982).
    @Test func vanDerPol() throws {
        let system = try BuiltinSystem<Double>.named(Self.example("vanderpol"))
        var largest = 0.0
        var experiment = Integration(initialPoint: system.initialPoint, stepSize: 0.001, steps: 60_000)
        var step = 0
        experiment.record = { p in
            step += 1
            if step > 40_000 { largest = max(largest, abs(p[0])) }
        }
        _ = try system.run(.rk4, experiment)
        #expect(abs(largest - 2.00862) < 2e-4)
    }

    /// Whether a system reads t is seen from its right-hand side, not from its energy.
    @Test func timeDependence() throws {
        #expect(try DefinedSystem<Double>(file: Self.example("duffing")).isTimeDependent)
        #expect(try !DefinedSystem<Double>(file: Self.example("lorenz")).isTimeDependent)
        let d = try DefinedSystem<Double>(try SystemFile.parse("kind = \"ode\"\nvariables = [\"x\"]\nenergy = \"x*t\"\n[equations]\nx = \"-x\"\n", path: "e.toml"))
        #expect(!d.isTimeDependent)
    }

    /// The Hénon map's declared inverse undoes it.
    @Test func henonInverse() throws {
        let system = try BuiltinSystem<Double>.named(Self.example("henon"))
        let r = try system.run(.map, Reversibility(initialPoint: [0.1, 0.2], stepSize: 1, steps: 5))
        #expect(r.errors.last!.error < 1e-12)
    }

    /// Every mistake a user can make, with its place: the message names the file, line and key.
    @Test(arguments: [
        ("kind = \"ode\"\nvariables = [\"x\"]\n[equations]\nx = \"-w\"\n", ":4:7: in equations.x: unknown name 'w'"),
        ("kind = \"ode\"\nvariables = [\"x\"]\n[equations]\nx = \"sinn(x)\"\n", ":4:6: in equations.x: unknown function 'sinn'; did you mean 'sin'?"),
        ("kind = \"ode\"\nvariables = [\"x\"]\n[equations]\nx = \"atan(x, 2)\"\n", "atan takes 1 argument, got 2"),
        ("kind = \"ode\"\nvariables = [\"x\"]\n[equations]\nx = \"x / 0\"\n", ":4:10: in equations.x: division by zero"),
        ("kind = \"ode\"\nvariables = [\"x\"]\n[equations]\nx = \"a\"\n[definitions]\na = \"b + x\"\nb = \"2*a\"\n", "the definitions form a cycle: a → b → a"),
        ("kind = \"ode\"\nvariables = [\"x\"]\n[equations]\nx = \"x *\"\n", ":4:9: in equations.x: the expression ends too early"),
        ("kind = \"ode\"\nvariables = [\"x\", \"y\"]\n[equations]\nx = \"y\"\n", "has no equation for y"),
        ("kind = \"ode\"\nvariables = [\"x\"]\n[equatoins]\nx = \"x\"\n", "unknown key 'equatoins'; did you mean 'equations'?"),
        ("kind = \"flow\"\nvariables = [\"x\"]\n", "unknown kind 'flow'"),
        ("kind = \"ode\"\nvariables = [\"t\"]\n[equations]\nt = \"1\"\n", "'t' is reserved"),
        ("kind = \"ode\"\nvariables = [\"x\"]\ninitial = [1, 2]\n[equations]\nx = \"x\"\n", "initial has 2 values; f has 1 coordinates (x)"),
        ("kind = \"map\"\nvariables = [\"x\"]\n[equations]\nx = \"x + t\"\n", "unknown name 't'"),
        ("kind = \"second-order\"\nvariables = [\"x\"]\n[equations]\nx = \"-v_x\"\n", "cannot read the velocity 'v_x'"),
        ("kind = \"ode\"\nvariables = [\"x[N]\"]\n[parameters]\nN = 2.5\n[equations]\n\"x[i]\" = \"x[i]\"\n", "a family's size must be a whole number"),
        ("kind = \"ode\"\nvariables = [\"x\"\n", "not valid TOML"),
        // Inputs on which toml++ asserts (found by make fuzz), refused before it sees them.
        ("kind = \"ode\"\n[\u{FFFD}]\n", "f.toml:2: a table header is a name in brackets"),
        ("kind = \"ode\"\n\u{3C3} = 1\n", "f.toml:2: the character U+3C3 stands outside a string or comment"),
        ("kind = \"ode\"\n[ = 0.1\n", "f.toml:2: a table header is a name in brackets"),
        ("kind = \"ode\"\nvariables = [\"x\", }\n", "f.toml:2: '}' does not close an open '{'"),
    ])
    func mistakesAreLocated(text: String, phrase: String) {
        do {
            _ = try DefinedSystem<Double>(try SystemFile.parse(text, path: "f.toml"))
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(phrase), "\(error.description)")
        }
    }

    /// Leapfrog and Verlet need what a non-separable Hamiltonian lacks; a bad --param is named.
    @Test func refusals() throws {
        #expect(throws: SystemError.self) { try BuiltinSystem<Double>.named(Self.example("lorenz"), parameters: ["rh0": 1]) }
        #expect(throws: SystemError.self) { try BuiltinSystem<Double>.named("lorenz", parameters: ["rho": 1]) }
        #expect(throws: SystemError.self) { try BuiltinSystem<Double>.named("/nonexistent.toml") }
        let system = try BuiltinSystem<Double>.named(Self.example("lorenz"))
        #expect(throws: SystemError.self) { try system.run(.verlet, Integration(initialPoint: [1, 1, 1], stepSize: 0.01, steps: 1)) }
    }

    /// A NaN during a run is traced to the expression that produced it.
    @Test func nonFiniteIsTraced() throws {
        let d = try DefinedSystem<Double>(try SystemFile.parse("kind = \"ode\"\nvariables = [\"x\"]\n[equations]\nx = \"1 + sqrt(x)\"\n", path: "g.toml"))
        let message = d.diagnose(at: [-1], time: 2)
        #expect(message?.contains("g.toml:4:10: in equations.x: this is not finite at t = 2.0, x = -1.0") == true, "\(message ?? "nil")")
        #expect(d.diagnose(at: [4], time: 0) == nil)
    }
}
