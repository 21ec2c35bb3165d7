import Dispatch
import Foundation
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM during a long run: instead of killing the process mid-write, they
/// set a flag the run polls between batches, so it stops at a clean point (every write done,
/// the last checkpoint intact) and says how to resume.
final class Interrupt: @unchecked Sendable {
    private let flag = Atomic<Bool>(false)
    private var sources: [DispatchSourceSignal] = []

    /// - Parameter announce: whether to say on stderr that the run will stop (false on the
    ///   ranks of a data-parallel run other than 0, which all receive the launcher's signal).
    init(announce: Bool = true) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [unowned self] in
                if !self.flag.exchange(true, ordering: .relaxed) && announce {
                    FileHandle.standardError.write(Data("\nstopping after this batch (the last checkpoint stays as it is)…\n".utf8))
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Whether a signal has arrived.
    var isSet: Bool { flag.load(ordering: .relaxed) }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
