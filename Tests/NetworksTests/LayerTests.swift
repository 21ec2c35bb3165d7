import Foundation
import Integrators
import LinearAlgebra
import Testing
@testable import Networks

/// Per-layer checks, as PullbackTests does for methods: each layer's pullback is the transpose
/// of its derivative (central differences in Double), and each fused evaluate-and-pull-back
/// equals evaluating, then pulling back (Float and Double).
///
/// Tolerances. Central differences with ε = 1e-5 relative in Double: truncation O(ε²) ≈ 1e-10,
/// rounding ≈ 1e-16/ε ≈ 1e-11, so 1e-7 relative catches a wrong sign, factor or transpose with a
/// wide margin. Fused against unfused: the same operations on the same values, so equal to a few
/// ulps of the O(1) results (16 ulps allowed).
@Suite("Layers: pullbacks against finite differences, fused against unfused")
struct LayerTests {
    static func random<T: BLASScalar>(_ n: Int, seed: UInt64) -> [T] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in T(Gaussian.sample(using: &g)) }
    }

    static func tensor<T: BLASScalar>(channels: Int, seed: UInt64) -> Tensor<T> {
        Tensor(channels: channels, batch: 2, height: 3, width: 4, data: random(channels * 2 * 12, seed: seed))
    }

    static func flat<P: Parameterized>(_ p: P) -> [P.Scalar] {
        var copy = p, out: [P.Scalar] = []
        copy.visitParameters { out += $0 }
        return out
    }

    static func settingParameters<P: Parameterized>(_ p: P, _ values: [P.Scalar]) -> P {
        var copy = p, k = 0
        copy.visitParameters { a in
            for i in a.indices { a[i] = values[k + i] }
            k += a.count
        }
        return copy
    }

    static func dot<T: BLASScalar>(_ a: [T], _ b: [T]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

    /// A layer as flat maps: value at (θ, x), and the pullback's (s·Jₓᵀc, s·J_θᵀc), accumulated
    /// onto the given starting values (so that "adds to" is checked, not "writes").
    struct Flat {
        var parameters: [Double]
        var input: [Double]
        var value: (_ parameters: [Double], _ input: [Double]) -> [Double]
        var pullback: (_ cotangent: [Double], _ scale: Double, _ dx: [Double], _ dθ: [Double]) -> (dx: [Double], dθ: [Double])
    }

    /// ⟨c, f(θ + εv, x + εu)⟩ by central differences against ⟨s·Jᵀc, (u, v)⟩ / s.
    static func checkPullback(_ f: Flat, _ name: String) {
        let c: [Double] = random(f.value(f.parameters, f.input).count, seed: 91)
        let u: [Double] = random(f.input.count, seed: 92), v: [Double] = random(f.parameters.count, seed: 93)
        let startX: [Double] = random(f.input.count, seed: 94), startθ: [Double] = random(f.parameters.count, seed: 95)
        let s = 0.7
        let (dx, dθ) = f.pullback(c, s, startX, startθ)
        let adX = dot(zip(dx, startX).map { ($0 - $1) / s }, u), adθ = dot(zip(dθ, startθ).map { ($0 - $1) / s }, v)
        let eps = 1e-5
        func loss(_ dθ: Double, _ dx: Double) -> Double {
            dot(c, f.value(zip(f.parameters, v).map { $0 + dθ * $1 }, zip(f.input, u).map { $0 + dx * $1 }))
        }
        let fdX = (loss(0, eps) - loss(0, -eps)) / (2 * eps), fdθ = (loss(eps, 0) - loss(-eps, 0)) / (2 * eps)
        #expect(abs(adX - fdX) <= 1e-7 * max(1, abs(fdX)), "\(name): input \(adX) vs \(fdX)")
        #expect(abs(adθ - fdθ) <= 1e-7 * max(1, abs(fdθ)), "\(name): parameters \(adθ) vs \(fdθ)")
    }

    /// A hidden layer 3 → 2 with every parameter and running statistic away from its default
    /// (so no term of a pullback can vanish by accident).
    static func hiddenLayer<T: BLASScalar>(_: T.Type, _ normalization: Normalization, seed: UInt64) -> HiddenLayer<T> {
        var g = SeededGenerator(seed: seed)
        var hidden = HiddenLayer<T>(inputChannels: 3, outputChannels: 2, normalization: normalization, activation: .tanh, using: &g)
        if normalization == .none {
            hidden.layer.bias = random(2, seed: seed + 1)
        } else {
            for (k, p) in HiddenLayer<T>.normalizationPaths.enumerated() {
                let n = hidden[keyPath: p].gamma.count, base = seed + 10 * UInt64(k + 1)
                hidden[keyPath: p].gamma = random(n, seed: base).map { 1 + $0 / 4 }
                hidden[keyPath: p].beta = random(n, seed: base + 1)
                hidden[keyPath: p].runningMean = random(n, seed: base + 2)
                hidden[keyPath: p].runningVariance = random(n, seed: base + 3).map { 0.5 + $0 * $0 }
            }
        }
        return hidden
    }

    static func symmetricLayer<T: BLASScalar>(_: T.Type, _ normalization: Normalization = .none) -> SymmetricLayer<T> {
        SymmetricLayer<T>(hidden: hiddenLayer(T.self, normalization, seed: 5), sign: -1)
    }

    static func residualLayer<T: BLASScalar>(_: T.Type, _ normalization: Normalization = .none) -> ResidualLayer<T> {
        var g = SeededGenerator(seed: 8)
        let conv = Convolution3x3<T>(inputChannels: 2, outputChannels: 3, using: &g)
        return ResidualLayer<T>(hidden: hiddenLayer(T.self, normalization, seed: 7),
                                second: ConvLayer(conv: conv, bias: normalization == .none ? random(3, seed: 9) : []))
    }

    /// A scratch whose batch norms use `statistics`.
    static func scratch<T: BLASScalar>(_ statistics: NormalizationMode) -> Scratch<T> {
        let s = Scratch<T>()
        s.normalization = statistics
        return s
    }

    static func midpointField<T: BLASScalar>(_: T.Type) -> MidpointField<T> {
        var g = SeededGenerator(seed: 10)
        var field = MidpointField<T>(channels: 3, activation: .tanh, normalization: .none, scratch: Scratch(), using: &g)
        field.layer.bias = random(3, seed: 11)
        field.secondBias = random(3, seed: 12)
        return field
    }

    /// An activated layer (x ↦ f(x), on 3-channel maps of 2 images) as flat maps, its batch
    /// norms (if any) using `statistics`.
    static func flat<L: ActivatedLayer>(_ layer: L, statistics: NormalizationMode = .running) -> Flat where L.Scalar == Double {
        let x: Tensor<Double> = tensor(channels: 3, seed: 13)
        return Flat(parameters: flat(layer), input: x.data, value: { θ, data in
            var input = x, out = x
            input.data = data
            settingParameters(layer, θ).evaluate(input, into: &out, scratch: scratch(statistics))
            return out.data
        }, pullback: { c, s, dx0, dθ0 in
            var u = x, dx = x
            u.data = c
            dx.data = dx0
            var g = settingParameters(layer.zeroGradient(), dθ0)
            layer.pullback(at: x, cotangent: u, scale: s, input: &dx, gradient: &g, scratch: scratch(statistics))
            return (dx.data, flat(g))
        })
    }

    @Test("SymmetricLayer sign·Kᵀσ(Kx + b) and ResidualLayer K₂σ(K₁x + b₁) + b₂: pullbacks are the transposed derivatives")
    func activatedLayers() {
        Self.checkPullback(Self.flat(Self.symmetricLayer(Double.self)), "SymmetricLayer")
        Self.checkPullback(Self.flat(Self.residualLayer(Double.self)), "ResidualLayer")
    }

    /// With batch statistics every output depends on every image of the batch (through μ and σ²),
    /// which the finite differences see and the pullback must carry; with running statistics
    /// the batch norms are fixed affine maps.
    @Test("with batch norm, σ(BN₂(K·σ(BN₁x))): pullbacks are the transposed derivatives, batch and running statistics",
          arguments: [NormalizationMode.batch, .running])
    func normalizedLayers(statistics: NormalizationMode) {
        Self.checkPullback(Self.flat(Self.symmetricLayer(Double.self, .batch), statistics: statistics), "SymmetricLayer+BN \(statistics)")
        Self.checkPullback(Self.flat(Self.residualLayer(Double.self, .batch), statistics: statistics), "ResidualLayer+BN \(statistics)")
        // The stem's form σ(BN(Kx)) (no pre-activation), as the map x ↦ s.
        var g = SeededGenerator(seed: 41)
        var stem = HiddenLayer<Double>(inputChannels: 3, outputChannels: 2, normalization: .batch, activation: .tanh,
                                       preActivation: false, using: &g)
        stem.norm.gamma = [0.8, 1.3]
        stem.norm.beta = [0.1, -0.2]
        stem.norm.runningMean = [0.3, -0.1]
        stem.norm.runningVariance = [0.7, 1.6]
        Self.checkPullback(Self.flatHidden(stem, statistics: statistics), "HiddenLayer without pre-activation \(statistics)")
    }

    /// A hidden layer x ↦ s as flat maps (its pullback takes ∂L/∂s directly).
    static func flatHidden(_ layer: HiddenLayer<Double>, statistics: NormalizationMode) -> Flat {
        let x: Tensor<Double> = tensor(channels: 3, seed: 42)
        return Flat(parameters: flat(layer), input: x.data, value: { θ, data in
            var input = x, out = Tensor<Double>(channels: 2, batch: 2, height: 3, width: 4)
            input.data = data
            settingParameters(layer, θ).activations(input, into: &out, scratch: scratch(statistics))
            return out.data
        }, pullback: { c, s, dx0, dθ0 in
            var dx = x, v = Tensor<Double>(channels: 2, batch: 2, height: 3, width: 4), out = v
            dx.data = dx0
            v.data = c
            var g = settingParameters(layer.zeroGradient(), dθ0)
            let sc: Scratch<Double> = scratch(statistics)
            layer.activations(x, into: &out, scratch: sc)
            layer.pullback(at: x, activated: out, hiddenCotangent: &v, scale: s, input: &dx, gradient: &g, scratch: sc)
            return (dx.data, flat(g))
        })
    }

    @Test("the midpoint field (σ(KZ + b₁), σ(−KᵀY + b₂)): pullback is the transposed derivative")
    func midpointFieldPullback() {
        let field = Self.midpointField(Double.self)
        let y: Tensor<Double> = Self.tensor(channels: 3, seed: 14), z: Tensor<Double> = Self.tensor(channels: 3, seed: 15)
        let x = PartitionedState(q: y, p: z)
        func state(_ c: [Double]) -> PartitionedState<Tensor<Double>> {
            var s = x
            c.withUnsafeBufferPointer { s.setCoordinates(from: $0.baseAddress!) }
            return s
        }
        Self.checkPullback(Flat(parameters: Self.flat(field), input: x.coordinates, value: { θ, c in
            Self.settingParameters(field, θ)(state(c)).coordinates
        }, pullback: { c, s, dx0, dθ0 in
            var dx = state(dx0)
            var g = Self.settingParameters(MidpointGradient(layer: ConvLayerGradient(zeroFor: field.layer), secondBias: [0, 0, 0]), dθ0)
            field.pullback(at: x, time: 0, cotangent: state(c), scale: s, input: &dx, parameters: &g)
            return (dx.coordinates, Self.flat(g))
        }), "MidpointField")
    }

    @Test("BatchNormLayer: backward is the transposed derivative, with batch statistics (included) and running ones",
          arguments: [NormalizationMode.batch, .running])
    func batchNorm(statistics: NormalizationMode) {
        var norm = BatchNormLayer<Double>(channels: 3)
        norm.gamma = Self.random(3, seed: 16)
        norm.beta = Self.random(3, seed: 17)
        norm.runningMean = Self.random(3, seed: 18)
        norm.runningVariance = [0.6, 1.1, 2.3]
        let x: Tensor<Double> = Self.tensor(channels: 3, seed: 18)
        Self.checkPullback(Flat(parameters: Self.flat(norm), input: x.data, value: { θ, data in
            var input = x, y = x
            input.data = data
            Self.settingParameters(norm, θ).forward(input, into: &y, activating: nil, stash: 0, scratch: Self.scratch(statistics))
            return y.data
        }, pullback: { c, s, dx0, dθ0 in
            // backward turns dy into dx (unscaled) in place: scale by s and add, as a pullback would.
            let scratch: Scratch<Double> = Self.scratch(statistics)
            var y = x, w = x
            norm.forward(x, into: &y, activating: nil, stash: 0, scratch: scratch)
            w.data = c
            var g = Self.settingParameters(BatchNormGradient<Double>(channels: 3), dθ0)
            norm.backward(&w, stash: 0, scale: s, gradient: &g, scratch: scratch)
            return (zip(w.data, dx0).map { s * $0 + $1 }, Self.flat(g))
        }), "BatchNormLayer \(statistics)")
    }

    @Test("Dense W x + b: backward is the transposed derivative")
    func dense() {
        var g = SeededGenerator(seed: 19)
        let layer = Dense<Double>(inputs: 4, outputs: 3, using: &g)
        let x = Matrix<Double>(rows: 4, columns: 2, columnMajor: Self.random(8, seed: 20))
        Self.checkPullback(Flat(parameters: Self.flat(layer), input: x.elements, value: { θ, data in
            Self.settingParameters(layer, θ).forward(Matrix(rows: 4, columns: 2, columnMajor: data)).elements
        }, pullback: { c, s, dx0, dθ0 in
            var gradient = Self.settingParameters(DenseGradient(for: layer), dθ0)
            // Scale the cotangent, as `backward` accumulates dW and db unscaled.
            let dx = layer.backward(Matrix(rows: 3, columns: 2, columnMajor: c.map { $0 * s }), input: x, gradient: &gradient)
            return (zip(dx.elements, dx0).map { $0 + $1 }, Self.flat(gradient))
        }), "Dense")
    }

    @Test("fused evaluate-and-pull-back equals evaluate, then pull back (Float and Double)")
    func fusedMatchesUnfused() {
        func run<T: BLASScalar>(_: T.Type) {
            func compare<L: ActivatedLayer>(_ layer: L, _ name: String) where L.Scalar == T {
                let x: Tensor<T> = Self.tensor(channels: 3, seed: 21), u: Tensor<T> = Self.tensor(channels: 3, seed: 22)
                var out1 = x, dx1: Tensor<T> = Self.tensor(channels: 3, seed: 23), g1 = layer.zeroGradient()
                layer.evaluate(x, into: &out1, scratch: Scratch())
                layer.pullback(at: x, cotangent: u, scale: 0.7, input: &dx1, gradient: &g1, scratch: Scratch())
                var out2 = x, dx2: Tensor<T> = Self.tensor(channels: 3, seed: 23), g2 = layer.zeroGradient()
                layer.evaluateWithPullback(at: x, into: &out2, cotangent: u, scale: 0.7, input: &dx2, gradient: &g2, scratch: Scratch())
                let tolerance = 16 * T.ulpOfOne
                #expect(out1.distance(to: out2) <= tolerance * max(1, out1.norm), "\(name) \(T.self): value")
                #expect(dx1.distance(to: dx2) <= tolerance * max(1, dx1.norm), "\(name) \(T.self): input")
                #expect(zip(Self.flat(g1), Self.flat(g2)).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($0)) }, "\(name) \(T.self): gradient")
            }
            compare(Self.symmetricLayer(T.self), "SymmetricLayer")
            compare(Self.residualLayer(T.self), "ResidualLayer")
            compare(Self.symmetricLayer(T.self, .batch), "SymmetricLayer+BN")
            compare(Self.residualLayer(T.self, .batch), "ResidualLayer+BN")
            let field = Self.midpointField(T.self)
            let x = PartitionedState<Tensor<T>>(q: Self.tensor(channels: 3, seed: 24), p: Self.tensor(channels: 3, seed: 25))
            let u = PartitionedState<Tensor<T>>(q: Self.tensor(channels: 3, seed: 26), p: Self.tensor(channels: 3, seed: 27))
            let zero = MidpointGradient(layer: ConvLayerGradient(zeroFor: field.layer), secondBias: [T](repeating: 0, count: 3))
            var v1 = x, dx1 = u, g1 = zero
            field.evaluate(x, time: 0, into: &v1)
            field.pullback(at: x, time: 0, cotangent: u, scale: 0.7, input: &dx1, parameters: &g1)
            var v2 = x, dx2 = u, g2 = zero
            field.evaluateWithPullback(at: x, time: 0, into: &v2, cotangent: u, scale: 0.7, input: &dx2, parameters: &g2)
            #expect(v1.coordinates == v2.coordinates && dx1.coordinates == dx2.coordinates && g1 == g2, "MidpointField \(T.self)")
        }
        run(Float.self)
        run(Double.self)
    }

    /// λ applies to every array with `.allParameters`, to the kernels and the classifier's
    /// matrix only with `.weights` (the authors' choice); the mask is built here from the
    /// arrays' roles as the network's structure gives them (which arrays are per-channel).
    @Test("SGD: v ← μv + g + λθ, θ ← θ − ηv on every array of a network, walked with its velocity in place",
          arguments: Regularization.allCases)
    func sgd(regularization: Regularization) throws {
        let architecture = try Architecture(block: .hamiltonian, units: [1, 1, 1], filters: [2, 2, 4, 4], normalization: .batch)
        var network = Network<HamiltonianFamily<Double>>(architecture, inputChannels: 3, classes: 3, seed: 1)
        var velocity = NetworkGradient(zeroFor: network)
        velocity = Self.settingParameters(velocity, Self.random(network.parameterCount, seed: 30))
        let theta0 = Self.flat(network), v0 = Self.flat(velocity), gradient: [Double] = Self.random(theta0.count, seed: 31)
        // Which entries are weights: every array longer than a width or the class count is a
        // kernel or the classifier (γ, β and biases have one entry per channel or class).
        var decayed: [Bool] = []
        var copy = network
        copy.visitParameters { a in decayed += [Bool](repeating: regularization == .allParameters || a.count > 4, count: a.count) }
        let sgd = SGD<Double>(momentum: 0.9, weightDecay: 2e-4, regularization: regularization), rate = 0.05
        sgd.beginStep(&velocity)
        velocity = Self.settingParameters(velocity, zip(Self.flat(velocity), gradient).map { $0 + $1 })  // backprop adds g
        sgd.finishStep(&network, velocity: &velocity, rate: rate)
        let v1 = (0..<theta0.count).map { 0.9 * v0[$0] + gradient[$0] + (decayed[$0] ? 2e-4 * theta0[$0] : 0) }
        let theta1 = (0..<theta0.count).map { theta0[$0] - rate * v1[$0] }
        #expect(zip(Self.flat(velocity), v1).allSatisfy { abs($0 - $1) <= 1e-15 * max(1, abs($1)) })
        #expect(zip(Self.flat(network), theta1).allSatisfy { abs($0 - $1) <= 1e-15 * max(1, abs($1)) })
        #expect(decayed.contains(false) == (regularization == .weights), "γ, β and biases exist and are spared")
    }

    /// The penalty against a sum written out here over the units' arrays, and its gradient
    /// against central differences of that penalty along a random direction (Double; the
    /// penalty is quadratic, so the differences are exact up to rounding: 1e-9 relative).
    @Test("weight smoothness α/2 Σ‖θ_{j+1} − θ_j‖² over a stage's consecutive units: value and gradient, weights only or all",
          arguments: Regularization.allCases)
    func smoothness(regularization: Regularization) throws {
        typealias Family = HamiltonianFamily<Double>
        let architecture = try Architecture(block: .hamiltonian, units: [3, 2, 2], filters: [4, 4, 8, 8], normalization: .batch)
        let network = Network<Family>(architecture, inputChannels: 3, classes: 3, seed: 2)
        var units = network.units
        for j in units.indices { units[j] = Self.settingParameters(units[j], Self.random(Self.flat(units[j]).count, seed: 50 + UInt64(j))) }
        var randomized = network
        randomized.units = units
        let alpha = 0.3
        func penalty(_ n: Network<Family>) -> Double {
            var total = 0.0
            for j in 0..<(n.units.count - 1) where n.stages[j] == n.stages[j + 1] && n.widths[j] == n.widths[j + 1] {
                var a = n.units[j], b = n.units[j + 1]
                var left: [[Double]] = [], right: [[Double]] = []
                a.visitParameters(alongside: &b) { (x: inout [Double], y: inout [Double], isWeight: Bool) in
                    if regularization == .allParameters || isWeight { left.append(x); right.append(y) }
                }
                for (x, y) in zip(left, right) { total += zip(x, y).reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) } }
            }
            return alpha / 2 * total
        }
        var g = NetworkGradient(zeroFor: randomized)
        let value = randomized.addSmoothness(alpha, to: &g, regularization: regularization)
        #expect(abs(value - penalty(randomized)) <= 1e-12 * value)
        let direction: [Double] = Self.random(randomized.parameterCount, seed: 60), eps = 1e-4
        func shifted(_ t: Double) -> Network<Family> { Self.settingParameters(randomized, zip(Self.flat(randomized), direction).map { $0 + t * $1 }) }
        let numeric = (penalty(shifted(eps)) - penalty(shifted(-eps))) / (2 * eps)
        let analytic = Self.dot(Self.flat(g), direction)
        #expect(abs(numeric - analytic) <= 1e-9 * max(1, abs(numeric)), "\(analytic) vs \(numeric)")
        var biases = 0.0
        var gCopy = g
        var copy = randomized
        copy.visitParameters(alongside: &gCopy) { (_: inout [Double], d: inout [Double], isWeight: Bool) in
            if !isWeight { biases += d.reduce(0) { $0 + abs($1) } }
        }
        #expect((biases == 0) == (regularization == .weights), "γ, β and biases get no smoothness gradient with .weights")
    }

    /// y = P(x) + f(x) with f's first convolution at stride 2: here f is rebuilt by hand — the
    /// full-resolution convolution read at even rows and columns, bias, σ, then K₂ — and P by
    /// averaging 2×2 windows and padding channels with zeros.
    @Test("a ResNet downsampling unit is the pooled, padded shortcut plus a residual function with a stride-2 convolution")
    func downsamplingForward() {
        var g = SeededGenerator(seed: 70)
        var unit = DownsamplingUnit<Double>(inputChannels: 2, outputChannels: 4, coupled: false, activation: .tanh, normalization: .none, using: &g)
        unit.residuals[0].hidden.layer.bias = Self.random(4, seed: 71)
        unit.residuals[0].second.bias = Self.random(4, seed: 72)
        let x = Tensor<Double>(channels: 2, batch: 2, height: 4, width: 4, data: Self.random(64, seed: 73))
        let y = unit.forward(x, scratch: Scratch())
        #expect(y.channels == 4 && y.height == 2 && y.width == 2)
        let f = unit.residuals[0]
        var full = Tensor<Double>(channels: 4, batch: 2, height: 4, width: 4)
        f.hidden.layer.conv.apply(x, into: &full, scratch: Scratch())
        var s = Tensor<Double>(channels: 4, batch: 2, height: 2, width: 2)
        for c in 0..<4 { for n in 0..<2 { for i in 0..<2 { for j in 0..<2 {
            s.data[((c * 2 + n) * 2 + i) * 2 + j] = tanh(full.data[((c * 2 + n) * 4 + 2 * i) * 4 + 2 * j] + f.hidden.layer.bias[c])
        } } } }
        var expected = Tensor<Double>(channels: 4, batch: 2, height: 2, width: 2)
        f.second.conv.apply(s, into: &expected, scratch: Scratch())
        for c in 0..<4 { for n in 0..<2 { for i in 0..<2 { for j in 0..<2 {
            let k = ((c * 2 + n) * 2 + i) * 2 + j
            var shortcut = 0.0
            if c < 2 {
                let a = ((c * 2 + n) * 4 + 2 * i) * 4 + 2 * j
                shortcut = (x.data[a] + x.data[a + 1] + x.data[a + 4] + x.data[a + 5]) / 4
            }
            expected.data[k] += f.second.bias[c] + shortcut
        } } } }
        #expect(y.distance(to: expected) <= 1e-14 * expected.norm)
    }

    @Test("walking alongside pairs arrays in order and mutates both in place")
    func alongside() {
        var layer = Self.symmetricLayer(Double.self), gradient = layer.zeroGradient()
        let weights = layer.hidden.layer.conv.weights.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
        var sizes: [Int] = []
        layer.visitParameters(alongside: &gradient) { (a: inout [Double], b: inout [Double]) in
            sizes.append(a.count)
            guard !a.isEmpty else { return }
            b[0] = 1
            a[0] = 2
        }
        #expect(sizes == [3 * 9 * 2, 2, 0, 0, 0, 0], "K, b, and the disabled batch norms' γ₁, β₁, γ₂, β₂")
        #expect(gradient.layer.weights[0] == 1 && gradient.layer.bias[0] == 1 && layer.hidden.layer.conv.weights[0] == 2
                && layer.hidden.layer.bias[0] == 2)
        #expect(layer.hidden.layer.conv.weights.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) } == weights, "copied, not in place")
    }
}
