import Integrators
import LinearAlgebra

/// A network of any block family in Float, behind one non-generic type: what training,
/// evaluation, checkpoints and benchmarks use.
///
/// Why closures: the family is chosen at run time, and generic code called across modules is
/// not specialised. `make` picks the concrete `Network<Family>` inside this module, where the
/// optimiser specialises every kernel for it, and the closures it returns carry that
/// specialised code (measured: the generic, unspecialised path is two orders of magnitude
/// slower in the elementwise kernels).
public final class TrainableNetwork {
    public let architecture: Architecture
    public let inputChannels: Int
    public let classes: Int
    public let parameterCount: Int
    /// The runs of units reversible backpropagation rebuilds between kept states (`Network.segments`).
    public let segments: [Range<Int>]
    private let stepClosure: (Tensor<Float>, [Int], TrainingStep) throws -> StepResult
    private let predictClosure: (Tensor<Float>) -> [Int]
    private let logitsClosure: (Tensor<Float>) -> Matrix<Float>
    private let flopsClosure: (Tensor<Float>) -> Double
    private let snapshotClosure: () -> NetworkSnapshot
    private let restoreClosure: (NetworkSnapshot) throws -> Void

    /// The hyper-parameters of one optimisation step.
    public struct TrainingStep: Sendable {
        public var rate: Float
        public var momentum: Float
        public var weightDecay: Float
        public var smoothness: Float
        /// What weight decay and smoothness apply to.
        public var regularization: Regularization
        public var backprop: Backprop
        /// With reversible backpropagation: segments kept instead of rebuilt, and whether to
        /// measure the others' reconstruction errors.
        public var rebuild: RebuildPlan

        public init(rate: Float, momentum: Float = 0.9, weightDecay: Float = 2e-4, smoothness: Float = 2e-4,
                    regularization: Regularization = .weights, backprop: Backprop = .reversible, rebuild: RebuildPlan = RebuildPlan()) {
            self.rate = rate
            self.momentum = momentum
            self.weightDecay = weightDecay
            self.smoothness = smoothness
            self.regularization = regularization
            self.backprop = backprop
            self.rebuild = rebuild
        }
    }

    /// Loss and correct predictions on the step's batch (before the update), and the relative
    /// reconstruction error of each rebuilt segment by first unit, if the step measured them.
    public struct StepResult: Sendable {
        public var loss: Double
        public var correct: Int
        public var reconstruction: [Int: Double] = [:]
    }

    /// Seconds a data-parallel network's steps spent waiting for their gradient sums after
    /// the backward pass (0 for one process).
    public var gradientWaitSeconds: Double { waitClosure() }
    private let waitClosure: () -> Double

    /// A fresh network with seeded weights, computing with `context`. With `replicas` (more
    /// than one rank), it is one replica of a data-parallel network: every rank makes it
    /// with the same seed, trains on its shard of each batch, takes batch statistics over all
    /// shards, and adds the gradient summed over the ranks, so that all replicas take the
    /// same steps as one process on the whole batch.
    public static func make(_ architecture: Architecture, inputChannels: Int, classes: Int, seed: UInt64,
                            context: ComputeContext = ComputeContext(), replicas: (any Communicator)? = nil) -> TrainableNetwork {
        // `Factory` throws nothing: the `try!` cannot fire.
        try! architecture.block.run(Factory(architecture: architecture, inputChannels: inputChannels, classes: classes, seed: seed,
                                       context: context, replicas: replicas))
    }

    /// Builds the network of the architecture's family: reversible families train in either
    /// mode, the others by stored backpropagation only.
    private struct Factory: NetworkExperiment {
        typealias Scalar = Float
        var architecture: Architecture, inputChannels: Int, classes: Int, seed: UInt64, context: ComputeContext
        var replicas: (any Communicator)?

        func network<F: BlockFamily>(_: F.Type) -> Network<F> {
            let n = Network<F>(architecture, inputChannels: inputChannels, classes: classes, seed: seed, context: context)
            if let replicas, replicas.isDistributed { n.scratch.replicas = replicas }
            return n
        }

        func run<F: BlockFamily>(_ family: F.Type) -> TrainableNetwork where F.Scalar == Float {
            let block = architecture.block
            return TrainableNetwork(network(family)) { network, images, labels, step, g, buckets in
                try ArchitectureError.check(step.backprop, for: block)
                let (loss, correct) = network.accumulateGradient(images: images, labels: labels, into: &g, buckets: buckets)
                return StepResult(loss: loss, correct: correct)
            }
        }

        func run<F: ReversibleBlockFamily>(reversible family: F.Type) -> TrainableNetwork where F.Scalar == Float {
            TrainableNetwork(network(family)) { network, images, labels, step, g, buckets in
                guard step.backprop == .reversible else {
                    let (loss, correct) = network.accumulateGradient(images: images, labels: labels, into: &g, buckets: buckets)
                    return StepResult(loss: loss, correct: correct)
                }
                let (loss, correct, reconstruction) = network.accumulateGradient(images: images, labels: labels, rebuilding: step.rebuild,
                                                                                 into: &g, buckets: buckets)
                return StepResult(loss: loss, correct: correct, reconstruction: reconstruction)
            }
        }
    }

    private final class Box<F: BlockFamily> where F.Scalar == Float {
        var network: Network<F>
        /// SGD's velocity, into which each step's gradient is accumulated.
        var velocity: NetworkGradient<F>
        /// Data-parallel: this rank's gradient, apart from the velocity (what is summed across
        /// the ranks), and the buckets that sum it.
        var gradient: NetworkGradient<F>?
        let buckets: GradientBuckets<F>?
        init(_ network: Network<F>) {
            self.network = network
            velocity = NetworkGradient(zeroFor: network)
            buckets = network.scratch.replicas.map { GradientBuckets(communicator: $0) }
            gradient = buckets.map { _ in NetworkGradient(zeroFor: network) }
        }
    }

    private init<F: BlockFamily>(_ network: Network<F>,
                                 accumulate: @escaping (inout Network<F>, Tensor<Float>, [Int], TrainingStep, inout NetworkGradient<F>,
                                                        GradientBuckets<F>?) throws -> StepResult) where F.Scalar == Float {
        let box = Box(network)
        architecture = network.architecture
        inputChannels = network.inputChannels
        classes = network.classes
        parameterCount = network.parameterCount
        segments = network.segments
        stepClosure = { images, labels, s in
            let sgd = SGD(momentum: s.momentum, weightDecay: s.weightDecay, regularization: s.regularization)
            sgd.beginStep(&box.velocity)
            var result: StepResult
            if let buckets = box.buckets, var gradient = box.gradient.take() {
                defer { box.gradient = gradient }
                // The gradient is summed across the ranks before it joins the velocity.
                gradient.visitParameters { g in g.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] = 0 } } }
                result = try accumulate(&box.network, images, labels, s, &gradient, buckets)
                buckets.finish(into: &box.velocity)
            } else {
                result = try accumulate(&box.network, images, labels, s, &box.velocity, nil)
            }
            result.loss += box.network.addSmoothness(s.smoothness, to: &box.velocity, regularization: s.regularization)
            sgd.finishStep(&box.network, velocity: &box.velocity, rate: s.rate)
            return result
        }
        waitClosure = { box.buckets?.waitSeconds ?? 0 }
        predictClosure = { box.network.predict($0) }
        logitsClosure = { box.network.forward($0, training: false, keep: nil).logits }
        flopsClosure = { images in
            let before = box.network.scratch.totalFlops
            _ = box.network.predict(images)
            return box.network.scratch.totalFlops - before
        }
        // Snapshots list the non-empty arrays only: a part a network does not have (a bias in
        // place of which a batch norm's β stands, a disabled batch norm) is an empty array, so
        // checkpoints of BN-free networks keep the layout they had before batch norm existed.
        snapshotClosure = {
            var snapshot = box.network.snapshot()
            box.velocity.visitParameters { if !$0.isEmpty { snapshot.velocity.append($0) } }
            return snapshot
        }
        restoreClosure = { snapshot in
            guard snapshot.velocity.isEmpty || snapshot.velocity.map(\.count) == snapshot.parameters.map(\.count) else {
                throw ArchitectureError(.filters, "the saved momentum's shapes do not match the saved parameters'")
            }
            try box.network.restore(snapshot)
            var k = 0
            box.velocity.visitParameters { v in
                guard !v.isEmpty else { return }
                v = snapshot.velocity.isEmpty ? [Float](repeating: 0, count: v.count) : snapshot.velocity[k]
                k += 1
            }
        }
    }

    /// One optimisation step on a batch: gradient (stored or reversible, as `s.rebuild` plans),
    /// smoothness, SGD update.
    public func step(images: Tensor<Float>, labels: [Int], _ s: TrainingStep) throws -> StepResult {
        try stepClosure(images, labels, s)
    }

    /// The logits (classes × images), evaluation mode (running batch-norm statistics).
    public func logits(_ images: Tensor<Float>) -> Matrix<Float> { logitsClosure(images) }

    /// Predicted classes, evaluation mode.
    public func predict(_ images: Tensor<Float>) -> [Int] { predictClosure(images) }

    /// Convolution FLOPs of one forward pass on `images`.
    public func forwardFlops(_ images: Tensor<Float>) -> Double { flopsClosure(images) }

    /// All state a checkpoint needs (weights, batch-norm statistics, optimiser velocity).
    public func snapshot() -> NetworkSnapshot { snapshotClosure() }

    /// Restores a snapshot of the same architecture.
    public func restore(_ snapshot: NetworkSnapshot) throws { try restoreClosure(snapshot) }
}

extension Checkpoint {
    /// The saved network with its weights and running statistics, ready to evaluate.
    public func trainableNetwork() throws -> TrainableNetwork {
        let network = TrainableNetwork.make(header.configuration.architecture, inputChannels: header.inputChannels, classes: header.classes,
                                            seed: header.configuration.seed)
        try network.restore(snapshot)
        return network
    }
}

/// The learnable and running state of a network and its optimiser.
public struct NetworkSnapshot: Codable, Sendable, Equatable {
    /// The non-empty parameter arrays, in `Network.visitParameters` order.
    public var parameters: [[Float]]
    /// The running statistics: the head's batch norm, then those inside the network in
    /// `Network.visitNormalizations` order (`Architecture.statisticsCount` in all).
    public var runningMean: [Float]
    public var runningVariance: [Float]
    public var velocity: [[Float]]

    /// The first part holding a non-finite value ("the weights", …), nil if all are finite.
    public var nonFinitePart: String? {
        if !parameters.allSatisfy({ $0.allSatisfy(\.isFinite) }) { return "a weight" }
        if !runningMean.allSatisfy(\.isFinite) { return "the batch-norm running mean" }
        if !runningVariance.allSatisfy(\.isFinite) { return "the batch-norm running variance" }
        if !velocity.allSatisfy({ $0.allSatisfy(\.isFinite) }) { return "the momentum" }
        return nil
    }
}

extension Network where Scalar == Float {
    /// The weights and running statistics (no momentum: that is the optimiser's).
    public mutating func snapshot() -> NetworkSnapshot {
        var parameters: [[Float]] = []
        visitParameters { if !$0.isEmpty { parameters.append($0) } }
        var mean = norm.runningMean, variance = norm.runningVariance
        visitNormalizations { layer in
            mean += layer.runningMean
            variance += layer.runningVariance
        }
        return NetworkSnapshot(parameters: parameters, runningMean: mean, runningVariance: variance, velocity: [])
    }
}

extension Network {
    /// Sets the weights and running statistics to a snapshot's (its momentum is the
    /// optimiser's, not the network's), converting from Float: a Double network restored from a
    /// checkpoint computes with exactly the trained weights.
    /// - Throws: `ArchitectureError` when the snapshot's shapes are not this architecture's.
    public mutating func restore(_ snapshot: NetworkSnapshot) throws {
        var expected: [Int] = []
        visitParameters { if !$0.isEmpty { expected.append($0.count) } }
        guard snapshot.parameters.map(\.count) == expected,
              snapshot.runningMean.count == architecture.statisticsCount,
              snapshot.runningVariance.count == snapshot.runningMean.count else {
            throw ArchitectureError(.filters, "the saved parameter shapes do not match this architecture")
        }
        func converted<S: Collection<Float>>(_ a: S) -> [Scalar] { a.map { Scalar($0) } }
        var k = 0
        visitParameters { if !$0.isEmpty { $0 = converted(snapshot.parameters[k]); k += 1 } }
        var offset = norm.runningMean.count
        norm.runningMean = converted(snapshot.runningMean[0..<offset])
        norm.runningVariance = converted(snapshot.runningVariance[0..<offset])
        visitNormalizations { layer in
            let range = offset..<(offset + layer.runningMean.count)
            layer.runningMean = converted(snapshot.runningMean[range])
            layer.runningVariance = converted(snapshot.runningVariance[range])
            offset = range.upperBound
        }
    }
}
