import Integrators
import LinearAlgebra
import Testing
@testable import Networks

/// Small networks and batches for gradient tests: 8×8 images, widths 4–8, tanh (smooth, so
/// central differences are meaningful; ReLU kinks make them unreliable).
enum Tiny {
    /// The context of every in-process training run in these tests. `Trainer.run` sets BLAS's
    /// process-wide thread count to the context's (`ComputeContext`), and tests run
    /// concurrently: runs with different thread counts would change each other's rounding.
    static let trainingContext = ComputeContext(threads: 2)

    static func batch<T: BLASScalar>(_: T.Type, count: Int = 3, size: Int = 8, seed: UInt64 = 7) -> (Tensor<T>, [Int]) {
        var g = SeededGenerator(seed: seed)
        let values = (0..<(count * 3 * size * size)).map { _ in T(Gaussian.sample(using: &g)) }
        return (Tensor(nchw: values, batch: count, channels: 3, height: size, width: size), (0..<count).map { $0 % 3 })
    }

    /// The ODE blocks at h = 0.3 (so each unit changes its features noticeably); ResNet and
    /// RevNet at their h = 1.
    static func architecture(_ block: Block, _ normalization: Normalization = .none,
                             _ transitions: TransitionStyle = .poolAndPad) throws -> Architecture {
        try Architecture(block: block, units: [2, 2, 1], filters: [4, 4, 8, 8], stepSize: block.defaultStepSize < 1 ? 0.3 : nil,
                         activation: .tanh, normalization: normalization, transitions: transitions)
    }

    static let reversibleBlocks = Block.allCases.filter(\.isReversible)
    /// Every (block, normalization) pair that exists.
    static let variants = Block.allCases.flatMap { b in
        (b.normalizable ? Normalization.allCases : [.none]).flatMap { n in
            (b.stridedTransitions ? TransitionStyle.allCases : [.poolAndPad]).map { (b, n, $0) }
        }
    }
    static let reversibleVariants = variants.filter { $0.0.isReversible }
}

@Suite("Network gradients")
struct GradientTests {
    /// With batch norm the loss couples the batch's images through the statistics of every
    /// batch norm (stem, units, head); central differences see that, so this checks the
    /// training-mode backward pass through all of them.
    @Test("stored backprop matches central differences in double, with and without batch norm", arguments: Tiny.variants)
    func finiteDifferences(block: Block, normalization: Normalization, transitions: TransitionStyle) throws {
        let (x, y) = Tiny.batch(Double.self)
        let architecture = try Tiny.architecture(block, normalization, transitions)
        let error = try architecture.run(FiniteDifferenceCheck(
            GradientCheckBatch(architecture: architecture, images: x, labels: y, classes: 3, seed: 1), samples: 25))
        #expect(error < 1e-5, "\(block) \(normalization) \(transitions): \(error)")
    }

    /// 10×10 images: the first transition takes 10 to 5, the second the odd 5 to 3 (its last
    /// pooling window, and the strided convolution's last row, cut by the border).
    @Test("odd sizes: stored backprop matches central differences and reversible matches stored (10×10 → 5×5 → 3×3)",
          arguments: [(Block.hamiltonian, Normalization.none, TransitionStyle.poolAndPad), (.resnet, .batch, .strided), (.revnet, .none, .strided),
                      (.leapfrog, .none, .poolAndPad)])
    func oddSizes(block: Block, normalization: Normalization, transitions: TransitionStyle) throws {
        let (x, y) = Tiny.batch(Double.self, size: 10)
        let architecture = try Tiny.architecture(block, normalization, transitions)
        let batch = GradientCheckBatch(architecture: architecture, images: x, labels: y, classes: 3, seed: 1)
        let error = try architecture.run(FiniteDifferenceCheck(batch, samples: 25))
        #expect(error < 1e-5, "\(block) \(normalization) \(transitions): \(error)")
        if block.isReversible {
            let reversible = try #require(try architecture.run(ReversibleVsStoredCheck(batch)))
            #expect(reversible < 1e-9, "\(block): \(reversible)")
        }
    }

    @Test("odd-size pooling: the adjoint is the transpose, and a constant map stays constant")
    func oddPooling() {
        var g = SeededGenerator(seed: 3)
        for (h, w) in [(5, 5), (7, 4), (1, 3), (6, 9)] {
            let x = Tensor<Double>(nchw: (0..<(2 * 2 * h * w)).map { _ in Gaussian.sample(using: &g) }, batch: 2, channels: 2, height: h, width: w)
            let px = Downsampling.apply(x, channels: 3)
            #expect(px.height == (h + 1) / 2 && px.width == (w + 1) / 2 && px.channels == 3)
            let dy = Tensor<Double>(nchw: (0..<px.data.count).map { _ in Gaussian.sample(using: &g) }, batch: 2, channels: 3, height: px.height, width: px.width)
            let lhs = zip(px.data, dy.data).map { $0 * $1 }.reduce(0, +)
            let rhs = zip(x.data, Downsampling.adjoint(dy, channels: 2, height: h, width: w).data).map { $0 * $1 }.reduce(0, +)
            #expect(abs(lhs - rhs) <= 1e-12 * max(1, abs(lhs)), "\(h)×\(w): \(lhs) vs \(rhs)")
            let constant = Downsampling.apply(Tensor<Double>(nchw: [Double](repeating: 2.5, count: h * w), batch: 1, channels: 1, height: h, width: w), channels: 1)
            #expect(constant.data.allSatisfy { $0 == 2.5 })
        }
    }

    @Test("reversible and stored backprop give the same gradients, double and float, with and without batch norm",
          arguments: Tiny.reversibleVariants)
    func reversibleMatchesStored(block: Block, normalization: Normalization, transitions: TransitionStyle) throws {
        let architecture = try Tiny.architecture(block, normalization, transitions)
        let (xd, yd) = Tiny.batch(Double.self)
        let double = try #require(try architecture.run(ReversibleVsStoredCheck(GradientCheckBatch(architecture: architecture, images: xd, labels: yd, classes: 3, seed: 1))))
        #expect(double < 1e-9, "\(block) \(normalization) double: \(double)")
        // Float: the two passes round differently (the rebuilt inputs carry the inverse steps'
        // rounding; leapfrog's y₋ = 2y − y₊ + h²F(y) cancels about one digit), so the bound is
        // √ε_f ≈ 3.5e-4 — half the digits. Measured here: 1e-5 to 1e-4; the CLI's default
        // `gradcheck` (depth 6) gives 1.3e-5 to 7.2e-5.
        //
        // With batch norm the residual functions' outputs no longer scale with their inputs
        // (normalised activations have unit variance whatever the input), so rebuilding Y from
        // Y + F(Z) cancels more digits; measured against a double-precision reference on this
        // network (batches of 3, 16, 32): stored float 1e-4 to 8e-4, reversible float 1.2e-4 to
        // 1.6e-4 (leapfrog), 2.7e-3 to 9.0e-3 (Hamiltonian and RevNet). The bound for them is 2e-2;
        // the double check above is the one that decides correctness.
        let (xf, yf) = Tiny.batch(Float.self)
        let float = try #require(try architecture.run(ReversibleVsStoredCheck(GradientCheckBatch(architecture: architecture, images: xf, labels: yf, classes: 3, seed: 1))))
        let bound = normalization == .batch ? 2e-2 : Double(Float.ulpOfOne.squareRoot())
        #expect(float < bound, "\(block) \(normalization) float: \(float)")
    }

    /// Running statistics move once per training forward pass, by the fold of that pass's batch
    /// statistics; neither the backward pass (whose reconstruction recomputes the statistics)
    /// nor an evaluation pass moves them.
    @Test("batch norm's running statistics: updated once per training pass, never by reconstruction or evaluation",
          arguments: Tiny.reversibleBlocks.filter(\.normalizable))
    func runningStatisticsOnce(block: Block) throws {
        var network = Network<HamiltonianFamily<Double>>(try Tiny.architecture(.hamiltonian, .batch), inputChannels: 3, classes: 3, seed: 1)
        let (x, y) = Tiny.batch(Double.self)
        func statistics(_ n: inout Network<HamiltonianFamily<Double>>) -> [Double] {
            var out = n.norm.runningMean + n.norm.runningVariance
            n.visitNormalizations { out += $0.runningMean + $0.runningVariance }
            return out
        }
        let initial = statistics(&network)
        _ = network.forward(x, training: false, keep: nil)
        #expect(statistics(&network) == initial, "evaluation moved them")
        // The stem's batch mean, computed here independently: 0.1 of it after one pass.
        var stemOutput = Tensor<Double>(channels: 4, batch: 3, height: 8, width: 8)
        network.stem.layer.conv.apply(x, into: &stemOutput, scratch: Scratch())
        let stemMean = (0..<4).map { c in stemOutput.data[(c * stemOutput.channelSize)..<((c + 1) * stemOutput.channelSize)].reduce(0, +) / Double(stemOutput.channelSize) }
        var trained = network
        _ = trained.forward(x, training: true, keep: nil)
        let afterForward = statistics(&trained)
        #expect(afterForward != initial)
        #expect(zip(trained.stem.norm.runningMean, stemMean).allSatisfy { abs($0 - 0.1 * $1) < 1e-12 }, "\(trained.stem.norm.runningMean) vs 0.1·\(stemMean)")
        var both = network
        _ = both.gradient(images: x, labels: y, backprop: .reversible)
        #expect(statistics(&both) == afterForward, "the backward pass moved them")
        _ = block
    }

    @Test("reversible and stored backprop agree in float on the AVX-512 kernels (Winograd on 16×16 and 8×8 planes)",
          .enabled(if: DirectConvolution.available, "needs AVX-512 (elsewhere the im2col path, tested above)"),
          arguments: Tiny.reversibleBlocks)
    func reversibleMatchesStoredOnKernels(block: Block) throws {
        // Widths 16 and 32 (halves of 8 and 16): the stages' convolutions take the AVX-512
        // kernels where the CPU has them (im2col + GEMM elsewhere); the bound is the one above.
        // Measured: 1.1e-4, 7.9e-5, 1.0e-4, 6.1e-5 (Hamiltonian, midpoint, leapfrog, RevNet);
        // with the direct kernels 1.1e-4, 3.9e-5, 9.3e-5, 4.1e-5.
        let architecture = try Architecture(block: block, units: [2, 2, 1], filters: [16, 16, 32, 32],
                                            stepSize: block.defaultStepSize < 1 ? 0.3 : nil, activation: .tanh)
        #expect(DirectConvolution.suitsForward(Float.self, outputChannels: 8))
        let (x, y) = Tiny.batch(Float.self, size: 16)
        let float = try #require(try architecture.run(ReversibleVsStoredCheck(GradientCheckBatch(architecture: architecture, images: x, labels: y, classes: 3, seed: 1))))
        #expect(float < Double(Float.ulpOfOne.squareRoot()), "\(block) float: \(float)")
    }

    @Test("the units' image chunks partition the batch into near-equal parts, a multiple of the context's threads",
          arguments: [1, 2, 3])
    func imageChunks(threads: Int) throws {
        let context = ComputeContext(threads: threads, chunkImages: 32)
        let network = Network<HamiltonianFamily<Float>>(try Tiny.architecture(.hamiltonian), inputChannels: 3, classes: 3, seed: 1,
                                                        context: context)
        for batch in [1, 3, 50, 64, 128, 129, 1000] {
            let chunks = network.imageChunks(batch)
            #expect(chunks.first?.lowerBound == 0 && chunks.last?.upperBound == batch, "batch \(batch)")
            #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "batch \(batch)")
            #expect(chunks.allSatisfy { !$0.isEmpty && $0.count <= context.chunkImages }, "batch \(batch)")
            #expect(chunks.map(\.count).max()! - chunks.map(\.count).min()! <= 1, "batch \(batch)")
            #expect(chunks.count % threads == 0 || chunks.count == batch, "batch \(batch)")
        }
    }

    @Test("only ResNet lacks an exact inverse step; Trainer refuses reversible backprop for it")
    func resnetNotReversible() throws {
        #expect(Block.allCases.filter { !$0.isReversible } == [.resnet])
        var configuration = TrainingConfiguration(architecture: try Tiny.architecture(.resnet), data: try DatasetSpec(parsing: "synthetic:shapes"), epochs: 1,
                                                  augment: false)
        #expect(configuration.backprop == .stored)
        configuration.backprop = .reversible
        let (train, test) = try configuration.data.load()
        #expect(throws: ArchitectureError.notReversible(.resnet)) { try Trainer(configuration, train: train, test: test) }
    }
}
