import LinearAlgebra

/// The processes ("ranks") that train one network together, and the collectives that
/// data-parallel training needs, with MPI-3's semantics (MPI Forum, *MPI: A Message-Passing
/// Interface Standard* 3.1, ch. 5): every rank calls the same collectives in the same order
/// with buffers of the same length, and every rank receives the same result.
///
/// Two implementations: `MPICommunicator` (module `MessagePassing`, over any MPI-3 library)
/// for processes on one or many machines, and `LocalGroup`'s ranks, threads of one process,
/// for tests. A failure to communicate is not reported: MPI's default handler ends the whole
/// job, which is what a data-parallel run wants (a rank that cannot take part cannot be
/// waited for).
public protocol Communicator: AnyObject {
    /// This process's number, 0..<size.
    var rank: Int { get }
    /// The number of ranks.
    var size: Int { get }
    /// Element-wise sum over the ranks, in place.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>)
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Element-wise maximum over the ranks, in place.
    func allReduceMax(_ values: UnsafeMutableBufferPointer<Double>)
    /// Starts an element-wise sum in place (MPI_Iallreduce): `values` must stay allocated and
    /// untouched until `wait` returns for the handle.
    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> PendingReduction
    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Double>) -> PendingReduction
    /// Blocks until a started reduction's result is in its buffer.
    func wait(_ reduction: PendingReduction)
    /// Lets started reductions move on. MPI libraries without a progress thread advance
    /// non-blocking collectives only inside MPI calls, so a long computation between the
    /// start and the wait calls this now and then.
    func progress()
    /// Replaces `bytes` on every rank with `root`'s (the same count on every rank).
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int)
}

/// A reduction started by `Communicator.startAllReduceSum`, to be waited for once.
public struct PendingReduction: Sendable, Hashable {
    public let id: Int
    public init(id: Int) { self.id = id }
}

/// Another rank failed (its own message says why); this one stops with it.
public struct PeerFailure: Error, Equatable, CustomStringConvertible {
    /// The lowest rank that failed.
    public var rank: Int
    public var description: String { "rank \(rank) failed (its message says why); every rank stops" }
}

extension Communicator {
    /// Whether this group has more than one rank.
    public var isDistributed: Bool { size > 1 }

    /// `allReduceSum` for either precision of the networks' scalars.
    public func allReduceSum<T: BLASScalar>(_ values: UnsafeMutableBufferPointer<T>) {
        if let v = values as? UnsafeMutableBufferPointer<Float> { return allReduceSum(v) }
        if let v = values as? UnsafeMutableBufferPointer<Double> { return allReduceSum(v) }
        preconditionFailure("Communicator: sums of \(T.self) are not supported")
    }

    /// `startAllReduceSum` for either precision of the networks' scalars.
    public func startAllReduceSum<T: BLASScalar>(_ values: UnsafeMutableBufferPointer<T>) -> PendingReduction {
        if let v = values as? UnsafeMutableBufferPointer<Float> { return startAllReduceSum(v) }
        if let v = values as? UnsafeMutableBufferPointer<Double> { return startAllReduceSum(v) }
        preconditionFailure("Communicator: sums of \(T.self) are not supported")
    }

    /// The element-wise sum over the ranks of an array.
    public func sum<T: BLASScalar>(_ values: [T]) -> [T] {
        var v = values
        v.withUnsafeMutableBufferPointer { allReduceSum($0) }
        return v
    }

    /// Whether any rank passes true.
    public func any(_ flag: Bool) -> Bool {
        var v = [flag ? 1.0 : 0]
        v.withUnsafeMutableBufferPointer { allReduceMax($0) }
        return v[0] > 0
    }

    /// Runs `body` on every rank and makes a failure anywhere everyone's, so that no rank goes
    /// on to a collective that a failed one will never call: the lowest rank that failed
    /// rethrows its own error, every other rank throws `PeerFailure` naming it (so a failure
    /// that every rank meets alike, a bad argument, is reported once). Used around what can
    /// fail on one rank only (reading files, checking paths) or on all.
    public func agree<R>(_ body: () throws -> R) throws -> R {
        let outcome = Result(catching: body)
        var failed = [0.0]
        if case .failure = outcome { failed[0] = Double(size - rank) }
        failed.withUnsafeMutableBufferPointer { allReduceMax($0) }
        guard failed[0] > 0 else { return try outcome.get() }
        let lowest = size - Int(failed[0])
        if lowest == rank { _ = try outcome.get() }
        throw PeerFailure(rank: lowest)
    }

    /// Replaces `values` on every rank with `root`'s (the same count on every rank).
    public func broadcast<T>(_ values: inout [T], from root: Int) {
        values.withUnsafeMutableBytes { broadcast($0, from: root) }
    }
}

/// The images of a global batch that each rank trains on: contiguous shares in rank order
/// whose sizes differ by at most one (⌊count·(r+1)/size⌋ − ⌊count·r/size⌋), so that the
/// ranks' shares, concatenated, are the batch one process would train on.
public enum Shard {
    /// The positions within a batch of `count` images that `rank` of `size` takes.
    public static func range(count: Int, rank: Int, size: Int) -> Range<Int> {
        precondition(size > 0 && (0..<size).contains(rank) && count >= 0, "Shard: rank \(rank) of \(size), \(count) images")
        return (count * rank / size)..<(count * (rank + 1) / size)
    }
}
