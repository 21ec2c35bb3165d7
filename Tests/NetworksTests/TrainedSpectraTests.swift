import Foundation
import Testing
import LinearAlgebra
import Stability
@testable import Networks

/// Spectra of trained networks' units at real feature maps (`TrainedSpectra`).
///
/// Tolerances: a Hamiltonian field (Y, Z) ↦ (−K₁ᵀσ(K₁Z), K₂ᵀσ(K₂Y)) has a Jacobian [[0, A], [B, 0]]
/// whose eigenvalues ±√μ(AB) are imaginary for tanh (AB is similar to minus a product of
/// positive semi-definite matrices); central differences keep the zero blocks exact, so the
/// abscissa is rounding: 1e-8 relative (the bar) is far above it. A ResNet field's
/// Jacobian has no such structure: its abscissa is a visible fraction of its radius.
@Suite("Trained networks: unit spectra at real feature maps")
struct TrainedSpectraTests {
    static func trained(_ block: Block, activation: Activation, normalization: Normalization = .none,
                        transitions: TransitionStyle = .poolAndPad) throws -> (Checkpoint, Dataset) {
        let (train, test) = try SyntheticData.load("circles")
        var c = TrainingConfiguration(architecture: try Architecture(block: block, units: [1, 1, 1], filters: [4, 4, 8, 8],
                                                                     activation: activation, normalization: normalization,
                                                                     transitions: transitions),
                                      data: try DatasetSpec(parsing: "synthetic:circles"), epochs: 1, augment: false)
        c.subsample = 0.1
        c.batchSize = 50
        c.learningRate = 0.05
        let trainer = try Trainer(c, train: train, test: test, context: Tiny.trainingContext)
        try trainer.run()
        let checkpoint = Checkpoint(configuration: c, epoch: 1, inputChannels: train.channels, height: train.height, width: train.width,
                                    classes: train.classes, mean: trainer.mean, std: trainer.std, history: trainer.history, threads: 2,
                                    snapshot: trainer.network.snapshot())
        return (checkpoint, test)
    }

    @Test("a trained tanh Hamiltonian network: every unit's field spectrum imaginary to 1e-8, every step on the unit circle")
    func hamiltonian() throws {
        let (checkpoint, test) = try Self.trained(.hamiltonian, activation: .tanh)
        let images = try TrainedSpectra.images(test, count: 2, checkpoint: checkpoint)
        let units = try checkpoint.header.configuration.architecture.run(TrainedSpectra(checkpoint: checkpoint, images: images, count: 6))
        #expect(units.count == 3 && units.allSatisfy { $0.images.count == 2 })
        for u in units {
            for i in u.images {
                let rho = try #require(i.field.spectralRadius), alpha = try #require(i.field.spectralAbscissa)
                #expect(rho > 1e-3 && abs(alpha) <= 1e-8 * rho, "unit \(u.unit): α = \(alpha), ρ = \(rho)")
                // Verlet is symplectic: its step's eigenvalues lie on the unit circle exactly when
                // every hλ lies in its stability interval [−2i, 2i], and off it in pairs μ, 1/μ.
                let region = try #require(i.region), radius = try #require(i.step.spectralRadius)
                if region.placement == .outside {
                    #expect(radius > 1 + 1e-8, "unit \(u.unit): \(region), ρ = \(radius)")
                } else {
                    #expect(abs(radius - 1) < 1e-8, "unit \(u.unit): \(region), ρ = \(radius)")
                }
            }
        }
    }

    @Test("a trained ResNet: fields not imaginary; its Euler steps placed against |1 + hλ| ≤ 1")
    func resnet() throws {
        let (checkpoint, test) = try Self.trained(.resnet, activation: .relu)
        let images = try TrainedSpectra.images(test, count: 1, checkpoint: checkpoint)
        let units = try checkpoint.header.configuration.architecture.run(TrainedSpectra(checkpoint: checkpoint, images: images, count: 6))
        let ratios = units.flatMap(\.images).map { abs($0.field.spectralAbscissa!) / $0.field.spectralRadius! }
        #expect(ratios.contains { $0 > 1e-3 }, "\(ratios)")
        for i in units.flatMap(\.images) {
            let region = try #require(i.region)
            let z = region.worst
            #expect(abs(region.largestAmplification - ((1 + z[0]) * (1 + z[0]) + z[1] * z[1]).squareRoot()) < 1e-12)
        }
    }

    /// Hamiltonian: the field by modulus (by real part its imaginary spectrum has no rightmost
    /// eigenvalues, and the Arnoldi method may say it did not converge); ResNet: both ends.
    @Test("Arnoldi on Jacobian–vector products agrees with dense dgeev at trained units to 1e-8", arguments: [Block.hamiltonian, .resnet])
    func arnoldiAgreesWithDense(block: Block) throws {
        let (checkpoint, test) = try Self.trained(block, activation: .tanh)
        let images = try TrainedSpectra.images(test, count: 1, checkpoint: checkpoint)
        let architecture = checkpoint.header.configuration.architecture
        let dense = try architecture.run(TrainedSpectra(checkpoint: checkpoint, images: images, units: [0], count: 4, solver: .dense))
        let arnoldi = try architecture.run(TrainedSpectra(checkpoint: checkpoint, images: images, units: [0], count: 4, solver: .arnoldi))
        let (d, a) = (dense[0].images[0], arnoldi[0].images[0])
        #expect(a.field.solver == .arnoldi && a.field.products > 0)
        let scale = try #require(d.field.spectralRadius)
        // Sorted by modulus then imaginary part; compare moduli and |Im| (a conjugate pair's
        // order is a tie broken by rounding).
        func close(_ x: [[Double]]?, _ y: [[Double]]?) -> Bool {
            guard let x, let y, x.count == y.count else { return false }
            return zip(x, y).allSatisfy { abs($0[0] - $1[0]) <= 1e-8 * scale && abs(abs($0[1]) - abs($1[1])) <= 1e-8 * scale }
        }
        #expect(close(d.field.byModulus, a.field.byModulus), "\(d.field.byModulus!) vs \(String(describing: a.field.byModulus))")
        if block == .resnet {
            #expect(a.field.unconverged.isEmpty && close(d.field.byRealPart, a.field.byRealPart),
                    "\(d.field.byRealPart!) vs \(String(describing: a.field.byRealPart))")
        }
        // A symplectic step inside its stability region has every eigenvalue on the unit
        // circle: no end stands apart there either, so only a converged radius is compared.
        if let radius = a.step.spectralRadius {
            #expect(abs(try #require(d.step.spectralRadius) - radius) <= 1e-8)
        } else {
            #expect(block == .hamiltonian && a.step.unconverged.contains(.largestMagnitude))
        }
    }

    @Test("bad requests are refused: a unit that does not exist, images of another shape")
    func refusals() throws {
        let (checkpoint, test) = try Self.trained(.hamiltonian, activation: .tanh)
        let images = try TrainedSpectra.images(test, count: 1, checkpoint: checkpoint)
        #expect(throws: ArchitectureError.self) {
            try checkpoint.header.configuration.architecture.run(TrainedSpectra(checkpoint: checkpoint, images: images, units: [7], count: 2))
        }
        let (_, spirals) = try SyntheticData.load("spirals")
        if spirals.channels != test.channels || spirals.height != test.height {
            #expect(throws: DatasetError.self) { try TrainedSpectra.images(spirals, count: 1, checkpoint: checkpoint) }
        }
        #expect(throws: DatasetError.self) { try TrainedSpectra.images(test, count: test.count + 1, checkpoint: checkpoint) }
        // A dense Jacobian too large for memory is refused before it is built.
        #expect(throws: LinearAlgebraError.self) {
            try LeadingEigenvalues(dimension: 1 << 31, count: 2, solver: .dense, matrix: { preconditionFailure("built") }) { _, _ in }
        }
    }
}
