import LinearAlgebra

/// Parameters and running statistics with hierarchical names and the shapes the layers use:
/// how a network leaves the tool (`Network.namedTensors`, safetensors) and comes back
/// (`Network.load(named:)`). One mutating walk serves both: `body` reads an array for export
/// and may replace its values (same count) for import.
///
/// Names are dot-separated and follow the paper's symbols: a convolution's `weight`
/// [out, in, 3, 3] (cross-correlation, PyTorch's layout) and `bias` [out]; a batch norm's
/// `weight` (γ), `bias` (β), `running_mean`, `running_var` [C]; a linear layer's `weight`
/// [out, in] and `bias`. Disabled parts (a bias replaced by β, a block without batch norm) are
/// not listed.
public protocol NamedParameters {
    associatedtype Scalar: BLASScalar
    /// Calls `body` with each array's full name (under `prefix`), its shape, and the array.
    mutating func visitNamed(_ prefix: String, _ body: (_ name: String, _ shape: [Int], _ values: inout [Scalar]) -> Void)
}

/// `prefix.name`, or `name` at the top.
func joined(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }

extension ConvLayer: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        body(joined(prefix, "weight"), [conv.outputChannels, conv.inputChannels, 3, 3], &conv.weights)
        if !bias.isEmpty { body(joined(prefix, "bias"), [bias.count], &bias) }
    }
}

extension BatchNormLayer: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        guard isEnabled else { return }
        let c = [gamma.count]
        body(joined(prefix, "weight"), c, &gamma)
        body(joined(prefix, "bias"), c, &beta)
        body(joined(prefix, "running_mean"), c, &runningMean)
        body(joined(prefix, "running_var"), c, &runningVariance)
    }
}

/// K (and b) under the layer's name; BN₁ as `bn_in`, BN₂ as `bn`.
extension HiddenLayer: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        layer.visitNamed(prefix, body)
        preNorm.visitNamed(joined(prefix, "bn_in"), body)
        norm.visitNamed(joined(prefix, "bn"), body)
    }
}

/// K₂σ(K₁x + b₁) + b₂: `K1`, `K2`.
extension ResidualLayer: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        hidden.visitNamed(joined(prefix, "K1"), body)
        second.visitNamed(joined(prefix, "K2"), body)
    }
}

/// sign·Kᵀσ(Kx + b): K under the layer's name.
extension SymmetricLayer: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        hidden.visitNamed(prefix, body)
    }
}

/// The names of a pair field's two layers.
public protocol PairNamed {
    /// Velocity's and force's: `K1`, `K2` for the Hamiltonian block (Y' = K₁ᵀσ(K₁Z + b₁),
    /// Z' = −K₂ᵀσ(K₂Y + b₂)), `F`, `G` for RevNet's residual functions.
    static var pairNames: (velocity: String, force: String) { get }
}

extension SymmetricLayer: PairNamed {
    public static var pairNames: (velocity: String, force: String) { ("K1", "K2") }
}

extension ResidualLayer: PairNamed {
    public static var pairNames: (velocity: String, force: String) { ("F", "G") }
}

extension LayerPairField: NamedParameters where Velocity: NamedParameters & PairNamed, Force: NamedParameters, Velocity.Scalar == Scalar,
    Force.Scalar == Scalar {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        velocityLayer.visitNamed(joined(prefix, Velocity.pairNames.velocity), body)
        forceLayer.visitNamed(joined(prefix, Velocity.pairNames.force), body)
    }
}

/// y'' = −Kᵀσ(Ky + b): `K`.
extension LeapfrogField: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        layer.visitNamed(joined(prefix, "K"), body)
    }
}

/// x + h(K₂σ(K₁x + b₁) + b₂): `K1`, `K2`.
extension ResNetField: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        residual.visitNamed(prefix, body)
    }
}

/// (σ(KZ + b₁), σ(−KᵀY + b₂)): `K` (its bias is b₁) and `b2`.
extension MidpointField: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        layer.visitNamed(joined(prefix, "K"), body)
        body(joined(prefix, "b2"), [secondBias.count], &secondBias)
    }
}

/// ResNet's f under the unit's name (`K1`, `K2`, K₁ of stride 2); RevNet's `F`, `G`.
extension DownsamplingUnit: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        guard coupled else { return residuals[0].visitNamed(prefix, body) }
        residuals[0].visitNamed(joined(prefix, "F"), body)
        residuals[1].visitNamed(joined(prefix, "G"), body)
    }
}

/// W [out, in] (row-major; held column-major) and b.
extension Dense: NamedParameters {
    public mutating func visitNamed(_ prefix: String, _ body: (String, [Int], inout [Scalar]) -> Void) {
        let (rows, columns) = (weights.rows, weights.columns)
        var rowMajor = [Scalar](repeating: 0, count: rows * columns)
        for r in 0..<rows { for c in 0..<columns { rowMajor[r * columns + c] = weights[r, c] } }
        body(joined(prefix, "weight"), [rows, columns], &rowMajor)
        for r in 0..<rows { for c in 0..<columns { weights[r, c] = rowMajor[r * columns + c] } }
        body(joined(prefix, "bias"), [bias.count], &bias)
    }
}

extension Network {
    /// The name of unit j: `stage{s}.unit{k}`, both from 1 (a stage's first unit, which runs at
    /// the previous width and downsamples after, is its unit 1).
    public func unitName(_ j: Int) -> String {
        "stage\(stages[j] + 1).unit\(j - (stages.firstIndex(of: stages[j]) ?? j) + 1)"
    }

    /// Every parameter and running statistic: `stem`, the units (`stage1.unit1.K1.weight`, …),
    /// `head.bn`, `head.fc`.
    public mutating func visitNamed(_ body: (String, [Int], inout [Scalar]) -> Void) {
        stem.visitNamed("stem", body)
        for j in units.indices {
            if downsamplers[j] != nil { downsamplers[j]!.visitNamed(unitName(j), body) } else { units[j].visitNamed(unitName(j), body) }
        }
        norm.visitNamed("head.bn", body)
        classifier.visitNamed("head.fc", body)
    }
}
