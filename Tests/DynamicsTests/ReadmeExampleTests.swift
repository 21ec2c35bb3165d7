import Dynamics
import Foundation
import Testing

/// The library example of README.md, verbatim where possible: if this stops compiling, the
/// README is wrong.
@Suite("README library example")
struct ReadmeExampleTests {
    @Test("integrate Kepler, undo a step, and compute the Lorenz spectrum through the umbrella module")
    func example() throws {
        var verlet = StormerVerlet<Kepler<Double>>()
        var state = PartitionedState(q: SIMD2(0.4, 0), p: SIMD2(0, 2))
        for _ in 0..<10_000 { verlet.step(Kepler(), &state, time: 0, stepSize: 0.01) }
        let before = state
        verlet.step(Kepler(), &state, time: 100, stepSize: 0.01)
        verlet.unstep(Kepler(), &state, time: 100.01, stepSize: 0.01)
        #expect(state.distance(to: before) < 1e-14)

        let lorenz = try BuiltinSystem<Double>.named("lorenz")
        let result = try lorenz.run(.rk4, LyapunovSpectrum(LyapunovSettings(
            initialPoint: lorenz.initialPoint, stepSize: 0.01, steps: 5_000, transient: 1000)))
        #expect(result.exponents.count == 3 && result.kaplanYorkeDimension > 1)

        let spectrum = try Spectrum(of: Matrix<Double>([[0, 1], [-1, 0]]))
        #expect(spectrum.isPurelyImaginary && spectrum.verdict(.continuous) == .marginal)
    }

    @Test("the training example (one epoch instead of eight)")
    func training() throws {
        _ = try Architecture.preset("hamiltonian-74")
        let (train, test) = try DatasetSpec(parsing: "synthetic:shapes").load()
        var configuration = TrainingConfiguration(architecture: try Architecture(block: .hamiltonian, units: [2, 2, 2],
                                                  filters: [16, 16, 32, 32]), data: try DatasetSpec(parsing: "synthetic:shapes"),
                                                  epochs: 1, augment: false)
        configuration.learningRate = 0.05
        configuration.subsample = 0.25
        let trainer = try Trainer(configuration, train: train, test: test)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-readme-\(getpid())").path
        try trainer.run(checkpointFolder: folder)
        #expect((0...1).contains(trainer.accuracy(on: trainer.test)) && trainer.history.count == 1)
        #expect(FileManager.default.fileExists(atPath: Checkpoint.file(in: folder)))
    }
}
