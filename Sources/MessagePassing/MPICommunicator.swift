import CMPI
import Foundation
import Networks

/// A `Communicator` over MPI (any MPI-3 library: Open MPI, MPICH and their derivatives) on
/// `MPI_COMM_WORLD`: the processes `mpirun -np N` (or `srun`, `mpiexec`) started, on one
/// machine or many.
///
/// Sums are `MPI_Allreduce`/`MPI_Iallreduce` in place with `MPI_SUM`, broadcasts `MPI_Bcast`;
/// buffers longer than `Int32.max` elements go in pieces. Only the thread that started MPI
/// calls it (`MPI_THREAD_FUNNELED`): the kernels' worker threads never communicate. Errors keep
/// MPI's default handler, `MPI_ERRORS_ARE_FATAL`: a rank that dies or cannot be reached ends
/// the whole job (the launcher kills the others) instead of leaving them waiting.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    /// The ranks on this machine (`MPI_COMM_TYPE_SHARED`), which share its cores.
    public let localSize: Int
    /// Started reductions by id, each in pieces (one request per `Int32.max` elements).
    private var started: [(id: Int, requests: [dynamics_mpi_request])] = []
    private var nextID = 0
    /// Seconds spent inside MPI's collectives (blocking sums and broadcasts, waits), summed
    /// since initialisation: the communication a run did not overlap with computation.
    public private(set) var seconds = 0.0
    /// Collectives called since initialisation (blocking ones and waits for started ones).
    public private(set) var calls = 0

    /// Runs `body` and adds its duration to `seconds`.
    private func timed(_ body: () -> Void) {
        calls += 1
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Whether a launcher started this process as one of several ranks: `mpirun`/`mpiexec` of
    /// Open MPI (`OMPI_COMM_WORLD_SIZE`), of MPICH or Intel MPI (`PMI_SIZE`), or a PMIx
    /// launcher such as Slurm's `srun` (`PMIX_RANK` with `SLURM_NTASKS`). Without one, a
    /// command runs as one process and never initialises MPI (no start-up cost, no daemon).
    public static var launched: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"].contains { Int(environment[$0] ?? "").map { $0 > 1 } ?? false }
    }

    /// The MPI library's own description (`MPI_Get_library_version`, callable before
    /// initialisation), first line only.
    public static var libraryVersion: String {
        var buffer = [CChar](repeating: 0, count: Int(dynamics_mpi_max_library_version_string()) + 1)
        var length: Int32 = 0
        guard MPI_Get_library_version(&buffer, &length) == MPI_SUCCESS else { return "unknown" }
        let text = String(decoding: buffer.prefix(Int(length)).prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? text
    }

    /// Initialises MPI for this process (`MPI_Init_thread`, funneled) and returns the world
    /// communicator. Call once, from the thread that will make every MPI call; `finish` ends it.
    public init() {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(dynamics_mpi_thread_funneled()), &provided)
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(dynamics_mpi_comm_world(), &r)
        MPI_Comm_size(dynamics_mpi_comm_world(), &s)
        (rank, size, localSize) = (Int(r), Int(s), Int(dynamics_mpi_local_size()))
    }

    /// Ends MPI (`MPI_Finalize`): every rank calls it once its last collective is done.
    public func finish() {
        MPI_Finalize()
    }

    /// Ends every rank of the job at once (`MPI_Abort`), for a failure the others cannot learn of.
    public func abort(status: Int32) -> Never {
        MPI_Abort(dynamics_mpi_comm_world(), status)
        exit(status)
    }

    /// `count` elements from `base` in pieces of at most `Int32.max`.
    private func pieces(_ count: Int, _ body: (_ offset: Int, _ count: Int32) -> Void) {
        var offset = 0
        repeat {
            let n = min(count - offset, Int(Int32.max))
            body(offset, Int32(n))
            offset += n
        } while offset < count
    }

    private func reduce<T>(_ values: UnsafeMutableBufferPointer<T>, _ type: MPI_Datatype, _ op: MPI_Op) {
        guard let base = values.baseAddress, !values.isEmpty else { return }
        timed {
            pieces(values.count) { offset, n in
                MPI_Allreduce(dynamics_mpi_in_place(), base + offset, n, type, op, dynamics_mpi_comm_world())
            }
        }
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) { reduce(values, dynamics_mpi_float(), dynamics_mpi_sum()) }
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) { reduce(values, dynamics_mpi_double(), dynamics_mpi_sum()) }
    public func allReduceMax(_ values: UnsafeMutableBufferPointer<Double>) { reduce(values, dynamics_mpi_double(), dynamics_mpi_max()) }

    private func start<T>(_ values: UnsafeMutableBufferPointer<T>, _ type: MPI_Datatype) -> PendingReduction {
        nextID += 1
        var requests: [dynamics_mpi_request] = []
        if let base = values.baseAddress, !values.isEmpty {
            pieces(values.count) { offset, n in
                var request = dynamics_mpi_request_make()
                dynamics_mpi_iallreduce_sum(base + offset, n, type, &request)
                requests.append(request)
            }
        }
        started.append((nextID, requests))
        return PendingReduction(id: nextID)
    }

    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> PendingReduction { start(values, dynamics_mpi_float()) }
    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Double>) -> PendingReduction { start(values, dynamics_mpi_double()) }

    public func wait(_ reduction: PendingReduction) {
        guard let index = started.firstIndex(where: { $0.id == reduction.id }) else {
            preconditionFailure("MPICommunicator: reduction \(reduction.id) is not pending")
        }
        var requests = started.remove(at: index).requests
        timed { for k in requests.indices { dynamics_mpi_wait(&requests[k]) } }
    }

    public func progress() {
        for i in started.indices {
            for k in started[i].requests.indices { _ = dynamics_mpi_test(&started[i].requests[k]) }
        }
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        timed {
            pieces(bytes.count) { offset, n in
                MPI_Bcast(base + offset, n, dynamics_mpi_byte(), Int32(root), dynamics_mpi_comm_world())
            }
        }
    }
}
