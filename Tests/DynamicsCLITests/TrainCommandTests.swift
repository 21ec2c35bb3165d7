import Foundation
import LinearAlgebra
import Testing

@Suite("dynamics train and evaluate, end to end")
struct TrainCommandTests {
    @Test("train on a synthetic set with a checkpoint and a log; evaluate the checkpoint")
    func trainAndEvaluate() throws {
        let folder = CLIRunner.temporaryPath("ckpt-\(UInt32.random(in: 0...UInt32.max))"), log = CLIRunner.temporaryPath("log.jsonl")
        try? FileManager.default.removeItem(atPath: log)
        let r = try CLIRunner.run(["train", "--data", "synthetic:circles", "--arch", "hamiltonian", "--units", "1,1,1",
                                   "--filters", "4,4,8,8", "--epochs", "2", "--batch-size", "50", "--lr", "0.05",
                                   "--subsample", "0.2", "--checkpoint", folder, "--log", log, "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        for key in ["testAccuracy", "trainLoss", "epochs", "imagesPerSecond", "parameters", "peakResidentMB"] { #expect(json[key] != nil, "\(key)") }
        #expect(json["epochs"] as? Int == 2)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines[0].contains("\"epoch\":1"))
        let e = try CLIRunner.run(["evaluate", "--checkpoint", folder, "--data", "synthetic:circles", "--json"])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.json?["testAccuracy"] as? Double == json["testAccuracy"] as? Double)
        let resumed = try CLIRunner.run(["train", "--resume", folder, "--epochs", "3", "--threads", "1", "--json"])
        #expect(resumed.status == 0 && resumed.json?["epochs"] as? Int == 3, "\(resumed.stderr)")
    }

    /// The network with batch norm and the authors' regularisation trains (1×8×8 images, 3
    /// classes), reports its size
    /// (the closed form's, which `dynamics presets` also prints), and evaluates from its
    /// checkpoint (the running statistics of every batch norm round-trip) to the same accuracy.
    @Test("train --norm batch --regularize weights: trains, reports its parameters, evaluates the same from the checkpoint")
    func batchNorm() throws {
        let folder = CLIRunner.temporaryPath("ckpt-bn-\(UInt32.random(in: 0...UInt32.max))")
        let r = try CLIRunner.run(["train", "--data", "synthetic:circles", "--arch", "revnet", "--units", "1,1,1",
                                   "--filters", "4,4,8,8", "--norm", "batch", "--regularize", "weights", "--epochs", "2",
                                   "--batch-size", "50", "--lr", "0.05", "--subsample", "0.2", "--checkpoint", folder,
                                   "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        // revnet, widths 4,4,8,8 on 1-channel images, 2 classes, with batch norm: stem 9·4 + 2·4,
        // units 2·(9·2·2 + 4·2 + 9·2·2) at width 4 (twice: stage 1 and stage 2's first unit) and
        // 2·(9·4·4 + 4·4 + 9·4·4) at width 8, head 2·8 + 8·3 + 3 (three classes).
        #expect(json["parameters"] as? Int == (36 + 8) + 2 * 2 * (36 + 8 + 36) + 2 * (144 + 16 + 144) + (16 + 24 + 3))
        let e = try CLIRunner.run(["evaluate", "--checkpoint", folder, "--data", "synthetic:circles", "--json"])
        #expect(e.status == 0 && e.json?["testAccuracy"] as? Double == json["testAccuracy"] as? Double, "\(e.stderr)")
        let bad = try CLIRunner.run(["train", "--arch", "midpoint", "--norm", "batch", "--epochs", "1"])
        #expect(bad.status != 0 && bad.stderr.hasPrefix("Error: --norm: midpoint blocks have no batch-norm variant"), "\(bad.stderr)")
    }

    /// A threshold no rounding meets makes every segment fail at the first step; the
    /// warning names the units, the epoch line and the log say they are stored. Units 1,1,1:
    /// a stage's first unit runs at the previous width and then downsamples, so the segments
    /// are units 0–1 and 2.
    @Test("the reversible-training guard: warns on stderr, stores with --reconstruction-fallback, logs per epoch; refused for stored backprop")
    func reconstructionGuard() throws {
        let log = CLIRunner.temporaryPath("guard-\(UInt32.random(in: 0...UInt32.max)).jsonl")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let r = try CLIRunner.run(["train", "--data", "synthetic:circles", "--arch", "hamiltonian", "--units", "1,1,1", "--filters", "4,4,8,8",
                                   "--epochs", "2", "--batch-size", "50", "--subsample", "0.2", "--threads", "1", "--log", log,
                                   "--reconstruction-threshold", "1e-30", "--reconstruction-fallback", "--check-reconstruction-every", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("Warning: epoch 1, batch 1: units 0–1 rebuilt their inputs with relative error"), "\(r.stderr)")
        #expect(r.stderr.contains("they keep their inputs from now on"))
        #expect(r.stdout.contains("stored units 0–1, 2–2"), "\(r.stdout)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let lastLine = try #require(lines.last)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
        let segments = try #require((last["reconstruction"] as? [String: Any])?["segments"] as? [[String: Any]])
        #expect(segments.count == 2 && segments.allSatisfy { $0["stored"] as? Bool == true })

        let healthy = try CLIRunner.run(["train", "--data", "synthetic:circles", "--arch", "hamiltonian", "--units", "1,1,1", "--filters", "4,4,8,8",
                                         "--epochs", "1", "--batch-size", "50", "--subsample", "0.2", "--threads", "1"])
        #expect(healthy.status == 0 && !healthy.stderr.contains("Warning") && healthy.stdout.contains("rebuild error"), "\(healthy.stderr)")
        for (arguments, flag) in [(["--arch", "resnet", "--reconstruction-fallback"], "--reconstruction-fallback"),
                                  (["--arch", "hamiltonian", "--backprop", "stored", "--check-reconstruction-every", "5"], "--check-reconstruction-every")] {
            let bad = try CLIRunner.run(["train", "--epochs", "1"] + arguments)
            #expect(bad.status != 0 && bad.stderr.hasPrefix("Error: \(flag) applies to reversible backprop only"), "\(bad.stderr)")
        }
    }

    @Test("export to safetensors; evaluate and predict from it as from the checkpoint; predict writes N×classes logits to .npy")
    func exportAndPredict() throws {
        let folder = CLIRunner.temporaryPath("ckpt-export-\(UInt32.random(in: 0...UInt32.max))")
        let weights = CLIRunner.temporaryPath("w-\(UInt32.random(in: 0...UInt32.max)).safetensors"), logits = weights + ".npy"
        defer { for p in [folder, weights, logits] { try? FileManager.default.removeItem(atPath: p) } }
        let t = try CLIRunner.run(["train", "--data", "synthetic:circles", "--arch", "resnet", "--units", "1,1,1", "--filters", "4,4,8,8",
                                   "--norm", "batch", "--epochs", "1", "--batch-size", "50", "--subsample", "0.2", "--checkpoint", folder, "--threads", "1"])
        #expect(t.status == 0, "\(t.stderr)")
        let e = try CLIRunner.run(["export", "--checkpoint", folder, "--to", weights])
        #expect(e.status == 0 && e.stdout.contains("tensors"), "\(e.stderr)")
        let fromCheckpoint = try CLIRunner.run(["evaluate", "--checkpoint", folder, "--data", "synthetic:circles", "--json"])
        let fromWeights = try CLIRunner.run(["evaluate", "--weights", weights, "--data", "synthetic:circles", "--json"])
        let accuracy = try #require(fromCheckpoint.json?["testAccuracy"] as? Double)
        #expect(fromWeights.json?["testAccuracy"] as? Double == accuracy, "\(fromWeights.stderr)")
        let p = try CLIRunner.run(["predict", "--weights", weights, "--out", logits, "--json"])
        #expect(p.status == 0 && p.json?["accuracy"] as? Double == accuracy, "\(p.stderr)")
        let array = try NumPyArray(contentsOf: logits)
        #expect(array.shape == [600, 3] && array.dtype == .float32)
        let bad = try CLIRunner.run(["export", "--checkpoint", folder, "--to", weights + ".bin"])
        #expect(bad.status != 0 && bad.stderr.contains("--to must name a .safetensors file"), "\(bad.stderr)")
        // train --init trains from the file (the library test checks the weights it starts from).
        let initialised = try CLIRunner.run(["train", "--data", "synthetic:circles", "--init", weights, "--epochs", "1", "--subsample", "0.2",
                                             "--batch-size", "50", "--threads", "1", "--json"])
        #expect(initialised.status == 0 && initialised.json?["epochs"] as? Int == 1, "\(initialised.stderr)")
        let reshaped = try CLIRunner.run(["train", "--init", weights, "--units", "2,2,2"])
        #expect(reshaped.status != 0 && reshaped.stderr.contains("--units cannot change the architecture of --init weights"), "\(reshaped.stderr)")
        let both = try CLIRunner.run(["predict", "--checkpoint", folder, "--weights", weights])
        #expect(both.status != 0 && both.stderr.contains("give one of --checkpoint DIR or --weights"), "\(both.stderr)")
    }

    @Test("dynamics presets: every preset with its depth, size and source; the Hamiltonian ones within 2% of the published sizes")
    func presets() throws {
        let r = try CLIRunner.run(["presets", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]])
        #expect(rows.count == 9)
        for row in rows where (row["name"] as? String)?.hasPrefix("hamiltonian") == true {
            guard let published = row["publishedParameters"] as? Int else { continue }
            let n = try #require(row["parameters"] as? Int)
            #expect(abs(Double(n - published)) <= 0.02 * Double(published), "\(row)")
        }
        #expect(rows.allSatisfy { ($0["source"] as? String)?.isEmpty == false && $0["depth"] != nil })
    }

    @Test("--convolution direct and winograd train alike, but not bit for bit (the switch takes effect)")
    func convolutionAlgorithms() throws {
        // Hamiltonian halves of 8, 16 and 32 channels on 16×16, 8×8 and 4×4 planes: the first two
        // stages suit Winograd's kernels (on AVX-512 machines; elsewhere both runs are identical).
        func loss(_ algorithm: String) throws -> Double {
            let r = try CLIRunner.run(["train", "--data", "synthetic:shapes", "--arch", "hamiltonian", "--units", "1,1,1",
                                       "--filters", "16,16,32,64", "--epochs", "1", "--batch-size", "32", "--lr", "0.05",
                                       "--subsample", "0.25", "--threads", "1", "--convolution", algorithm, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            return try #require(r.json?["trainLoss"] as? Double)
        }
        let (winograd, direct) = (try loss("winograd"), try loss("direct"))
        #expect(abs(winograd - direct) <= 1e-3 * abs(direct), "\(winograd) vs \(direct)")
        let avx512 = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains(" avx512f") ?? false
        if avx512 { #expect(winograd != direct) }
        let bad = try CLIRunner.run(["bench", "--preset", "hamiltonian-74", "--convolution", "fft"])
        #expect(bad.status != 0 && bad.stderr.contains("winograd"), "\(bad.stderr)")
    }

    @Test("bad training input is one clear error", arguments: [
        (["train", "--preset", "hamiltonian-75"], "unknown preset"),
        (["train", "--lr", "-1"], "--lr must be a positive number"),
        (["train", "--data", "imagenet:/x"], "is not a data set"),
        (["train", "--data", "cifar10:/nonexistent"], "no such folder"),
        (["train", "--arch", "hamiltonian", "--filters", "3,3,6,6"], "must be even"),
        (["train", "--arch", "resnet", "--backprop", "reversible", "--epochs", "1"], "no exact inverse"),
        (["evaluate", "--checkpoint", "/nonexistent", "--data", "synthetic:shapes"], "no checkpoint here"),
    ])
    func badInput(arguments: [String], expected: String) throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status != 0 && r.stderr.contains(expected), "stderr was: \(r.stderr)")
    }
}
