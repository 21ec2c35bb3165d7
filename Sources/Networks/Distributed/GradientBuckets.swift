import Dispatch
import LinearAlgebra

/// A part of a network's gradient that becomes final at one point of the backward pass: the
/// head's (classifier and batch norm, first), each stage's units with their downsampling
/// units, and the stem's (last).
public enum GradientPart: Hashable, Sendable {
    case head
    case units(Range<Int>)
    case stem
}

/// Sums a data-parallel step's gradient across the ranks while the backward pass goes on
/// (the bucketed, overlapped all-reduce of Li et al., "PyTorch Distributed", VLDB 2020, with
/// a bucket per `GradientPart`): as the pass finishes a part, `partFinal` copies it into the
/// part's buffer and starts a non-blocking sum; `finish` waits for them all and adds the sums
/// into the optimiser's velocity. Buffers are kept from step to step.
///
/// The backward pass of the reversible networks finishes the widest stage (most of the
/// parameters) first, so its sum runs while the earlier stages are rebuilt and differentiated.
public final class GradientBuckets<Family: BlockFamily> {
    public let communicator: any Communicator
    private var buffers: [GradientPart: UnsafeMutableBufferPointer<Family.Scalar>] = [:]
    private var pending: [(part: GradientPart, reduction: PendingReduction)] = []
    /// Seconds spent waiting for the sums in `finish`, summed over the steps (what the
    /// overlap did not hide).
    public private(set) var waitSeconds = 0.0

    public init(communicator: any Communicator) { self.communicator = communicator }

    deinit { for b in buffers.values { b.deallocate() } }

    /// Starts the sum of a final part of `g`.
    func partFinal(_ part: GradientPart, _ g: NetworkGradient<Family>) {
        var g = g
        var count = 0
        g.visitParameters(of: part) { count += $0.count }
        guard count > 0 else { return }
        if buffers[part]?.count != count {
            buffers[part]?.deallocate()
            buffers[part] = .allocate(capacity: count)
        }
        let buffer = buffers[part]!
        var offset = 0
        g.visitParameters(of: part) { a in
            a.withUnsafeBufferPointer { a in _ = UnsafeMutableBufferPointer(rebasing: buffer[offset..<(offset + a.count)]).initialize(from: a) }
            offset += a.count
        }
        pending.append((part, communicator.startAllReduceSum(buffer)))
    }

    /// Called after each unit of the backward pass, so that started sums move on.
    func unitFinished() {
        if !pending.isEmpty { communicator.progress() }
    }

    /// Waits for every started sum and adds it into `velocity` (the parts' arrays, in the
    /// network's order).
    func finish(into velocity: inout NetworkGradient<Family>) {
        let start = DispatchTime.now().uptimeNanoseconds
        for (_, reduction) in pending { communicator.wait(reduction) }
        waitSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        for (part, _) in pending {
            let buffer = buffers[part]!
            var offset = 0
            velocity.visitParameters(of: part) { v in
                v.withUnsafeMutableBufferPointer { v in for i in v.indices { v[i] += buffer[offset + i] } }
                offset += v.count
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}

extension NetworkGradient {
    /// `visitParameters` restricted to one part, in the same order.
    mutating func visitParameters(of part: GradientPart, _ body: (inout [Scalar]) -> Void) {
        switch part {
        case .head:
            norm.visitParameters(body)
            classifier.visitParameters(body)
        case .units(let range):
            for j in range {
                units[j].visitParameters(body)
                downsamplers[j]?.visitParameters(body)
            }
        case .stem:
            stem.visitParameters(body)
        }
    }
}
