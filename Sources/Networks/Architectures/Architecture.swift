import Foundation
import LinearAlgebra

/// The shape of one of the paper's networks: a 3×3 stem (input → filters[0]), three stages of
/// units, downsampling at the end of the first unit of stages 2 and 3 (2×2 average pooling
/// and zero channel padding), and a head (batch norm, ReLU, global average pooling, fully
/// connected). Chang et al. 2018, §4 and Table 1.
public struct Architecture: Codable, Sendable, Equatable {
    /// The kind of block of every unit.
    public var block: Block
    /// Units per stage.
    public var units: [Int]
    /// Stem width, then the width of each stage.
    public var filters: [Int]
    /// The step size h of every block (nil: the block's default).
    public var stepSize: Double?
    public var activation: Activation
    /// Batch norm inside the blocks' residual functions and after the stem (the authors'
    /// code), or none (the paper's equations). Absent in checkpoints before it existed: none.
    public var normalization: Normalization
    /// How stages widen: pooling and padding after the first unit (the paper's networks), or a
    /// strided downsampling unit (standard ResNets and RevNets). Absent in checkpoints before
    /// it existed: pooling.
    public var transitions: TransitionStyle

    /// Units per stage, at most (the deepest preset has 100).
    public static let maximumUnits = 100_000
    /// Channels of a stage, at most (the presets use up to 128).
    public static let maximumWidth = 16_384

    public init(block: Block, units: [Int], filters: [Int], stepSize: Double? = nil, activation: Activation = .relu,
                normalization: Normalization = .none, transitions: TransitionStyle = .poolAndPad) throws {
        guard units.count == 3, units.allSatisfy({ (1...Self.maximumUnits).contains($0) }) else {
            throw ArchitectureError(.units, "three positive numbers are needed (units per stage, at most \(Self.maximumUnits)), got \(units)")
        }
        guard filters.count == 4, filters.allSatisfy({ (2...Self.maximumWidth).contains($0) }) else {
            throw ArchitectureError(.filters, "four numbers from 2 to \(Self.maximumWidth) are needed (stem, stage 1, 2, 3), got \(filters)")
        }
        guard filters[0] == filters[1], filters[1] <= filters[2], filters[2] <= filters[3] else {
            throw ArchitectureError(.filters, "the widths must satisfy stem = stage 1 ≤ stage 2 ≤ stage 3, got \(filters)")
        }
        if block.splitsChannels, let odd = filters.first(where: { $0 % 2 != 0 }) {
            throw ArchitectureError(.filters, "\(block.rawValue) blocks split channels into halves, so every width must be even, got \(odd)")
        }
        if let h = stepSize { try ArchitectureError.checkStepSize(h) }
        if normalization == .batch && !block.normalizable {
            throw ArchitectureError(.normalization, "\(block.rawValue) blocks have no batch-norm variant (their field is not a residual function); use none")
        }
        if transitions == .strided && !block.stridedTransitions {
            throw ArchitectureError(.transitions, "\(block.rawValue) networks widen by pooling and padding; strided downsampling units are for resnet and revnet")
        }
        self.block = block
        self.units = units
        self.filters = filters
        self.stepSize = stepSize
        self.activation = activation
        self.normalization = normalization
        self.transitions = transitions
    }

    private enum CodingKeys: String, CodingKey { case block, units, filters, stepSize, activation, normalization, transitions }

    /// Decodes and validates like the initialiser (a checkpoint is user input).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(block: c.decode(Block.self, forKey: .block), units: c.decode([Int].self, forKey: .units),
                      filters: c.decode([Int].self, forKey: .filters), stepSize: c.decodeIfPresent(Double.self, forKey: .stepSize),
                      activation: c.decode(Activation.self, forKey: .activation),
                      normalization: c.decodeIfPresent(Normalization.self, forKey: .normalization) ?? .none,
                      transitions: c.decodeIfPresent(TransitionStyle.self, forKey: .transitions) ?? .poolAndPad)
    }

    /// Depth as the paper counts it: `Block.convolutionsPerUnit` per unit, plus stem and classifier.
    public var depth: Int { block.convolutionsPerUnit * units.reduce(0, +) + 2 }

    /// Each unit's width, stage, and whether a transition (downsampling to the next stage's
    /// width) follows it: stage s's first unit runs at the previous stage's width, then
    /// downsamples.
    public var unitLayout: [(width: Int, stage: Int, transition: Bool)] {
        (0..<3).flatMap { s in
            (0..<units[s]).map { k in (width: s > 0 && k == 0 ? filters[s] : filters[s + 1], stage: s, transition: s > 0 && k == 0) }
        }
    }

    /// The parameters of a network of this architecture, counted without building it (nil if
    /// the count overflows): stem, units, batch norm (γ, β), classifier.
    public func parameterCount(inputChannels: Int, classes: Int) -> Int? {
        let f = filters
        return SafeSize.sum([HiddenLayer<Double>.parameterCount(inputs: inputChannels, outputs: f[0], normalization: normalization,
                                                                preActivation: false),
                             SafeSize.product([2, f[3]]), SafeSize.product([f[3], classes]), classes]
                            + unitLayout.map { unit in
                                guard transitions == .strided && unit.transition else {
                                    return block.unitParameterCount(width: unit.width, normalization: normalization)
                                }
                                return DownsamplingUnit<Double>.parameterCount(inputChannels: unit.width, outputChannels: f[unit.stage + 1],
                                                                               coupled: block.splitsChannels, normalization: normalization)
                            })
    }

    /// The number of running means (and of running variances) the network keeps: the head's
    /// batch norm, then, with `Normalization.batch`, the stem's and every unit's (BN₁ and BN₂ of
    /// each hidden layer: twice the unit's width in every block that has them).
    public var statisticsCount: Int {
        guard normalization == .batch else { return filters[3] }
        return filters[3] + filters[0] + unitLayout.reduce(0) { total, unit in
            guard transitions == .strided && unit.transition else { return total + 2 * unit.width }
            // BN₁ on the input and BN₂ on the output of f; of F and of G's two on the halves.
            let out = filters[unit.stage + 1]
            return total + (block.splitsChannels ? (unit.width + 3 * out) / 2 : unit.width + out)
        }
    }

    /// Checks that a network of this architecture (its parameters, their momentum and a
    /// gradient, in Float) fits in half of this machine's memory, before anything is allocated.
    public func checkMemory(inputChannels: Int, classes: Int) throws {
        let count = parameterCount(inputChannels: inputChannels, classes: classes)
        guard SafeSize.fitsInMemory(count, width: 12) else {
            throw ArchitectureError(.filters, "this network's \(count.map(String.init) ?? "more than 2⁶³") parameters, with their momentum and gradient, "
                                    + "would not fit in half of this machine's \(ProcessInfo.processInfo.physicalMemory >> 30) GB; use fewer or narrower units")
        }
    }

    /// Checks that images of this size can pass the network: any positive size (a transition
    /// takes an odd side to ⌈n/2⌉, `Downsampling`).
    public func checkInput(height: Int, width: Int) throws {
        guard height >= 1, width >= 1 else {
            throw ArchitectureError(.imageSize, "height and width must be positive, got \(height)×\(width)")
        }
    }

    /// The step size of every unit: the one given, or the block's default.
    public var resolvedStepSize: Double { stepSize ?? block.defaultStepSize }
}

/// A malformed network set-up, in the library's terms: which setting is wrong and why. A front
/// end (the CLI) maps `setting` to its own flag.
public struct ArchitectureError: Error, Equatable, CustomStringConvertible {
    /// The settings of a network or block set-up that can be wrong.
    public enum Setting: String, Sendable, CaseIterable {
        case preset, units, filters, stepSize, channels, imageSize, backprop, depth, normalization, transitions
    }

    public var setting: Setting
    public var problem: String

    public init(_ setting: Setting, _ problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "\(setting.rawValue): \(problem)" }

    /// Reversible backpropagation asked of a block without an exact inverse step.
    public static func notReversible(_ block: Block) -> ArchitectureError {
        ArchitectureError(.backprop, "\(block.rawValue) blocks have no exact inverse step, so they train by stored backpropagation only")
    }

    /// The one check that `backprop` suits `block`: reversible only where it has an exact inverse.
    public static func check(_ backprop: Backprop, for block: Block) throws {
        if backprop == .reversible && !block.isReversible { throw notReversible(block) }
    }

    /// A step size must be finite and positive.
    public static func checkStepSize(_ h: Double) throws {
        guard h.isFinite, h > 0 else { throw ArchitectureError(.stepSize, "the step size h must be a positive finite number, got \(h)") }
    }
}
