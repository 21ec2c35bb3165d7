import ArgumentParser
import Dynamics
import Foundation

/// `dynamics info`: the version, the BLAS/LAPACK actually linked and its threads.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the version, the linked BLAS/LAPACK and its thread count, and the MPI library.",
        discussion: "The thread count follows OPENBLAS_NUM_THREADS when it is set.")

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var version: String
        var blas: String
        var blasCore: String
        /// Why this core runs (OpenBLAS's choice, OPENBLAS_CORETYPE, or a better one selected).
        var blasCoreReason: String
        var blasThreads: Int
        var processors: Int
        var openblasNumThreadsVariable: String?
        /// The MPI library that `mpirun -np N dynamics train` runs on.
        var mpi: String
    }

    func run() throws {
        let report = Report(
            version: DynamicsCommand.version,
            blas: BLASConfiguration.configuration,
            blasCore: BLASConfiguration.coreName,
            blasCoreReason: BLASKernelChoice.explanation,
            blasThreads: BLASConfiguration.threads,
            processors: BLASConfiguration.processors,
            openblasNumThreadsVariable: ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"],
            mpi: MPICommunicator.libraryVersion)
        if output.json { return try Output.printJSON(report) }
        print("dynamics \(report.version)")
        print("BLAS/LAPACK  \(report.blas) + LAPACKE")
        print("core         \(report.blasCore) (\(report.blasCoreReason))")
        print("threads      \(report.blasThreads) of \(report.processors) processors"
              + (report.openblasNumThreadsVariable.map { " (OPENBLAS_NUM_THREADS=\($0))" } ?? ""))
        print("MPI          \(report.mpi) (mpirun -np N dynamics train: data-parallel)")
    }
}
