/// The guard of reversible training. Reversible backpropagation rebuilds each unit's input by
/// the method's inverse step (Chang et al. 2018, Algorithm 1); exact in exact arithmetic, in
/// Float it carries rounding errors that the inverse steps amplify as the forward map expands
/// perturbations (Gomez et al. 2017, §5, observed it for RevNets; healthy trained chains here
/// rebuild to 1e-8–1e-7 relative, `lyapunov --checkpoint`). Every `every` optimisation steps
/// the training run measures, for each segment (`Network.segments`) it rebuilt, the relative
/// error of the rebuilt state where the segment starts — that state is known there, so
/// measuring costs no memory and a transition's (or a downsampling unit's) forward pass —
/// and reports a segment over `threshold`; with `fallback`, that segment keeps its units'
/// inputs (stored backpropagation, its memory) for the rest of the run.
public struct ReconstructionCheck: Codable, Sendable, Equatable {
    /// Measure every this many optimisation steps, from the first (0: never).
    public var every: Int
    /// The relative error ‖x̃ − x‖₂/‖x‖₂ above which a segment is reported. 1e-4 by default:
    /// three orders above what healthy trained chains show, far below what moves SGD's
    /// gradients (a relative gradient error of about that size).
    public var threshold: Double
    /// Whether a segment over the threshold switches to stored activations.
    public var fallback: Bool

    public init(every: Int = 10, threshold: Double = 1e-4, fallback: Bool = false) {
        self.every = every
        self.threshold = threshold
        self.fallback = fallback
    }

    /// The largest `every`.
    public static let maximumEvery = 1 << 40

    /// Whether the check measures at this (0-based, run-wide) optimisation step.
    public func measures(atStep step: Int) -> Bool { every > 0 && step % every == 0 }

    /// Whether an error is over the threshold (a non-finite one is).
    public func exceeds(_ error: Double) -> Bool { !(error <= threshold) }
}

/// What one reversible training step keeps and measures (`Network.accumulateGradient(images:
/// labels:rebuilding:into:)`).
public struct RebuildPlan: Sendable, Equatable {
    /// Segments, by first unit, whose units' inputs are kept instead of rebuilt.
    public var storedSegments: Set<Int>
    /// Whether to measure each rebuilt segment's reconstruction error.
    public var measure: Bool

    public init(storedSegments: Set<Int> = [], measure: Bool = false) {
        self.storedSegments = storedSegments
        self.measure = measure
    }
}

/// A segment whose rebuilt input was over the threshold, when it was.
public struct ReconstructionWarning: Sendable, Equatable {
    /// Epoch and batch, 1-based.
    public var epoch: Int, batch: Int
    /// The segment's first and last unit.
    public var units: ClosedRange<Int>
    public var error: Double, threshold: Double
    /// Whether the segment keeps its inputs from the next step on (`ReconstructionCheck.fallback`).
    public var stored: Bool
}

/// One segment's measurements over an epoch, in the epoch log.
public struct SegmentReconstruction: Codable, Sendable, Equatable {
    /// The segment's first and last unit.
    public var units: [Int]
    /// The largest relative error measured in the epoch (nil: not measured, the segment was
    /// stored; 1.8e308, `Double.greatestFiniteMagnitude`, stands for a non-finite error, which
    /// JSON cannot hold).
    public var worst: Double?
    /// Measurements over the threshold.
    public var exceeded: Int
    /// Whether the segment kept its inputs (instead of rebuilding them) by the epoch's end.
    public var stored: Bool
}

/// The reconstruction checks of one epoch, in the epoch log.
public struct ReconstructionRecord: Codable, Sendable, Equatable {
    /// Optimisation steps measured in the epoch.
    public var measuredSteps: Int
    /// Every segment measured, or stored, in order.
    public var segments: [SegmentReconstruction]

    /// The largest error over the segments (nil: none was measured).
    public var worst: Double? { segments.compactMap(\.worst).max() }
}

/// The check's state in a run: which segments are stored, and what this epoch measured.
struct ReconstructionMonitor {
    let check: ReconstructionCheck
    let segments: [Range<Int>]
    private(set) var storedSegments: Set<Int>
    private var measuredSteps = 0
    private var worst: [Int: Double] = [:], exceeded: [Int: Int] = [:]

    init(check: ReconstructionCheck, segments: [Range<Int>], storedSegments: Set<Int>) {
        self.check = check
        self.segments = segments
        self.storedSegments = storedSegments
    }

    /// The plan of a (0-based, run-wide) optimisation step.
    func plan(step: Int) -> RebuildPlan { RebuildPlan(storedSegments: storedSegments, measure: check.measures(atStep: step)) }

    /// Takes one step's measurements; returns the segments over the threshold (storing them
    /// from now on with `fallback`).
    mutating func record(_ measured: [Int: Double], epoch: Int, batch: Int) -> [ReconstructionWarning] {
        guard !measured.isEmpty else { return [] }
        measuredSteps += 1
        var warnings: [ReconstructionWarning] = []
        for range in segments {
            guard let error = measured[range.lowerBound] else { continue }
            let finite = error.isFinite ? error : .greatestFiniteMagnitude
            worst[range.lowerBound] = max(worst[range.lowerBound] ?? 0, finite)
            guard check.exceeds(error) else { continue }
            // Reported once per segment and epoch; a stored segment is not measured again.
            if exceeded[range.lowerBound, default: 0] == 0 || check.fallback {
                warnings.append(ReconstructionWarning(epoch: epoch, batch: batch, units: range.lowerBound...(range.upperBound - 1),
                                                      error: error, threshold: check.threshold, stored: check.fallback))
            }
            exceeded[range.lowerBound, default: 0] += 1
            if check.fallback { storedSegments.insert(range.lowerBound) }
        }
        return warnings
    }

    /// The epoch's record (nil if nothing was measured or stored), and a fresh epoch.
    mutating func finishEpoch() -> ReconstructionRecord? {
        defer { (measuredSteps, worst, exceeded) = (0, [:], [:]) }
        let rows = segments.compactMap { range -> SegmentReconstruction? in
            let k = range.lowerBound, stored = storedSegments.contains(k)
            guard worst[k] != nil || stored else { return nil }
            return SegmentReconstruction(units: [k, range.upperBound - 1], worst: worst[k], exceeded: exceeded[k] ?? 0, stored: stored)
        }
        return rows.isEmpty ? nil : ReconstructionRecord(measuredSteps: measuredSteps, segments: rows)
    }
}
