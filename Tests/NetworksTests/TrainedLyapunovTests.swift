import Foundation
import Testing
import Stability
@testable import Networks

/// Finite-depth exponents and float reconstruction of trained networks (`TrainedLyapunov`,
/// `TrainedReconstruction`).
@Suite("Trained networks: finite-depth exponents and float reconstruction")
struct TrainedLyapunovTests {
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
