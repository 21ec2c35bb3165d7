import Foundation

/// Ranks that are threads of one process: a `Communicator` for tests of data-parallel code
/// without MPI. `LocalGroup(size: n).ranks` gives the n communicators; run each on its own
/// thread (`run(_:)`).
///
/// Sums are taken in Double in rank order, and started reductions are carried out when they
/// are waited for (in the order the ranks wait, which is the same on every rank): the results
/// are those of an MPI library up to the rounding of the sums.
public final class LocalGroup: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    private var contributions: [[Double]?]
    private var arrived = 0, departed = 0
    private var result: [Double] = []
    private var distributing = false

    public init(size: Int) {
        precondition(size > 0, "LocalGroup: at least one rank")
        self.size = size
        contributions = Array(repeating: nil, count: size)
    }

    /// One communicator per rank.
    public var ranks: [LocalCommunicator] { (0..<size).map { LocalCommunicator(group: self, rank: $0) } }

    /// Runs `body` for every rank, each on its own thread, and returns the results by rank.
    public func run<R: Sendable>(_ body: @escaping @Sendable (LocalCommunicator) throws -> R) throws -> [R] {
        let box = ResultsBox<R>(size: size)
        let threads = ranks.map { c in
            Thread { box.set(c.rank, Result { try body(c) }) }
        }
        for t in threads {
            t.stackSize = 16 << 20
            t.start()
        }
        return try box.waitAll().map { try $0.get() }
    }

    /// Every rank contributes `values`; every rank gets `combine` of all contributions (by rank).
    func exchange(_ values: [Double], rank: Int, combine: ([[Double]]) -> [Double]) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        while distributing { condition.wait() }
        contributions[rank] = values
        arrived += 1
        if arrived == size {
            let all = contributions.map { $0! }
            precondition(Set(all.map(\.count)).count == 1, "LocalGroup: ranks passed buffers of different lengths \(all.map(\.count))")
            result = combine(all)
            distributing = true
            condition.broadcast()
        } else {
            while !distributing { condition.wait() }
        }
        let r = result
        departed += 1
        if departed == size {
            (arrived, departed, distributing) = (0, 0, false)
            contributions = Array(repeating: nil, count: size)
            condition.broadcast()
        }
        return r
    }
}

/// The results of `LocalGroup.run`'s threads.
private final class ResultsBox<R>: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Result<R, Error>?]
    init(size: Int) { results = Array(repeating: nil, count: size) }
    func set(_ rank: Int, _ r: Result<R, Error>) {
        condition.lock()
        results[rank] = r
        condition.broadcast()
        condition.unlock()
    }
    func waitAll() -> [Result<R, Error>] {
        condition.lock()
        defer { condition.unlock() }
        while results.contains(where: { $0 == nil }) { condition.wait() }
        return results.map { $0! }
    }
}

/// One rank of a `LocalGroup`.
public final class LocalCommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    private let group: LocalGroup
    private var pending: [Int: () -> Void] = [:]
    private var nextID = 0
    public var size: Int { group.size }

    init(group: LocalGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    private func reduce<T: BinaryFloatingPoint>(_ values: UnsafeMutableBufferPointer<T>, _ combine: (Double, Double) -> Double) {
        let all = group.exchange(values.map { Double($0) }, rank: rank) { contributions in
            contributions.dropFirst().reduce(contributions[0]) { zip($0, $1).map(combine) }
        }
        for i in values.indices { values[i] = T(all[i]) }
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) { reduce(values, +) }
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) { reduce(values, +) }
    public func allReduceMax(_ values: UnsafeMutableBufferPointer<Double>) { reduce(values) { Swift.max($0, $1) } }

    private func postpone(_ work: @escaping () -> Void) -> PendingReduction {
        nextID += 1
        pending[nextID] = work
        return PendingReduction(id: nextID)
    }

    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> PendingReduction { self.postpone { self.allReduceSum(values) } }
    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Double>) -> PendingReduction { self.postpone { self.allReduceSum(values) } }

    public func wait(_ reduction: PendingReduction) {
        guard let work = pending.removeValue(forKey: reduction.id) else { preconditionFailure("LocalCommunicator: reduction \(reduction.id) is not pending") }
        work()
    }

    public func progress() {}

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) {
        // Bytes travel as Doubles (exact for 0…255).
        let all = group.exchange(bytes.map { Double($0) }, rank: rank) { $0[root] }
        for i in bytes.indices { bytes[i] = UInt8(all[i]) }
    }
}
