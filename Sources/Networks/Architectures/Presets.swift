/// A named network of the literature: its architecture, the parameter count its source
/// publishes for CIFAR-10 (3 input channels, 10 classes), and the source.
public struct Preset: Sendable {
    public var name: String
    public var architecture: Architecture
    /// The published parameter count (CIFAR-10), if the source gives one.
    public var publishedParameters: Int?
    /// Where the architecture comes from.
    public var source: String
}

extension Architecture {
    /// The paper's networks and its baselines. The Hamiltonian ones are the authors' TensorFlow
    /// configs (changebo/revnet-public, `hamiltonian_model.py`): batch norm before each
    /// activation of F(x) = Kᵀσ(BN(K·σ(BN x))), a conv–BN–ReLU stem, h = 1 (their units add
    /// F(x) without a factor), transitions by average pooling and zero-padding after the first
    /// unit of stages 2 and 3. The baselines use the same pre-activation units (He et al.,
    /// ECCV 2016), as the authors' code does, and widen as He et al. and Gomez et al. do: a
    /// `DownsamplingUnit` whose residual function starts with a stride-2 convolution beside a
    /// pooled, zero-padded shortcut (`TransitionStyle.strided`).
    ///
    /// Where the code and the paper differ, the code is followed: the first unit of the
    /// authors' network skips the pre-activation of F (its input comes straight from the stem's
    /// BN–ReLU); here every unit has it (2·16 more parameters).

    public static let presets: [Preset] = {
        func make(_ name: String, _ block: Block, _ units: [Int], _ filters: [Int], stepSize: Double? = nil,
                  normalization: Normalization = .batch, published: Int?, _ source: String) -> Preset {
            // The literals below satisfy every check of the initialiser.
            let a = try! Architecture(block: block, units: units, filters: filters, stepSize: stepSize, normalization: normalization,
                                      transitions: block.stridedTransitions ? .strided : .poolAndPad)
            return Preset(name: name, architecture: a, publishedParameters: published, source: source)
        }
        let he = "He et al., CVPR 2016, §4.2 (pre-activation units: He et al., ECCV 2016)"
        let gomez = "Gomez et al., NeurIPS 2017, Table 1"
        let chang = "Chang et al., AAAI 2018, Table 1; the authors' configs (changebo/revnet-public)"
        return [
            make("resnet-32", .resnet, [5, 5, 5], [16, 16, 32, 64], published: 460_000, he),
            make("resnet-110", .resnet, [18, 18, 18], [16, 16, 32, 64], published: 1_730_000, he),
            make("revnet-38", .revnet, [3, 3, 3], [32, 32, 64, 112], published: 460_000, gomez),
            make("revnet-110", .revnet, [9, 9, 9], [32, 32, 64, 128], published: 1_730_000, gomez),
            make("hamiltonian-74", .hamiltonian, [6, 6, 6], [32, 32, 64, 112], stepSize: 1, published: 430_000, chang),
            make("hamiltonian-218", .hamiltonian, [18, 18, 18], [32, 32, 64, 128], stepSize: 1, published: 1_680_000, chang),
            make("hamiltonian-1202", .hamiltonian, [100, 100, 100], [32, 32, 64, 128], stepSize: 1, published: nil, chang),
            // The midpoint and leapfrog units run two convolutions (K and Kᵀ), so depth 62 is 30
            // units. Midpoint blocks have no batch-norm variant (their field is σ(Ax + b)).
            make("midpoint-62", .midpoint, [10, 10, 10], [32, 32, 64, 112], normalization: .none, published: nil,
                 "Chang et al., AAAI 2018, §3.2 and Table 1"),
            make("leapfrog-62", .leapfrog, [10, 10, 10], [32, 32, 64, 112], published: nil, "Chang et al., AAAI 2018, §3.3 and Table 1"),
        ]
    }()

    /// A preset by name.
    public static func preset(_ name: String) throws -> Architecture {
        guard let p = presets.first(where: { $0.name == name }) else {
            throw ArchitectureError(.preset, "unknown preset '\(name)'; choose one of \(presets.map(\.name).joined(separator: ", "))")
        }
        return p.architecture
    }
}
