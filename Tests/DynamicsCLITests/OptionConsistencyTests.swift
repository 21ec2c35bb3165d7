import Testing

/// One parser per kind of option value, one name for the step size, no flag silently ignored:
/// every command that takes `--units`, `--size` or a step size rejects the same bad value with
/// the same message (its first line), and a flag that does not apply to the mode chosen is refused.
@Suite("Options: the same values, the same messages, in every command")
struct OptionConsistencyTests {
    /// The first line of stderr: the error itself (the help and usage lines after it differ by command).
    static func error(_ arguments: [String]) throws -> String {
        let r = try CLIRunner.run(arguments)
        #expect(r.status != 0, "\(arguments) succeeded")
        return String(r.stderr.split(separator: "\n").first ?? "")
    }

    static let networkCommands: [[String]] = [["train", "--epochs", "1"], ["bench", "--steps", "1", "--batch", "2"]]
    static let blockCommands: [[String]] = [["eig", "--block", "hamiltonian"], ["reverse", "--arch", "hamiltonian"],
                                            ["lyapunov", "--arch", "hamiltonian"]]

    @Test("a bad --units: the same message from train and bench, for text and for values",
          arguments: [(["--units", "2,x,2"], "'2,x,2' is invalid for '--units"), (["--units", "0,1,1"], "--units: three positive numbers")])
    func units(flag: [String], expected: String) throws {
        let messages = try Self.networkCommands.map { try Self.error($0 + flag) }
        #expect(Set(messages).count == 1, "\(messages)")
        #expect(messages[0].contains(expected), "\(messages[0])")
    }

    @Test("a bad --size: the same message from bench, eig --block, reverse --arch and lyapunov --arch",
          arguments: ["0x3", "8y8", "-4"])
    func size(value: String) throws {
        let messages = try (Self.networkCommands.dropFirst() + Self.blockCommands).map { try Self.error($0 + ["--size", value]) }
        #expect(Set(messages).count == 1, "\(messages)")
        #expect(messages[0].contains("invalid for '--size"), "\(messages[0])")
    }

    @Test("a bad step size: the same message from every command that takes --dt", arguments: ["0", "-1", "nan", "inf", "x"])
    func stepSize(value: String) throws {
        let commands = Self.networkCommands + Self.blockCommands + [["integrate", "--system", "harmonic", "--method", "verlet"]]
        let messages = try commands.map { try Self.error($0 + ["--dt", value]) }
        #expect(Set(messages).count == 1, "\(messages)")
        #expect(messages[0].contains("invalid for '--dt") && messages[0].contains("positive finite"), "\(messages[0])")
    }

    @Test("--h still sets the step size, with a warning; both together are refused")
    func deprecatedStepSize() throws {
        let r = try CLIRunner.run(["reverse", "--arch", "hamiltonian", "--depth", "2", "--h", "0.5", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("--h is deprecated") && r.json?["dt"] as? Double == 0.5)
        #expect(try Self.error(["reverse", "--arch", "hamiltonian", "--h", "0.5", "--dt", "0.5"]).contains("give the step size once"))
    }

    @Test("a flag of the other mode is refused, not ignored", arguments: [
        (["reverse", "--arch", "hamiltonian", "--steps", "5"], "--steps does not apply to --arch"),
        (["reverse", "--arch", "hamiltonian", "--method", "verlet"], "--method does not apply to --arch"),
        (["reverse", "--system", "harmonic", "--method", "verlet", "--channels", "2"], "--channels applies to --arch only"),
        (["lyapunov", "--arch", "hamiltonian", "--transient", "5"], "--transient does not apply to --arch"),
        (["lyapunov", "--system", "lorenz", "--depth", "5"], "--depth applies to --arch only"),
        (["eig", "m.csv", "--size", "4x4"], "--size applies to --block only"),
        (["eig", "--block", "hamiltonian", "--discrete"], "--discrete applies to a matrix FILE only"),
        (["stability", "--system", "lorenz", "--dt", "0.1"], "--dt applies to a step's Jacobian"),
        (["train", "--resume", "somewhere", "--lr", "0.5"], "--lr cannot change a resumed run"),
    ])
    func otherMode(arguments: [String], expected: String) throws {
        let message = try Self.error(arguments)
        #expect(message.contains(expected), "\(message)")
    }

    @Test("the step size reaches the blocks: reverse --arch --dt is used, not ignored")
    func blockStepSize() throws {
        let r = try CLIRunner.run(["reverse", "--arch", "hamiltonian", "--depth", "2", "--dt", "0.25", "--json"])
        #expect(r.status == 0 && r.json?["dt"] as? Double == 0.25, "\(r.stderr)")
    }
}
