import Foundation
import Testing

@Suite("Standard streams: closed pipes, full disks, hostile text in messages")
struct StandardStreamTests {
    @Test("a reader that closes the pipe gets exit status 141, not a signal; the run's files are written")
    func brokenPipe() throws {
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let out = CLIRunner.temporaryPath("pipe.npy")
        let r = try CLIRunner.run(["integrate", "--system", "lorenz", "--method", "rk4", "--steps", "1000", "--out", out],
                                  standardOutput: pipe.fileHandleForWriting)
        #expect(r.exited && r.status == 141 && r.stderr.isEmpty, "\(r.status) \(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: out))
    }

    @Test("stdout on a full disk is an error (exit 1, one line), in text and JSON modes",
          .enabled(if: FileManager.default.isWritableFile(atPath: "/dev/full")))
    func fullDisk() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        for json in [false, true] {
            let r = try CLIRunner.run(["integrate", "--system", "harmonic", "--method", "rk4", "--steps", "10"] + (json ? ["--json"] : []),
                                      standardOutput: full)
            #expect(r.exited && r.status == 1)
            #expect(r.stderr.hasPrefix("Error: cannot write the output to stdout") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
    }

    @Test("control characters a user typed are escaped in every error message")
    func escapedMessages() throws {
        for arguments in [["eig", "--block", "a\u{1B}[31mb"], ["integrate", "--system", "x\u{7}y"], ["bogus\u{1B}]0;title\u{7}"]] {
            let r = try CLIRunner.run(arguments)
            #expect(r.status != 0)
            #expect(!r.stderr.unicodeScalars.contains { $0 != "\n" && $0.properties.generalCategory == .control }, "\(arguments)")
        }
    }
}
