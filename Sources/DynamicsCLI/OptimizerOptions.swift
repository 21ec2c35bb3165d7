import ArgumentParser
import Dynamics

/// The flags of SGD and its regularisation, shared by `train` and `sweep`: each checked here
/// and applied to a `TrainingConfiguration` over its defaults.
struct OptimizerOptions: ParsableArguments {
    @Option(help: "Mini-batch size (default 100).")
    var batchSize: Int?

    @Option(parsing: .unconditional, help: "Initial learning rate (default 0.1).")
    var lr: Double?

    @Option(parsing: .unconditional, help: "Momentum (default 0.9).")
    var momentum: Double?

    @Option(parsing: .unconditional, help: "Weight decay (default 2e-4).")
    var weightDecay: Double?

    @Option(parsing: .unconditional, help: "Weight-smoothness decay α (α/2 Σ‖θ_{j+1} − θ_j‖² over a stage's consecutive units; default 2e-4).")
    var smoothness: Double?

    @Option(help: "What weight decay and smoothness apply to: weights (kernels and the classifier's matrix, as the authors' code; default) or all (biases and batch norms' γ, β too).")
    var regularize: Regularization?

    func validate() throws {
        if let batchSize, !(1...TrainingConfiguration.maximumBatchSize).contains(batchSize) {
            throw ValidationError("--batch-size must be from 1 to \(TrainingConfiguration.maximumBatchSize), got \(batchSize)")
        }
        if let lr, !(lr.isFinite && lr > 0) { throw ValidationError("--lr must be a positive number, got \(lr)") }
        if let momentum, !(momentum >= 0 && momentum < 1) { throw ValidationError("--momentum must be in [0, 1), got \(momentum)") }
        if let w = weightDecay, !(w >= 0 && w.isFinite) { throw ValidationError("--weight-decay must be a finite number ≥ 0, got \(w)") }
        if let a = smoothness, !(a >= 0 && a.isFinite) { throw ValidationError("--smoothness must be a finite number ≥ 0, got \(a)") }
    }

    /// The flags given (rejected where the configuration comes from elsewhere, e.g. a checkpoint).
    var givenFlags: [(name: String, given: Bool)] {
        [("--batch-size", batchSize != nil), ("--lr", lr != nil), ("--momentum", momentum != nil),
         ("--weight-decay", weightDecay != nil), ("--smoothness", smoothness != nil), ("--regularize", regularize != nil)]
    }

    /// Sets the values given on `configuration`, keeping its defaults for the others.
    func apply(to configuration: inout TrainingConfiguration) {
        if let batchSize { configuration.batchSize = batchSize }
        if let lr { configuration.learningRate = Float(lr) }
        if let momentum { configuration.momentum = Float(momentum) }
        if let weightDecay { configuration.weightDecay = Float(weightDecay) }
        if let smoothness { configuration.smoothness = Float(smoothness) }
        if let regularize { configuration.regularization = regularize }
    }
}

extension Regularization: ExpressibleByArgument {}
