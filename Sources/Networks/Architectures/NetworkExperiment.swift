import LinearAlgebra

/// Something to do with a network of any block family: the visitor through which an
/// `Architecture` (a name at run time) hands over its concrete family type, so the work runs
/// fully specialised.
public protocol NetworkExperiment {
    associatedtype Scalar: BLASScalar
    associatedtype Result
    func run<F: BlockFamily>(_ family: F.Type) throws -> Result where F.Scalar == Scalar
}

extension Architecture {
    /// Runs `experiment` with this architecture's block family.
    @inlinable @inline(__always)
    public func run<E: NetworkExperiment>(_ experiment: E) throws -> E.Result {
        switch block {
        case "hamiltonian": try experiment.run(HamiltonianFamily<E.Scalar>.self)
        case "midpoint": try experiment.run(MidpointFamily<E.Scalar>.self)
        case "leapfrog": try experiment.run(LeapfrogFamily<E.Scalar>.self)
        case "revnet": try experiment.run(RevNetFamily<E.Scalar>.self)
        case "resnet": try experiment.run(ResNetFamily<E.Scalar>.self)
        default: throw ArchitectureError("unknown block '\(block)'")
        }
    }
}
