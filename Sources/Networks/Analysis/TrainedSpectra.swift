import ComplexModule
import Integrators
import LinearAlgebra
import Stability

/// Where the scaled eigenvalues hλ of a unit's field fall against its method's stability
/// region: the largest amplification max |R(hλ)| over the eigenvalues computed
/// (`AmplificationFactor`), and 1 minus it, the margin (negative: outside).
public struct RegionPlacement: Codable, Sendable, Equatable {
    public enum Placement: String, Codable, Sendable {
        case inside, boundary, outside
    }
    /// max |R(hλ)| over the eigenvalues computed.
    public var largestAmplification: Double
    /// 1 − max |R(hλ)|.
    public var margin: Double
    public var placement: Placement
    /// The hλ, `[re, im]`, where the maximum is attained.
    public var worst: [Double]

    /// The placement of `eigenvalues` (`[re, im]`) of a field discretised by `method` with step
    /// h; |R| within `tolerance` of 1 counts as on the boundary.
    public init?(eigenvalues: [[Double]], method: MethodName, stepSize h: Double, tolerance: Double) {
        let moduli = eigenvalues.map { e in (AmplificationFactor.modulus(method, at: Complex(h * e[0], h * e[1])), e) }
        guard let (largest, at) = moduli.max(by: { $0.0 < $1.0 }), largest.isFinite else { return nil }
        largestAmplification = largest
        margin = 1 - largest
        placement = abs(margin) <= tolerance ? .boundary : margin > 0 ? .inside : .outside
        worst = [h * at[0], h * at[1]]
    }
}

/// One unit of a trained network linearised at one image's feature map.
public struct UnitLinearization: Codable, Sendable {
    /// The image's index in the data set's test images.
    public var image: Int
    /// The first-order field's leading eigenvalues (continuous time).
    public var field: LeadingEigenvalues
    /// One step's leading eigenvalues (discrete time; the method's state, so two-step methods
    /// include the parasitic roots).
    public var step: LeadingEigenvalues
    /// hλ of the field's eigenvalues against the method's stability region.
    public var region: RegionPlacement?
}

/// One unit of a trained network at real feature maps: its linearisation per image and a
/// summary over the images (median and worst).
public struct UnitSpectra: Codable, Sendable {
    public var unit: Int
    public var stage: Int
    /// Channels, height and width of the unit's feature map.
    public var channels: Int, height: Int, width: Int
    /// The integrator the unit steps with ("verlet", "midpoint", "leapfrog", "euler"), or
    /// "downsampling" for a strided transition unit, which is not a step of a field and is
    /// reported without spectra.
    public var method: String
    public var stepSize: Double
    public var images: [UnitLinearization]
    /// Over the images: the field's spectral abscissa (worst: largest).
    public var abscissa: MedianAndWorst?
    /// Over the images: the step's spectral radius (worst: largest).
    public var stepRadius: MedianAndWorst?
    /// Over the images: the region margin (worst: smallest).
    public var margin: MedianAndWorst?

    /// Fills in the summaries from `images`.
    mutating func summarize() {
        abscissa = MedianAndWorst(images.compactMap(\.field.spectralAbscissa), worstIsLargest: true)
        stepRadius = MedianAndWorst(images.compactMap(\.step.spectralRadius), worstIsLargest: true)
        margin = MedianAndWorst(images.compactMap { $0.region?.margin }, worstIsLargest: false)
    }
}

/// The median of some values and the worst of them.
public struct MedianAndWorst: Codable, Sendable, Equatable {
    public var median: Double
    public var worst: Double

    public init?(_ values: [Double], worstIsLargest: Bool) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted(), n = sorted.count
        median = (sorted[(n - 1) / 2] + sorted[n / 2]) / 2
        worst = worstIsLargest ? sorted[n - 1] : sorted[0]
    }
}

/// The spectra of a trained network's units at the feature maps real images produce there:
/// the first-order field of each unit and one step of its method, linearised at each image's
/// input to that unit (Chang et al. 2018, §2: stability of the ODE the network discretises
/// where the data flows, not at random inputs).
///
/// The network is rebuilt in Double with the checkpoint's weights exactly, and run forward on
/// the images with batch norm's running statistics (its inference function, which is what a
/// per-image linearisation means). Jacobians are central differences of the actual layers
/// (`Linearization`); eigenvalues come from `dgeev` or, above `Eigensolver.denseLimit`
/// dimensions, from ARPACK on Jacobian–vector products.
///
/// ReLU: σ' = 0 on every inactive pre-activation makes the field's Jacobian singular, with
/// defective (Jordan-block) zero eigenvalues; the differences' error (about 1e-11) splits such a
/// block into eigenvalues of modulus about its square root, so a trained ReLU Hamiltonian
/// block's abscissa comes out at 1e-6 to 4e-6 relative to its radius (measured on the digits),
/// at eigenvalues of modulus ~1e-5, not at its oscillatory modes. tanh blocks (`--activation
/// tanh` in training) have σ' > 0 and come out imaginary to 1e-8 or better.
public struct TrainedSpectra: NetworkExperiment {
    public typealias Scalar = Double
    public var checkpoint: Checkpoint
    /// Standardised images (channel-major, in Double), one linearisation per image.
    public var images: Tensor<Double>
    /// The first index of `images` in the test set, for the report.
    public var firstImage: Int
    /// The units to analyse (nil: all).
    public var units: [Int]?
    /// Eigenvalues per end of each spectrum.
    public var count: Int
    public var solver: Eigensolver
    /// Relative tolerance of "on the boundary" of the stability region.
    public var tolerance: Double

    public init(checkpoint: Checkpoint, images: Tensor<Double>, firstImage: Int = 0, units: [Int]? = nil, count: Int,
                solver: Eigensolver = .auto, tolerance: Double = Spectrum<Double>.defaultTolerance) {
        self.checkpoint = checkpoint
        self.images = images
        self.firstImage = firstImage
        self.units = units
        self.count = count
        self.solver = solver
        self.tolerance = tolerance
    }

    /// The first `count` test images of `data`, standardised as the checkpoint's training was.
    public static func images<T: BLASScalar>(_ data: Dataset, count: Int, checkpoint: Checkpoint, as _: T.Type = Double.self) throws -> Tensor<T> {
        let h = checkpoint.header
        guard data.channels == h.inputChannels, data.height == h.height, data.width == h.width else {
            throw DatasetError("the images are \(data.channels)×\(data.height)×\(data.width); the network was trained on "
                               + "\(h.inputChannels)×\(h.height)×\(h.width)")
        }
        guard (1...data.count).contains(count) else {
            throw DatasetError("\(count) images asked for; the test set has \(data.count)")
        }
        var standardized = data
        standardized.standardize(mean: h.mean, std: h.std)
        var g = SeededGenerator(seed: 0)
        let t = Batches.tensor(standardized, indices: Array(0..<count)[...], augment: false, using: &g)
        return Tensor(channels: t.channels, batch: t.batch, height: t.height, width: t.width, data: t.data.map { T($0) })
    }

    public func run<F: BlockFamily>(_ family: F.Type) throws -> [UnitSpectra] where F.Scalar == Double {
        let (network, inputs) = try Network<F>.trained(checkpoint, on: images)
        let chosen = units ?? Array(network.units.indices)
        if let bad = chosen.first(where: { !network.units.indices.contains($0) }) {
            throw ArchitectureError(.depth, "unit \(bad) does not exist; the network has units 0 to \(network.units.count - 1)")
        }
        let method = F.Method.name, stepSize = Double(network.stepSize)
        return try chosen.map { j in try unit(j, of: network, inputs: inputs, method: method, stepSize: stepSize) }
    }

    func unit<F: BlockFamily>(_ j: Int, of network: Network<F>, inputs: [Int: Network<F>.State], method: String, stepSize: Double) throws -> UnitSpectra
    where F.Scalar == Double {
        guard let state = inputs[j] else { preconditionFailure("TrainedSpectra: a stored forward pass keeps every unit's input") }
        let map = F.tensor(from: state)
        var report = UnitSpectra(unit: j, stage: network.stages[j], channels: map.channels, height: map.height, width: map.width,
                                 method: network.downsamplers[j] == nil ? method : "downsampling", stepSize: stepSize, images: [])
        guard network.downsamplers[j] == nil else { return report }
        let field = network.units[j], t = Double(j) * stepSize
        for i in 0..<images.batch {
            let one = state.mapTensors { $0.images(i..<(i + 1)) }
            let fieldSpectrum = try LeadingEigenvalues(of: F.firstOrderField(field, at: F.tensor(from: one)), count: count, solver: solver)
            let stepSpectrum = try LeadingEigenvalues(of: F.step(field, at: one, time: t, stepSize: stepSize), count: count, solver: solver)
            let listed = (fieldSpectrum.byRealPart ?? []) + (fieldSpectrum.byModulus ?? [])
            let region = MethodName(rawValue: method).flatMap {
                RegionPlacement(eigenvalues: listed, method: $0, stepSize: stepSize, tolerance: tolerance)
            }
            report.images.append(UnitLinearization(image: firstImage + i, field: fieldSpectrum, step: stepSpectrum, region: region))
        }
        report.summarize()
        return report
    }
}
