import ArgumentParser
import Dynamics
import Foundation

/// `dynamics integrate`: integrate a built-in system or a system file and report the final state and energy drift.
struct Integrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Integrate a built-in system or a system file (FILE.toml) with a chosen method.",
        discussion: """
            Reports the final point, the largest relative energy error max|H − H₀|/|H₀| over the \
            run (for systems with an energy), and the time spent. --out writes the trajectory \
            (one row per recorded step, row 0 the initial point; columns t, then the coordinates, \
            named in a .csv's first line, # t,q1,…,p1,…) as .npy or .csv; it streams to \
            disk as it is computed (memory does not grow with --steps) and the file appears \
            only when complete. \
            The Hénon map is iterated (--method map, its default).
            """)

    @OptionGroup var options: SystemOptions

    @OptionGroup var stepSize: StepSizeOption

    var dt: Double { stepSize.value ?? 0.01 }

    @Option(help: "Number of steps.")
    var steps: Int = 1000

    @Option(help: "Write the trajectory to this .npy or .csv file.")
    var out: String?

    @Option(help: "With --out, record every k-th step.")
    var every: Int = 1

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var system: String
        var method: String
        var precision: String
        var dt: Double
        var steps: Int
        var final: [Double]
        var energyError: Double?
        var seconds: Double
        var trajectoryFile: String?
    }

    func validate() throws {
        guard (1...maximumSteps).contains(steps) else { throw ValidationError("--steps must be from 1 to \(maximumSteps), got \(steps)") }
        guard every > 0 else { throw ValidationError("--every must be positive, got \(every)") }
    }

    func run() throws {
        let report = options.arithmetic == .double ? try integrate(Double.self) : try integrate(Float.self)
        if output.json { return try Output.printJSON(report) }
        let stepping = report.method == "map" ? "iterated" : "with \(report.method), h = \(report.dt),"
        print("\(report.system) \(stepping) \(report.steps) steps (\(report.precision))")
        print("final point     " + report.final.map { Output.sci($0, digits: 10) }.joined(separator: " "))
        if let e = report.energyError { print("energy error    \(Output.sci(e)) (max |H − H₀|/|H₀|)") }
        print(String(format: "time            %.3f s", report.seconds))
        if let f = report.trajectoryFile { print("trajectory      \(f)") }
    }

    /// The error for a run that left the finite numbers; for a system file, the run is repeated
    /// to its last finite point and the expression that is not finite there is shown.
    func nonFinite<T: BLASScalar>(_ system: BuiltinSystem<T>, _ method: MethodName, _ x0: [T]) -> CLIError {
        let advice = "try a smaller --dt or a stable method"
        guard case .defined(let defined) = system.kind else {
            return CLIError("the solution left the finite numbers (overflow to Inf/NaN); \(advice)")
        }
        var last = x0.map(Double.init), lastStep = 0, step = 0
        var replay = Integration(initialPoint: x0, stepSize: T(dt), steps: steps)
        replay.record = { point in
            guard point.allSatisfy(\.isFinite) else { throw CLIError("stop") }
            (last, lastStep, step) = (point.map(Double.init), step, step + 1)
        }
        _ = try? system.run(method, options: options.methodOptions, replay)
        let time = Double(lastStep) * (system.isMap ? 1 : dt)
        let cause = defined.diagnose(at: last, time: time)
            ?? "every expression is finite at the last finite point (t = \(time)), so the solution blew up within a step; \(advice)"
        return CLIError("the solution left the finite numbers after step \(lastStep):\n\(cause)")
    }

    func integrate<T: BLASScalar>(_: T.Type) throws -> Report {
        let (system, x0) = try options.resolve(T.self)
        let method = try options.requireMethod(for: system)
        let energy: (([T]) -> T)? = system.energy(x0) == nil ? nil : { system.energy($0)! }
        var experiment = Integration(initialPoint: x0, stepSize: T(dt), steps: steps, energy: energy, recordEvery: every)
        // The trajectory streams to disk as it is computed; the file appears when it is complete.
        let writer = try out.map {
            try MatrixRowWriter<T>(path: $0, rows: experiment.recordedPoints, columns: x0.count + 1, header: ["t"] + system.coordinateNames)
        }
        let timePerRow = Double(every) * (system.isMap ? 1 : dt)
        var row = 0
        experiment.record = writer.map { w in
            { point in
                try w.append([T(Double(row) * timePerRow)] + point)
                row += 1
            }
        }
        let r = try mappingLibraryErrors { try system.run(method, options: options.methodOptions, experiment) }
        guard r.final.allSatisfy(\.isFinite) else { throw nonFinite(system, method, x0) }
        try writer?.finish()
        return Report(system: system.name, method: method.rawValue, precision: options.arithmetic.rawValue,
                      dt: dt, steps: steps, final: r.final.map(Double.init), energyError: r.energyError.map(Double.init),
                      seconds: r.seconds, trajectoryFile: out)
    }
}
