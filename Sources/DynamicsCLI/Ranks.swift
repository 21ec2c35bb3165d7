import ArgumentParser
import Dynamics
import Foundation

/// The MPI ranks a command runs among when a launcher started it (`mpirun -np N dynamics …`);
/// without a launcher the command is one process and MPI is never initialised.
enum Ranks {
    /// MPI's world communicator if a launcher started this process, else nil.
    static func start() -> MPICommunicator? { MPICommunicator.launched ? MPICommunicator() : nil }

    /// This process's rank as the launcher set it in the environment, before MPI starts
    /// (Open MPI's `OMPI_COMM_WORLD_RANK`, MPICH's `PMI_RANK`, Slurm's `SLURM_PROCID`); 0 without one.
    static var launchedRank: Int {
        guard MPICommunicator.launched else { return 0 }
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID"].lazy.compactMap { environment[$0].flatMap(Int.init) }.first ?? 0
    }

    /// Worker threads per rank when --threads is not given: the machine's cores shared among
    /// the ranks on it.
    static func defaultThreads(_ ranks: MPICommunicator) -> Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, ranks.localSize))
    }

    /// What a rank reports of an error, so that the job prints each failure once: rank 0 its
    /// own error, or one line naming the rank that failed; another rank its own error prefixed
    /// by its number, and nothing (only the exit status) for another rank's failure.
    static func reported(_ error: Error, by ranks: MPICommunicator?) -> Error {
        guard let ranks, ranks.isDistributed else { return error }
        if let peer = error as? PeerFailure { return ranks.rank == 0 ? CLIError(peer.description) : ExitCode.failure }
        if ranks.rank == 0 || error is ExitCode { return error }
        return CLIError("rank \(ranks.rank): \(DynamicsCommand.message(for: error))")
    }
}
