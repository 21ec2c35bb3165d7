/// The shape of one of the paper's networks: a 3×3 stem (input → filters[0]), three stages of
/// units, downsampling at the end of the first unit of stages 2 and 3 (2×2 average pooling
/// and zero channel padding), and a head (batch norm, ReLU, global average pooling, fully
/// connected). Chang et al. 2018, §4 and Table 1.
public struct Architecture: Codable, Sendable, Equatable {
    /// `hamiltonian`, `midpoint`, `leapfrog`, `resnet` or `revnet`.
    public var block: String
    /// Units per stage.
    public var units: [Int]
    /// Stem width, then the width of each stage.
    public var filters: [Int]
    /// The step size h of every block (nil: the block's default).
    public var stepSize: Double?
    public var activation: Activation

    public static let blocks = ["hamiltonian", "midpoint", "leapfrog", "resnet", "revnet"]

    /// Whether the block works on channel halves (Y, Z), so every width must be even.
    public static func splitsChannels(_ block: String) -> Bool { ["hamiltonian", "midpoint", "revnet"].contains(block) }

    public init(block: String, units: [Int], filters: [Int], stepSize: Double? = nil, activation: Activation = .relu) throws {
        guard Self.blocks.contains(block) else {
            throw ArchitectureError("unknown block '\(block)'; choose one of \(Self.blocks.joined(separator: ", "))")
        }
        guard units.count == 3, units.allSatisfy({ $0 >= 1 }) else {
            throw ArchitectureError("units must be three positive numbers (one per stage), got \(units)")
        }
        guard filters.count == 4, filters.allSatisfy({ $0 >= 2 }) else {
            throw ArchitectureError("filters must be four numbers ≥ 2 (stem, stage 1, 2, 3), got \(filters)")
        }
        guard filters[0] == filters[1], filters[1] <= filters[2], filters[2] <= filters[3] else {
            throw ArchitectureError("filters must satisfy stem = stage 1 ≤ stage 2 ≤ stage 3, got \(filters)")
        }
        if Self.splitsChannels(block), let odd = filters.first(where: { $0 % 2 != 0 }) {
            throw ArchitectureError("\(block) splits channels into halves: every filter count must be even, got \(odd)")
        }
        if let h = stepSize, !(h.isFinite && h > 0) { throw ArchitectureError("the step size h must be positive, got \(h)") }
        self.block = block
        self.units = units
        self.filters = filters
        self.stepSize = stepSize
        self.activation = activation
    }

    /// Depth as the paper counts it: 2 convolutions per residual unit (ResNet), 4 per unit
    /// otherwise (K and Kᵀ twice, or F and G of two layers each), plus stem and classifier.
    public var depth: Int { (block == "resnet" ? 2 : 4) * units.reduce(0, +) + 2 }

    /// The named presets of the paper (Table 1) and two small ones for quick runs.
    public static let presets: [String: (block: String, units: [Int], filters: [Int])] = [
        "resnet-32": ("resnet", [5, 5, 5], [16, 16, 32, 64]),
        "resnet-110": ("resnet", [18, 18, 18], [16, 16, 32, 64]),
        "revnet-38": ("revnet", [3, 3, 3], [32, 32, 64, 112]),
        "hamiltonian-74": ("hamiltonian", [6, 6, 6], [32, 32, 64, 112]),
        "hamiltonian-218": ("hamiltonian", [18, 18, 18], [32, 32, 64, 128]),
        "hamiltonian-1202": ("hamiltonian", [100, 100, 100], [32, 32, 64, 128]),
        "midpoint-62": ("midpoint", [5, 5, 5], [32, 32, 64, 112]),
        "leapfrog-62": ("leapfrog", [5, 5, 5], [32, 32, 64, 112]),
    ]

    /// A preset by name.
    public static func preset(_ name: String, stepSize: Double? = nil, activation: Activation = .relu) throws -> Architecture {
        guard let p = presets[name] else {
            throw ArchitectureError("unknown preset '\(name)'; choose one of \(presets.keys.sorted().joined(separator: ", "))")
        }
        return try Architecture(block: p.block, units: p.units, filters: p.filters, stepSize: stepSize, activation: activation)
    }
}

/// A malformed architecture, with what to change.
public struct ArchitectureError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
