import LinearAlgebra

/// Something to do with a network of any block family: the visitor through which a `Block`
/// (a kind chosen at run time) hands over its concrete family type, so the work runs fully
/// specialised.
///
/// Reversible families arrive through `run(reversible:)`, whose default forwards to `run(_:)`;
/// an experiment that needs the exact inverse step implements both, and says in `run(_:)`
/// what it does without one.
public protocol NetworkExperiment {
    associatedtype Scalar: BLASScalar
    associatedtype Result
    func run<F: BlockFamily>(_ family: F.Type) throws -> Result where F.Scalar == Scalar
    func run<F: ReversibleBlockFamily>(reversible family: F.Type) throws -> Result where F.Scalar == Scalar
}

extension NetworkExperiment {
    @inlinable
    public func run<F: ReversibleBlockFamily>(reversible family: F.Type) throws -> Result where F.Scalar == Scalar {
        try run(family)
    }
}

extension Architecture {
    /// Runs `experiment` with this architecture's block family.
    @inlinable @inline(__always)
    public func run<E: NetworkExperiment>(_ experiment: E) throws -> E.Result { try block.run(experiment) }
}
