import ArgumentParser
import Dynamics

/// `dynamics convergence`: the observed order of a method.
struct ConvergenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convergence",
        abstract: "Measure a method's order from the error at --t-end over halvings of h.",
        discussion: """
            Integrates over [0, T] with N₀, 2N₀, 4N₀, … steps and fits the slope of log(error) \
            against log(h). The reference is the exact solution for the harmonic oscillator and \
            RK4 with 64× the finest step count otherwise.
            """)

    @OptionGroup var options: SystemOptions

    @Option(name: .customLong("t-end"), parsing: .unconditional, help: "Final time T.")
    var tEnd: Double = 1

    @Option(help: "Steps on the coarsest grid, N₀ (default: 10 for rk4, 40 otherwise).")
    var initialSteps: Int?

    @Option(help: "Number of halvings of h (at least 2).")
    var halvings: Int = 4

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var system: String
        var method: String
        var precision: String
        var tEnd: Double
        var order: Double
        var expectedOrder: Int
        var symplectic: Bool
        var samples: [[Double]]
    }

    func validate() throws {
        try validatePositive(tEnd, flag: "--t-end")
        guard halvings >= 2 && halvings <= 20 else { throw ValidationError("--halvings must be between 2 and 20, got \(halvings)") }
        // The finest grid has N₀·2^halvings steps and its RK4 reference 64 times as many.
        if let n = initialSteps, !(1...(maximumSteps >> (halvings + 6))).contains(n) {
            throw ValidationError("--initial-steps must be from 1 to \(maximumSteps >> (halvings + 6)) with \(halvings) halvings, got \(n)")
        }
    }

    func run() throws {
        let report = options.arithmetic == .double ? try converge(Double.self) : try converge(Float.self)
        if output.json { return try Output.printJSON(report) }
        print("\(report.system) with \(report.method) on [0, \(report.tEnd)] (\(report.precision))")
        print("            h          error")
        for s in report.samples { print(Output.sci(s[0], digits: 4) + "  " + Output.sci(s[1], digits: 4)) }
        print(String(format: "observed order %.3f (classical order %d)", report.order, report.expectedOrder))
    }

    func converge<T: BLASScalar>(_: T.Type) throws -> Report {
        let (system, x0) = try options.resolve(T.self)
        let method = try options.requireMethod(for: system)
        let n0 = initialSteps ?? (method == .rk4 ? 10 : 40)
        let counts = (0...halvings).map { n0 << $0 }
        let r = try mappingLibraryErrors {
            let reference = try system.reference(from: x0, endTime: T(tEnd), steps: 64 * counts.last!)
            return try system.run(method, options: options.methodOptions,
                                  Convergence(initialPoint: x0, reference: reference, endTime: T(tEnd), stepCounts: counts))
        }
        return Report(system: system.name, method: method.rawValue, precision: options.arithmetic.rawValue, tEnd: tEnd,
                      order: r.order, expectedOrder: r.classicalOrder, symplectic: r.symplectic,
                      samples: r.samples.map { [Double($0.stepSize), Double($0.error)] })
    }
}
