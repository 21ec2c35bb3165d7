import ArgumentParser
import Dynamics

/// The flags that choose a network, shared by `train` and `bench`: a preset, or a block kind,
/// each refined by units, widths, step size and activation.
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "A preset: \(Architecture.presets.map(\.name).joined(separator: ", ")) (the README lists their sources and sizes).")
    var preset: String?

    @Option(help: "The block, without a preset (default hamiltonian): \(Block.allCases.map(\.rawValue).joined(separator: ", ")).")
    var arch: Block?

    @Option(help: "Units per stage u1,u2,u3 (default: the preset's, or 2,2,2).", transform: Arguments.integers)
    var units: [Int]?

    @Option(help: "Widths f0,f1,f2,f3, stem = stage 1 ≤ stage 2 ≤ stage 3 (default: the preset's, or 16,16,32,64).",
            transform: Arguments.integers)
    var filters: [Int]?

    @OptionGroup var stepSize: StepSizeOption

    @Option(help: "Activation: relu (default) or tanh.")
    var activation: Activation?

    @Option(help: "How stages widen (resnet, revnet): strided (a stride-2 downsampling unit, the presets' default) or pool (pool and pad after the stage's first unit, as the Hamiltonian networks; default without a preset).")
    var transitions: TransitionStyle?

    @Option(help: "Batch norm in the stem and inside the blocks: batch (the authors' code; the paper presets' default) or none (the paper's equations; default without a preset).")
    var norm: Normalization?

    func validate() throws {
        if preset != nil && arch != nil { throw ValidationError("give --preset or --arch, not both") }
    }

    /// The flags given (rejected where the architecture comes from elsewhere, e.g. a checkpoint).
    var givenFlags: [(name: String, given: Bool)] {
        [("--preset", preset != nil), ("--arch", arch != nil), ("--units", units != nil), ("--filters", filters != nil),
         ("--dt", stepSize.isGiven), ("--activation", activation != nil), ("--norm", norm != nil),
         ("--transitions", transitions != nil)]
    }

    /// The architecture the flags describe, with the library's errors named by flag.
    func architecture() throws -> Architecture {
        try mappingLibraryErrors {
            let base = try preset.map(Architecture.preset)
            return try Architecture(block: arch ?? base?.block ?? .hamiltonian, units: units ?? base?.units ?? [2, 2, 2],
                                    filters: filters ?? base?.filters ?? [16, 16, 32, 64], stepSize: stepSize.value ?? base?.stepSize,
                                    activation: activation ?? .relu, normalization: norm ?? base?.normalization ?? .none,
                                    transitions: transitions ?? base?.transitions ?? .poolAndPad)
        }
    }
}

extension Backprop: ExpressibleByArgument {}
extension ConvolutionAlgorithm: ExpressibleByArgument {}
extension TransitionStyle: ExpressibleByArgument {}
