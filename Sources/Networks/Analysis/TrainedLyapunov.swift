import Integrators
import RealModule
import LinearAlgebra
import Stability

/// Finite-depth Lyapunov exponents of a trained network and the float reconstruction error
/// its reversible backpropagation will see, per *segment*: a run of consecutive units at one
/// width with no transition inside (a transition changes the dimension, so tangent vectors do
/// not carry across it; each segment is reported on its own).
///
/// The exponents are the finite-time Lyapunov exponents of the segment's propagator
/// D = DΦ_n ⋯ DΦ_1 (its units' actual steps, composed, at each image's state): λᵢ =
/// log σᵢ(D)/(n·h), σᵢ the singular values (Shadden, Lekien & Marsden, Physica D 212, 2005, for
/// the definition). Over a few units QR iteration from arbitrary tangent vectors (what
/// `lyapunov --system` runs for thousands of steps) has not aligned with the expanding
/// directions yet; the singular values are exact at any depth. Up to `Eigensolver.denseLimit`
/// coordinates D is the dense central-difference Jacobian of the composed map
/// (`Linearization`) and σ come from LAPACK `?gesdd`; above, matrix-free from products with D
/// and Dᵀ (`SegmentPropagator`): measured (release), a 4,096-coordinate segment of two units
/// takes minutes and 1 GB densely, the matrix-free route seconds and tens of MB, to the same
/// figures. λ > 0: perturbations of that image's feature map grow through
/// the segment; e^{λ₁·n·h} is the largest growth factor.
public struct SegmentGrowth: Codable, Sendable {
    /// The segment's units, first and last.
    public var units: [Int]
    public var stage: Int
    public var channels: Int, height: Int, width: Int
    public var stepSize: Double
    /// The leading exponents per unit time, the median over the images.
    public var exponents: [Double]
    /// The largest leading exponent over the images.
    public var worstLeading: Double
    /// Forward through the segment in Float and back by the method's exact inverse steps:
    /// ‖x̃₀ − x₀‖/‖x₀‖, the worst over the images (nil: the method has no exact inverse).
    public var reconstructionError: Double?
}

extension Network {
    /// The checkpoint's network with its trained weights, and its units' inputs on `images`
    /// (running statistics), one stored state each: one chunk on one thread, so each input is
    /// one state holding every image.
    static func trained(_ checkpoint: Checkpoint, on images: Tensor<Scalar>) throws -> (network: Network, inputs: [Int: State]) {
        let h = checkpoint.header
        var network = Network(h.configuration.architecture, inputChannels: h.inputChannels, classes: h.classes, seed: 0,
                              context: ComputeContext(threads: 1, chunkImages: images.batch))
        try network.restore(checkpoint.snapshot)
        let inputs = network.forward(images, training: false, keep: .stored).unitInputs.compactMapValues(\.first)
        return (network, inputs)
    }

    /// The feature map after every unit (and transition) from `x`, the stem's output for one
    /// image: the forward pass's units on one state, with running statistics.
    func features(from x: Tensor<Scalar>) -> Tensor<Scalar> {
        var s = Family.state(from: x), method = Family.makeMethod()
        for j in units.indices {
            if let d = downsamplers[j] {
                s = Family.state(from: d.forward(Family.tensor(from: s), scratch: scratch))
                continue
            }
            method.step(units[j], &s, time: Scalar(j) * stepSize, stepSize: stepSize)
            if transitions.contains(j) { s = transition(s, after: j) }
        }
        return Family.tensor(from: s)
    }

    /// `features(from:)` at one image's first feature map x, to be linearised (densely, or by
    /// products for `NetworkPropagator`).
    func featureMap(at x: Tensor<Scalar>) -> Linearization<Tensor<Scalar>> {
        Linearization(at: x) { features(from: $0) }
    }

    /// Segment `range` as one system: its units under `UnitSequence`, started at `state` (the
    /// stored pair for two-step methods, not a feature map's (y, y)), with `unstep` if given.
    func segmentBinding(_ range: Range<Int>, from state: State,
                        unstep: ((inout UnitSequence<Family>, [Family.Field], inout State, Scalar, Scalar) -> Void)? = nil)
        -> MethodBinding<UnitSequence<Family>> {
        MethodBinding(integrator: UnitSequence<Family>(Family.makeMethod()), field: Array(units[range]),
                      start: { _, _ in state }, point: { s, _ in s.coordinates }, unstep: unstep)
    }
}

/// The exponents of every segment of a trained network (Double; see `SegmentGrowth`).
public struct TrainedLyapunov: NetworkExperiment {
    public typealias Scalar = Double
    /// The largest feature map whose whole-network Jacobian is formed densely
    /// (`TrainedNetworkGrowth`: 128 MB, 2n runs of the network, and `?gesdd`, at 4,096).
    public static let maximumDimension = 4096
    public var checkpoint: Checkpoint
    public var images: Tensor<Double>
    /// Exponents per segment (k, at most the segment's dimension).
    public var count: Int
    /// Dense up to `Eigensolver.denseLimit` coordinates and matrix-free above (`.auto`), or
    /// always one.
    public var solver: Eigensolver

    public init(checkpoint: Checkpoint, images: Tensor<Double>, count: Int, solver: Eigensolver = .auto) {
        self.checkpoint = checkpoint
        self.images = images
        self.count = count
        self.solver = solver
    }

    public func run<F: BlockFamily>(_ family: F.Type) throws -> [SegmentGrowth] where F.Scalar == Double {
        let (network, inputs) = try Network<F>.trained(checkpoint, on: images)
        let stepSize = network.stepSize
        return try network.segments.map { range in
            guard let state = inputs[range.lowerBound] else { preconditionFailure("TrainedLyapunov: a stored pass keeps every unit's input") }
            let dimension = state.coordinateCount / images.batch
            let dense = solver.isDense(dimension: dimension, count: count)
            if dense, !SafeSize.fitsInMemory(SafeSize.product([dimension, dimension]), width: 8) {
                throw ArchitectureError(.imageSize, "units \(range.lowerBound)–\(range.upperBound - 1) act on \(dimension) coordinates, too many "
                                        + "for a dense propagator in this machine's memory")
            }
            let fields = Array(network.units[range]), time = Double(range.count) * stepSize
            var perImage: [[Double]] = []
            for i in 0..<images.batch {
                var propagator = SegmentPropagator<F>(fields: fields, stepSize: stepSize, at: state.mapTensors { $0.images(i..<(i + 1)) })
                let sigma = dense ? Array(try propagator.forward.jacobian().singularValues().prefix(count))
                                  : try propagator.leadingSingularValues(min(count, dimension - 2))
                perImage.append(sigma.map { Double.log($0) / time })
            }
            let map = F.tensor(from: state)
            let k = perImage.map(\.count).min() ?? 0
            let median = (0..<k).map { e in MedianAndWorst(perImage.map { $0[e] }, worstIsLargest: true)?.median ?? .nan }
            return SegmentGrowth(units: [range.lowerBound, range.upperBound - 1], stage: network.stages[range.lowerBound], channels: map.channels,
                                 height: map.height, width: map.width, stepSize: Double(stepSize), exponents: median,
                                 worstLeading: perImage.compactMap(\.first).max() ?? .nan, reconstructionError: nil)
        }
    }
}

/// The float reconstruction error of every segment of a trained network: forward through the
/// segment from each image's state, back by exact inverse steps (`Reversibility`), worst over
/// the images; what reversible backpropagation on these weights rebuilds its inputs with.
public struct TrainedReconstruction: NetworkExperiment {
    public typealias Scalar = Float
    public var checkpoint: Checkpoint
    public var images: Tensor<Float>

    public init(checkpoint: Checkpoint, images: Tensor<Float>) {
        self.checkpoint = checkpoint
        self.images = images
    }

    /// Without an exact inverse step there is nothing to reconstruct with.
    public func run<F: BlockFamily>(_ family: F.Type) throws -> [Double?] where F.Scalar == Float { [] }

    public func run<F: ReversibleBlockFamily>(reversible family: F.Type) throws -> [Double?] where F.Scalar == Float {
        let (network, inputs) = try Network<F>.trained(checkpoint, on: images)
        return try network.segments.map { range in
            guard let state = inputs[range.lowerBound] else { preconditionFailure("TrainedReconstruction: a stored pass keeps every unit's input") }
            var worst = 0.0
            for i in 0..<images.batch {
                let one = state.mapTensors { $0.images(i..<(i + 1)) }
                let binding = network.segmentBinding(range, from: one) { m, f, s, t, h in m.unstep(f, &s, time: t, stepSize: h) }
                let r = try Reversibility(initialPoint: F.tensor(from: one).data, stepSize: network.stepSize, steps: range.count).run(binding)
                worst = max(worst, Double(r.reconstructionError))
            }
            return worst
        }
    }
}

/// How much a perturbation of the stem's output can grow through the whole trained network,
/// transitions included: the largest singular values of the Jacobian of the map from the first
/// unit's feature map to the last one's (rectangular when the stages widen and shrink), per
/// image: from the dense central-difference Jacobian up to `Eigensolver.denseLimit`
/// coordinates (at most `TrainedLyapunov.maximumDimension` when forced), matrix-free above
/// (`NetworkPropagator`).
public struct TrainedNetworkGrowth: NetworkExperiment {
    public typealias Scalar = Double
    public var checkpoint: Checkpoint
    public var images: Tensor<Double>
    /// Singular values per image (k).
    public var count: Int
    public var solver: Eigensolver

    public init(checkpoint: Checkpoint, images: Tensor<Double>, count: Int, solver: Eigensolver = .auto) {
        self.checkpoint = checkpoint
        self.images = images
        self.count = count
        self.solver = solver
    }

    /// The k largest singular values of the whole network's Jacobian, per image.
    public func run<F: BlockFamily>(_ family: F.Type) throws -> [[Double]] where F.Scalar == Double {
        let (network, inputs) = try Network<F>.trained(checkpoint, on: images)
        guard let first = inputs[0].map(F.tensor(from:)) else { preconditionFailure("TrainedNetworkGrowth: no input to unit 0") }
        let dimension = first.data.count / images.batch
        let dense = solver.isDense(dimension: dimension, count: count)
        guard !dense || dimension <= TrainedLyapunov.maximumDimension else {
            throw ArchitectureError(.imageSize, "the first feature map has \(dimension) coordinates; the whole network's dense Jacobian "
                                    + "takes at most \(TrainedLyapunov.maximumDimension) (the matrix-free route takes any size)")
        }
        return try (0..<images.batch).map { i in
            let x = first.images(i..<(i + 1))
            guard dense else {
                var propagator = NetworkPropagator(network, at: x)
                return try propagator.leadingSingularValues(min(count, dimension - 2))
            }
            return Array(try network.featureMap(at: x).jacobian().singularValues().prefix(count))
        }
    }
}
