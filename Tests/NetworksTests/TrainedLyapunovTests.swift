import Foundation
import Testing
import Stability
@testable import Networks

/// Finite-depth exponents and float reconstruction of trained networks (`TrainedLyapunov`,
/// `TrainedReconstruction`).
@Suite("Trained networks: finite-depth exponents and float reconstruction")
struct TrainedLyapunovTests {
    /// The matrix-free route (D·v by differences, Dᵀ·u by the pullbacks, ARPACK on DᵀD) against
    /// dense `?gesdd` of the difference Jacobian: both exact up to the differences' ε^{2/3} ≈
    /// 4e-11 relative, so the singular values agree to 1e-8 relative (λ = log σ/(n·h), n·h ≥ 0.1
    /// here, so 1e-7 absolute on λ). With batch norm the pullbacks run in evaluation mode
    /// (running statistics), as the forward steps do; leapfrog's state is the pair; the strided
    /// ResNet's whole-network adjoint goes through its downsampling units.
    @Test("matrix-free segment exponents and whole-network growth match the dense ones",
          arguments: [(Block.hamiltonian, Normalization.none, TransitionStyle.poolAndPad), (.hamiltonian, .batch, .poolAndPad),
                      (.resnet, .batch, .strided), (.leapfrog, .none, .poolAndPad)])
    func matrixFreeMatchesDense(block: Block, normalization: Normalization, transitions: TransitionStyle) throws {
        let (checkpoint, test) = try TrainedSpectraTests.trained(block, activation: .tanh, normalization: normalization, transitions: transitions)
        let architecture = checkpoint.header.configuration.architecture
        let images = try TrainedSpectra.images(test, count: 1, checkpoint: checkpoint)
        let dense = try architecture.run(TrainedLyapunov(checkpoint: checkpoint, images: images, count: 4, solver: .dense))
        let free = try architecture.run(TrainedLyapunov(checkpoint: checkpoint, images: images, count: 4, solver: .arnoldi))
        #expect(dense.map(\.units) == free.map(\.units))
        for (d, f) in zip(dense, free) {
            #expect(d.exponents.count == 4 && f.exponents.count == 4)
            for (a, b) in zip(d.exponents, f.exponents) {
                #expect(abs(a - b) <= 1e-7, "\(block) \(normalization) units \(d.units): dense \(d.exponents), matrix-free \(f.exponents)")
            }
        }
        let wholeDense = try architecture.run(TrainedNetworkGrowth(checkpoint: checkpoint, images: images, count: 3, solver: .dense))
        let wholeFree = try architecture.run(TrainedNetworkGrowth(checkpoint: checkpoint, images: images, count: 3, solver: .arnoldi))
        for (a, b) in zip(wholeDense[0], wholeFree[0]) {
            #expect(abs(a - b) <= 1e-8 * wholeDense[0][0], "\(block) whole network: dense \(wholeDense), matrix-free \(wholeFree)")
        }
        #expect(wholeFree[0].count == 3)
    }

    /// Verlet steps preserve volume, so the propagator of a Hamiltonian segment has det 1 and
    /// its exponents (all of them) sum to 0: to the differences' error, 1e-7 relative to the
    /// largest. A ResNet segment's do not. Each segment's largest exponent bounds the growth of
    /// its leading eigen-direction: λ₁·n·h ≥ n·log ρ(step) for a one-unit segment.
    @Test("Hamiltonian segments preserve volume (exponents sum to 0), ResNet's do not; the whole network's growth is bounded by the segments'; float reconstruction only with an inverse")
    func volumeAndReconstruction() throws {
        for (block, preserves) in [(Block.hamiltonian, true), (.resnet, false)] {
            let (checkpoint, test) = try TrainedSpectraTests.trained(block, activation: .tanh)
            let architecture = checkpoint.header.configuration.architecture
            let images = try TrainedSpectra.images(test, count: 1, checkpoint: checkpoint)
            let segments = try architecture.run(TrainedLyapunov(checkpoint: checkpoint, images: images, count: 100_000))
            #expect(segments.map(\.units) == [[0, 1], [2, 2]], "\(segments.map(\.units))")
            for s in segments {
                let sum = s.exponents.reduce(0, +), largest = s.exponents.map(\.magnitude).max() ?? 0
                #expect(s.exponents.count == s.channels * s.height * s.width)
                #expect((abs(sum) <= 1e-7 * largest) == preserves, "\(block) units \(s.units): sum \(sum), largest \(largest)")
            }
            let last = try #require(segments.last)
            let spectra = try architecture.run(TrainedSpectra(checkpoint: checkpoint, images: images, units: [last.units[0]], count: 4))
            let rho = try #require(spectra[0].images[0].step.spectralRadius)
            #expect(last.exponents[0] * last.stepSize >= Double.log(rho) - 1e-9, "\(last.exponents[0]) vs log ρ \(Double.log(rho))")
            // Through the whole network the growth is at most the segments' growths times the
            // transitions' norms (average pooling and zero channels: at most 1), by
            // submultiplicativity of the operator norm.
            let whole = try architecture.run(TrainedNetworkGrowth(checkpoint: checkpoint, images: images, count: 2))
            let bound = segments.map { Double.exp($0.exponents[0] * $0.stepSize * Double($0.units[1] - $0.units[0] + 1)) }.reduce(1, *)
            #expect(whole.count == 1 && whole[0][0] > 0 && whole[0][0] <= bound * (1 + 1e-6), "\(block): \(whole) vs bound \(bound)")
            let errors = try architecture.run(TrainedReconstruction(checkpoint: checkpoint, images: try TrainedSpectra.images(test, count: 1, checkpoint: checkpoint, as: Float.self)))
            if preserves {
                #expect(errors.count == segments.count && errors.allSatisfy { ($0 ?? 1) < 1e-5 }, "\(errors)")
            } else {
                #expect(errors.isEmpty)
            }
        }
    }
}
