import LinearAlgebra

/// The kinds of block a network is made of. This enum owns the one switch from a kind to its
/// `BlockFamily` (`run(_:)`); everything else a caller needs to know about a kind is read off
/// that family (`isReversible`, `splitsChannels`, `defaultStepSize`, `convolutionsPerUnit`).
///
/// The raw values are the names used on the command line and in checkpoints.
public enum Block: String, Codable, CaseIterable, Sendable {
    /// Staggered Störmer–Verlet on the Hamiltonian field (Chang et al. 2018, eq. 7).
    case hamiltonian
    /// The two-step midpoint rule on an anti-symmetric field (Chang et al. 2018, eq. 8).
    case midpoint
    /// The leapfrog rule on y'' = −Kᵀσ(Ky + b) (Chang et al. 2018, eq. 9).
    case leapfrog
    /// Forward Euler with h = 1 on a residual function (He et al. 2016).
    case resnet
    /// Additive coupling = staggered Verlet with h = 1 (Gomez et al. 2017).
    case revnet

    /// Runs `experiment` with this kind's family: `run(reversible:)` for the families whose
    /// method has an exact inverse step, `run(_:)` for the others. The compiler checks that
    /// only a `ReversibleBlockFamily` is handed over as reversible.
    @inlinable @inline(__always)
    public func run<E: NetworkExperiment>(_ experiment: E) throws -> E.Result {
        switch self {
        case .hamiltonian: try experiment.run(reversible: HamiltonianFamily<E.Scalar>.self)
        case .midpoint: try experiment.run(reversible: MidpointFamily<E.Scalar>.self)
        case .leapfrog: try experiment.run(reversible: LeapfrogFamily<E.Scalar>.self)
        case .revnet: try experiment.run(reversible: RevNetFamily<E.Scalar>.self)
        case .resnet: try experiment.run(ResNetFamily<E.Scalar>.self)
        }
    }

    /// Whether the block's method has an exact inverse step, so reversible backpropagation and
    /// exact reconstruction apply.
    public var isReversible: Bool { traits.isReversible }
    /// Whether the block works on channel halves (Y, Z), so every width must be even.
    public var splitsChannels: Bool { traits.splitsChannels }
    /// The step size h when none is given.
    public var defaultStepSize: Double { traits.defaultStepSize }
    /// 3×3 convolutions per unit, as the paper counts depth (`Architecture.depth`).
    public var convolutionsPerUnit: Int { traits.convolutionsPerUnit }
    /// The name of the integrator a unit steps with (`Integrator.name`: "verlet", "midpoint", …).
    public var methodName: String { traits.methodName }
    /// Whether the block has a batch-norm variant (`Normalization.batch`).
    public var normalizable: Bool { traits.normalizable }
    /// Whether its networks can widen with strided downsampling units (`TransitionStyle.strided`).
    public var stridedTransitions: Bool { traits.stridedTransitions }

    /// The parameters of one unit on a feature map of `width` channels (nil on overflow).
    public func unitParameterCount(width: Int, normalization: Normalization) -> Int? {
        try? run(UnitCounter(width: width, normalization: normalization))
    }

    private struct UnitCounter: NetworkExperiment {
        typealias Scalar = Double
        var width: Int, normalization: Normalization
        func run<F: BlockFamily>(_: F.Type) -> Int? where F.Scalar == Double {
            F.unitParameterCount(width: width, normalization: normalization)
        }
    }

    // `Reader` throws nothing: the `try!` cannot fire.

    var traits: BlockTraits { try! run(BlockTraits.Reader()) }
}

/// What `Block` reads off a family.
struct BlockTraits {
    var isReversible: Bool
    var splitsChannels: Bool
    var defaultStepSize: Double
    var convolutionsPerUnit: Int
    var methodName: String
    var normalizable: Bool
    var stridedTransitions: Bool

    struct Reader: NetworkExperiment {
        typealias Scalar = Double
        func run<F: BlockFamily>(_: F.Type) -> BlockTraits where F.Scalar == Double {
            BlockTraits(isReversible: false, splitsChannels: F.splitsChannels, defaultStepSize: F.defaultStepSize,
                        convolutionsPerUnit: F.convolutionsPerUnit, methodName: F.Method.name, normalizable: F.normalizable,
                        stridedTransitions: F.stridedTransitions)
        }
        func run<F: ReversibleBlockFamily>(reversible family: F.Type) -> BlockTraits where F.Scalar == Double {
            var traits = run(family)
            traits.isReversible = true
            return traits
        }
    }
}
