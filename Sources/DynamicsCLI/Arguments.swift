import ArgumentParser
import Dynamics
import Foundation

/// One parser per kind of option value, so every command that takes `--units`, `--filters`,
/// `--size` or a step size accepts and rejects the same text with the same message. Used as
/// `@Option(transform:)`; ArgumentParser prints a failure as "The value … is invalid for
/// --flag: <reason>".
enum Arguments {
    /// Integers separated by commas (`--units 2,2,2`, `--filters 16,16,32,64`).
    static func integers(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count else {
            throw ValidationError("expected integers separated by commas, e.g. 2,2,2")
        }
        return values
    }

    /// Fractions in (0, 1] separated by commas (`--fractions 0.05,0.1,0.2`).
    static func fractions(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Double($0) }.filter { $0 > 0 && $0 <= 1 }
        guard !parts.isEmpty, values.count == parts.count else {
            throw ValidationError("expected fractions in (0, 1] separated by commas, e.g. 0.05,0.1,0.2")
        }
        return values
    }

    /// Names separated by commas (`--archs hamiltonian-74,resnet-32`).
    static func names(_ text: String) throws -> [String] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.contains(where: \.isEmpty) else { throw ValidationError("expected names separated by commas, e.g. hamiltonian-74,resnet-32") }
        return parts
    }

    /// A spatial size: `S` (square) or `HxW`, both positive.
    static func size(_ text: String) throws -> ImageSize {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("expected S or HxW with positive integers, e.g. 32 or 8x8")
        }
        let h = parts[0]!, w = parts.count == 2 ? parts[1]! : h
        guard h <= ImageSize.maximumSide, w <= ImageSize.maximumSide else {
            throw ValidationError("each side must be at most \(ImageSize.maximumSide)")
        }
        return ImageSize(height: h, width: w)
    }

    /// A step size: a positive finite number.
    static func stepSize(_ text: String) throws -> Double {
        guard let h = Double(text), h.isFinite, h > 0 else { throw ValidationError("the step size must be a positive finite number") }
        return h
    }
}

/// The step size h, under one name in every command: `--dt`. `--h`, its name in the network
/// commands before, still works with a warning.
struct StepSizeOption: ParsableArguments {
    @Option(name: .customLong("dt"), parsing: .unconditional, help: ArgumentHelp(
        "Step size h (default: 0.01 for systems; for blocks their own, 0.1, or 1 for resnet and revnet).", valueName: "h"),
        transform: Arguments.stepSize)
    var dt: Double?

    @Option(name: .customLong("h"), parsing: .unconditional, help: .hidden, transform: Arguments.stepSize)
    var deprecatedH: Double?

    func validate() throws {
        if dt != nil && deprecatedH != nil { throw ValidationError("give the step size once, as --dt (--h is its deprecated name)") }
        if deprecatedH != nil { FileHandle.standardError.write(Data("warning: --h is deprecated; use --dt\n".utf8)) }
    }

    /// The step size given, if any.
    var value: Double? { dt ?? deprecatedH }

    var isGiven: Bool { dt != nil || deprecatedH != nil }
}

/// Steps (or blocks) a command runs, at most: 2⁴⁰, far beyond any sensible run, and small
/// enough that step times t = n·h and counts never overflow.
let maximumSteps = 1 << 40

/// Flags that belong to one mode of a command, rejected in the other (no flag is silently ignored).
func reject(_ flags: [(name: String, given: Bool)], _ reason: String) throws {
    if let flag = flags.first(where: \.given) { throw ValidationError("\(flag.name) \(reason)") }
}

extension CLIError {
    /// The flag that sets a library setting.
    static func flag(for setting: ArchitectureError.Setting) -> String {
        switch setting {
        case .preset: "--preset"
        case .units: "--units"
        case .filters: "--filters"
        case .stepSize: "--dt"
        case .channels: "--channels"
        case .imageSize: "--size"
        case .backprop: "--backprop"
        case .depth: "--depth"
        case .normalization: "--norm"
        case .transitions: "--transitions"
        }
    }
}

/// Runs library code, turning its errors into the CLI's: an `ArchitectureError` names the flag
/// that sets what was wrong, a `SystemError` is passed on as it is.
func mappingLibraryErrors<R>(_ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let e as ArchitectureError {
        throw CLIError("\(CLIError.flag(for: e.setting)): \(e.problem)")
    } catch let e as SystemError {
        throw CLIError(e.description)
    } catch let e as TrainingError {
        throw CLIError("training diverged in epoch \(e.epoch): \(e.what). Try a smaller --dt or --lr "
                       + "(the learning rate was \(e.learningRate)); the last checkpoint is unchanged")
    } catch let e as TrainingConfiguration.Invalid {
        throw CLIError(e.description)
    }
}
