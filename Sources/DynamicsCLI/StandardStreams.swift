import ArgumentParser
import CStreams
import Dynamics
import Foundation

/// How the process meets its standard streams: a reader that goes away, a full disk behind
/// stdout, and messages that quote what a user typed.
enum StandardStreams {
    /// The exit status of a run whose stdout reader closed the pipe (`… | head`): the status a
    /// shell reports for a process killed by SIGPIPE, without the signal.
    static let brokenPipeExitCode: Int32 = 128 + SIGPIPE

    /// Ignores SIGPIPE, so a closed stdout is an error that `finish` reports instead of a
    /// signal that kills the process mid-write (a training run keeps going and checkpoints).
    static func prepare() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Flushes stdout and returns the exit status for a run that would otherwise end with
    /// `status`: output that could not be written (a full disk, a closed pipe) is a failure, said
    /// on stderr for a full disk, silent for a reader that left.
    static func finish(status: Int32) -> Int32 {
        let problem = dynamics_flush_stdout()
        if problem == 0 { return status }
        if problem == EPIPE { return brokenPipeExitCode }
        let reason = problem > 0 ? String(cString: strerror(problem)) : "a write failed"
        printError("Error: cannot write the output to stdout (\(reason)); nothing printed can be trusted complete")
        return 1
    }

    /// Writes a message to stderr, each line with its control characters escaped (a value a
    /// user typed with an escape sequence cannot recolour or rewrite the terminal).
    static func printError(_ message: String) {
        let safe = message.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).printable }.joined(separator: "\n")
        FileHandle.standardError.write(Data((safe + "\n").utf8))
    }
}
