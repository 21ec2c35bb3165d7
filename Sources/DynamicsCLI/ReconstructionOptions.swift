import ArgumentParser
import Dynamics

/// The flags of the reversible-training guard (`ReconstructionCheck`), each checked here and
/// applied to a `TrainingConfiguration` over its defaults.
struct ReconstructionOptions: ParsableArguments {
    @Option(help: "Reversible backprop: measure how accurately each segment's inputs are rebuilt every N steps (default 10; 0: never).")
    var checkReconstructionEvery: Int?

    @Option(parsing: .unconditional, help: "Warn when a rebuilt segment input is off by more than this relative error (default 1e-4).")
    var reconstructionThreshold: Double?

    @Flag(help: "A segment that fails the reconstruction check keeps its inputs (stored backprop, its memory) for the rest of the run.")
    var reconstructionFallback = false

    func validate() throws {
        if let n = checkReconstructionEvery, !(0...ReconstructionCheck.maximumEvery).contains(n) {
            throw ValidationError("--check-reconstruction-every must be from 0 (never) to \(ReconstructionCheck.maximumEvery), got \(n)")
        }
        if let t = reconstructionThreshold, !(t.isFinite && t > 0) {
            throw ValidationError("--reconstruction-threshold must be a positive number, got \(t)")
        }
    }

    /// The flags given (rejected where the configuration comes from elsewhere, or where
    /// backpropagation is stored).
    var givenFlags: [(name: String, given: Bool)] {
        [("--check-reconstruction-every", checkReconstructionEvery != nil), ("--reconstruction-threshold", reconstructionThreshold != nil),
         ("--reconstruction-fallback", reconstructionFallback)]
    }

    /// Sets the values given on `configuration`, keeping its defaults for the others.
    func apply(to configuration: inout TrainingConfiguration) {
        var check = configuration.resolvedReconstructionCheck
        if let n = checkReconstructionEvery { check.every = n }
        if let t = reconstructionThreshold { check.threshold = t }
        if reconstructionFallback { check.fallback = true }
        configuration.reconstructionCheck = check
    }
}
