import Integrators
import LinearAlgebra
import Stability

/// Random blocks of one kind on a random feature map: the objects of `dynamics eig --block`,
/// `reverse --arch` and `lyapunov --arch`.
public struct BlockSetup<Scalar: BLASScalar>: Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// The step size h (nil: the block's default).
    public var stepSize: Double?
    public var activation: Activation
    public var seed: UInt64
    /// Batch norm inside the blocks, or none.
    public var normalization: Normalization = .none
    /// The statistics batch norm uses: `.running` (the blocks' inference function, what
    /// analyses linearise) or `.batch` (the feature map's own, as training and reconstruction
    /// use them).
    public var statistics: NormalizationMode = .running

    /// - Throws: `ArchitectureError` for a non-positive size or step size.
    public init(channels: Int, height: Int, width: Int, stepSize: Double?, activation: Activation, seed: UInt64) throws {
        guard (1...Architecture.maximumWidth).contains(channels) else {
            throw ArchitectureError(.channels, "the number of channels must be from 1 to \(Architecture.maximumWidth), got \(channels)")
        }
        guard height > 0, width > 0 else {
            throw ArchitectureError(.imageSize, "the feature map's height and width must be positive, got \(height)×\(width)")
        }
        if let h = stepSize { try ArchitectureError.checkStepSize(h) }
        (self.channels, self.height, self.width) = (channels, height, width)
        (self.stepSize, self.activation, self.seed) = (stepSize, activation, seed)
    }

    /// The dimension of the feature map (C·H·W).
    public var dimension: Int { channels * height * width }

    /// Checks, before anything is allocated, that `units` blocks of `block` on this feature map
    /// fit in memory, and with `denseMatrices` that n×n matrices on the block's state do
    /// (dense Jacobians, a full Lyapunov spectrum's tangent vectors; n is twice the feature
    /// map's size for the two-step blocks).
    public func checkMemory(_ block: Block, units: Int, denseMatrices: Bool) throws {
        let map = SafeSize.product([channels, height, width])
        guard SafeSize.fitsInMemory(map.flatMap { SafeSize.product([$0, 4]) }, width: 8) else {
            throw ArchitectureError(.imageSize, "a \(channels)×\(height)×\(width) feature map would not fit in memory")
        }
        let weights = SafeSize.product([units, block.unitParameterCount(width: channels, normalization: normalization) ?? -1])
        guard units > 0, SafeSize.fitsInMemory(weights, width: 8) else {
            throw ArchitectureError(.depth, "\(units) blocks of \(channels) channels would not fit in memory; use fewer or narrower blocks")
        }
        if denseMatrices {
            let n = SafeSize.product([2, channels, height, width])
            guard SafeSize.fitsInMemory(n.flatMap { SafeSize.product([$0, $0]) }, width: 8) else {
                throw ArchitectureError(.imageSize, "dense \(n.map(String.init) ?? "huge")² matrices for a \(channels)×\(height)×\(width) feature map "
                                        + "would not fit in memory; use fewer channels or a smaller --size")
            }
        }
    }

    /// Checks that `block` can take this set-up.
    public func check(_ block: Block) throws {
        if normalization == .batch && !block.normalizable {
            throw ArchitectureError(.normalization, "\(block.rawValue) blocks have no batch-norm variant (their field is not a residual function); use none")
        }
        if block.splitsChannels, channels % 2 != 0 {
            throw ArchitectureError(.channels, "\(block.rawValue) blocks split channels into halves, so the count must be even, got \(channels)")
        }
    }

    /// A random feature map (one image, standard normal entries).
    func input(using g: inout SeededGenerator) -> Tensor<Scalar> {
        Tensor(channels: channels, batch: 1, height: height, width: width,
               data: (0..<dimension).map { _ in Scalar(Gaussian.sample(using: &g)) })
    }

    /// `units` fields with independent random weights, then a random input, from the seed.
    func draw<F: BlockFamily>(_: F.Type, units: Int) -> (fields: [F.Field], input: Tensor<Scalar>) where F.Scalar == Scalar {
        var g = SeededGenerator(seed: seed)
        let scratch = Scratch<Scalar>()
        scratch.normalization = statistics
        let fields = (0..<units).map { _ in
            F.makeField(channels: channels, activation: activation, normalization: normalization, scratch: scratch, using: &g)
        }
        return (fields, input(using: &g))
    }
}

/// A stack of a family's units as one integrator on one non-autonomous system: unit j is the
/// field on [t_j, t_{j+1}], t_j = j·h, so the weights are a function of time as in the paper's
/// reading of a network as an ODE (Chang et al. 2018, §2). The units repeat with period
/// `fields.count` (one unit: an autonomous ODE).
///
/// This is what lets the experiments written for systems (`Reversibility`, `StepJacobian`,
/// `LyapunovSpectrum`, `LargestLyapunovExponent`) run on blocks through a `MethodBinding`;
/// they must pass the step's true time t_j (they do), from which the unit is read.
public struct UnitSequence<Family: BlockFamily>: Integrator {
    public typealias Field = [Family.Field]
    public typealias State = Family.Method.State

    public var method: Family.Method

    public init(_ method: Family.Method) { self.method = method }

    public static var name: String { Family.Method.name }

    public var order: Int { method.order }
    public var isSymplectic: Bool { method.isSymplectic }

    /// The unit that runs over [t, t + h] (or [t + h, t] for h < 0).
    static func unit(at t: Family.Scalar, stepSize h: Family.Scalar, count: Int) -> Int {
        let start = h < 0 ? t + h : t
        let j = Int((start / abs(h)).rounded())
        return ((j % count) + count) % count
    }

    public mutating func step(_ fields: Field, _ state: inout State, time t: Family.Scalar, stepSize h: Family.Scalar) {
        method.step(fields[Self.unit(at: t, stepSize: h, count: fields.count)], &state, time: t, stepSize: h)
    }
}

extension UnitSequence: ReversibleIntegrator where Family: ReversibleBlockFamily {
    public mutating func unstep(_ fields: Field, _ state: inout State, time t: Family.Scalar, stepSize h: Family.Scalar) {
        method.unstep(fields[Self.unit(at: t - h, stepSize: h, count: fields.count)], &state, time: t, stepSize: h)
    }
}

/// Runs an experiment written for systems on random blocks: the family's units bound as a
/// `MethodBinding` (`UnitSequence`), whose system point is the feature map's C·H·W values and
/// whose state is the family's (channel halves, two-step pairs). Reversible families bind
/// their exact inverse step; ResNet blocks bind none, so `Reversibility` steps back with −h.
public struct BlockExperiment<E: BindingExperiment>: NetworkExperiment {
    public typealias Scalar = E.Scalar
    public var setup: BlockSetup<Scalar>
    /// Units with independent weights (1: the same weights at every step).
    public var units: Int
    /// The experiment at the random input (its system point) and the step size.
    public var experiment: (_ initialPoint: [Scalar], _ stepSize: Scalar) -> E

    public init(_ setup: BlockSetup<Scalar>, units: Int, experiment: @escaping ([Scalar], Scalar) -> E) {
        precondition(units > 0, "BlockExperiment: units must be positive")
        self.setup = setup
        self.units = units
        self.experiment = experiment
    }

    func binding<F: BlockFamily>(_: F.Type, fields: [F.Field], input: Tensor<Scalar>,
                                 unstep: ((inout UnitSequence<F>, [F.Field], inout F.Method.State, Scalar, Scalar) -> Void)?)
        -> MethodBinding<UnitSequence<F>> where F.Scalar == Scalar {
        MethodBinding(integrator: UnitSequence<F>(F.makeMethod()), field: fields,
                      start: { point, _ in F.state(from: Tensor(channels: input.channels, batch: 1, height: input.height, width: input.width, data: point)) },
                      point: { state, _ in F.tensor(from: state).data },
                      unstep: unstep)
    }

    public func run<F: BlockFamily>(_ family: F.Type) throws -> E.Result where F.Scalar == Scalar {
        let (fields, input) = setup.draw(family, units: units)
        let h = Scalar(setup.stepSize ?? F.defaultStepSize)
        return try experiment(input.data, h).run(binding(family, fields: fields, input: input, unstep: nil))
    }

    public func run<F: ReversibleBlockFamily>(reversible family: F.Type) throws -> E.Result where F.Scalar == Scalar {
        let (fields, input) = setup.draw(family, units: units)
        let h = Scalar(setup.stepSize ?? F.defaultStepSize)
        let binding = binding(family, fields: fields, input: input) { i, f, s, t, h in i.unstep(f, &s, time: t, stepSize: h) }
        return try experiment(input.data, h).run(binding)
    }
}

/// The leading eigenvalues of a random block's vector field (in the coordinates of its
/// first-order state, `BlockFamily.firstOrderField`) and of one block step (on the method's
/// state, `BlockFamily.step`), at a random input, with the step size the block uses.
/// The dense Jacobian of the first-order field `BlockSpectra` linearises (same seed, same
/// input), by central differences: what `eig --block --jacobian` writes.
public struct BlockFieldJacobian: NetworkExperiment {
    public typealias Scalar = Double
    public var setup: BlockSetup<Double>

    public init(_ setup: BlockSetup<Double>) { self.setup = setup }

    public func run<F: BlockFamily>(_ family: F.Type) throws -> Matrix<Double> where F.Scalar == Double {
        let (fields, input) = setup.draw(family, units: 1)
        return F.firstOrderField(fields[0], at: input).jacobian()
    }
}

public struct BlockSpectra: NetworkExperiment {
    public typealias Scalar = Double
    public var setup: BlockSetup<Double>
    /// Eigenvalues per end of the spectrum (k).
    public var count: Int
    /// The ends of the spectra (default both).
    public var ends: [EigenvalueSelection]
    public var solver: Eigensolver

    public init(_ setup: BlockSetup<Double>, count: Int, ends: [EigenvalueSelection] = EigenvalueSelection.allCases, solver: Eigensolver = .auto) {
        self.setup = setup
        self.count = count
        self.ends = ends
        self.solver = solver
    }

    public func run<F: BlockFamily>(_ family: F.Type) throws -> (field: LeadingEigenvalues, step: LeadingEigenvalues, stepSize: Double)
    where F.Scalar == Double {
        let (fields, input) = setup.draw(family, units: 1)
        let h = setup.stepSize ?? F.defaultStepSize
        let field = try LeadingEigenvalues(of: F.firstOrderField(fields[0], at: input), count: count, ends: ends, solver: solver)
        let step = try LeadingEigenvalues(of: F.step(fields[0], at: F.state(from: input), time: 0, stepSize: h), count: count, ends: ends,
                                          solver: solver)
        return (field, step, h)
    }
}
