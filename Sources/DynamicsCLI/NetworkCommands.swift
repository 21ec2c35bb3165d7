import ArgumentParser
import Dynamics
import Foundation

/// `dynamics gradcheck`: are the network gradients right?
struct Gradcheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a network's gradients: reversible vs stored backprop (float) and stored vs central differences (double).",
        discussion: """
            Uses a small network of the block (widths 4, 4, 8, 8; 8×8 images; batch 3; tanh, since \
            ReLU's kinks make finite differences unreliable) with --depth units spread over the \
            three stages.
            """)

    @Option(help: "The block: \(Block.allCases.map(\.rawValue).joined(separator: ", ")).")
    var arch: Block

    @Option(help: "Number of units (at least 3: one per stage).")
    var depth: Int = 6

    @Option(help: "Parameters sampled for the finite-difference check.")
    var samples: Int = 30

    @Option(help: "Seed of the weights and data.")
    var seed: UInt64 = 1

    @Option(help: "Batch norm in the stem and blocks: none (default) or batch (differentiated through the batch's statistics).")
    var norm: Normalization = .none

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var arch: Block
        var depth: Int
        var normalization: Normalization
        var reversibleVsStored: Double?
        var finiteDifference: Double
    }

    func validate() throws {
        guard (3...3000).contains(depth) else { throw ValidationError("--depth must be at least 3 (one unit per stage) and at most 3000, got \(depth)") }
        guard (1...1_000_000).contains(samples) else { throw ValidationError("--samples must be from 1 to 1000000, got \(samples)") }
    }

    func architecture() throws -> Architecture {
        let units = [depth / 3 + (depth % 3 > 0 ? 1 : 0), depth / 3 + (depth % 3 > 1 ? 1 : 0), depth / 3]
        // Blocks with a default h below 1 (the ODE blocks) run at h = 0.3, so that each unit
        // changes its features noticeably; ResNet and RevNet have h = 1 by construction.
        return try mappingLibraryErrors {
            try Architecture(block: arch, units: units, filters: [4, 4, 8, 8],
                             stepSize: arch.defaultStepSize < 1 ? 0.3 : nil, activation: .tanh, normalization: norm)
        }
    }

    func batch<T: BLASScalar>(_: T.Type) -> (Tensor<T>, [Int]) {
        var g = SeededGenerator(seed: seed &+ 100)
        let values = (0..<(3 * 3 * 8 * 8)).map { _ in T(Gaussian.sample(using: &g)) }
        return (Tensor(nchw: values, batch: 3, channels: 3, height: 8, width: 8), [0, 1, 2])
    }

    func run() throws {
        let a = try architecture()
        let (xd, yd) = batch(Double.self), (xf, yf) = batch(Float.self)
        let fd = try a.block.run(FiniteDifferenceCheck(GradientCheckBatch(architecture: a, images: xd, labels: yd, classes: 3, seed: seed),
                                                       samples: samples))
        let rs = try a.block.run(ReversibleVsStoredCheck(GradientCheckBatch(architecture: a, images: xf, labels: yf, classes: 3, seed: seed)))
        let report = Report(arch: arch, depth: depth, normalization: norm, reversibleVsStored: rs, finiteDifference: fd)
        if output.json { return try Output.printJSON(report) }
        print("\(arch.rawValue), \(depth) units" + (norm == .batch ? ", batch norm" : ""))
        print("reversible vs stored (float), max relative difference: " + (rs.map { Output.sci($0, digits: 3) } ?? " n/a (no exact inverse)"))
        print("stored vs central differences (double), max relative error: " + Output.sci(fd, digits: 3))
    }
}

/// `dynamics bench`: training-step throughput of a preset on random data.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time training steps of a preset on random data: images/s, useful GFLOP/s against SGEMM, peak memory.",
        discussion: """
            Useful FLOPs are 3× the convolution FLOPs of a forward pass (forward, input gradient, \
            weight gradient), whatever the backprop mode; recomputation in reversible mode is not \
            counted as useful, and neither is the arithmetic Winograd's algorithm saves: useful \
            FLOPs are the direct sum's (--convolution direct times the direct kernels). \
            sgemmGflops is square SGEMM (n = 2048) measured in the same run, before \
            and after the steps (the better of the two); fmaPeakGflops is the FP32 \
            fused-multiply-add peak of the BLAS threads, measured by twelve independent FMA chains \
            per thread in the CPU's widest vectors, so the fraction means the same on every machine. \
            Timings on a shared machine vary by ±10%: compare runs made one after another.
            """)

    @OptionGroup var shape: ArchitectureOptions

    @Option(help: "Mini-batch size.")
    var batch: Int = 128

    @Option(parsing: .unconditional, help: "Image size, S or HxW (3 channels; default 32).", transform: Arguments.size)
    var size: ImageSize = ImageSize(height: 32, width: 32)

    @Option(help: "Backpropagation: reversible or stored (default: reversible where the block allows it).")
    var backprop: Backprop?

    @Option(help: "Timed steps (after one warm-up step).")
    var steps: Int = 3

    @Option(help: "3×3 convolutions: winograd (F(2×2, 3×3) where the plane suits, direct elsewhere) or direct.")
    var convolution: ConvolutionAlgorithm = .winograd

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var architecture: Architecture
        var convolution: ConvolutionAlgorithm
        /// Whether the AVX-512 kernels ran (false: im2col + SGEMM, whatever `convolution` says).
        var avx512Kernels: Bool
        var depth: Int
        var backprop: Backprop
        var batch: Int
        var size: ImageSize
        var parameters: Int
        var threads: Int
        var secondsPerStep: Double
        var imagesPerSecond: Double
        var gflops: Double
        var sgemmGflops: Double
        /// The FP32 FMA peak of `threads` threads (`FMAPeak`).
        var fmaPeakGflops: Double
        /// The OpenBLAS kernel that ran SGEMM and the im2col convolutions.
        var blasCore: String
        var peakResidentMB: Double
    }

    func validate() throws {
        guard (1...TrainingConfiguration.maximumBatchSize).contains(batch) else {
            throw ValidationError("--batch must be from 1 to \(TrainingConfiguration.maximumBatchSize), got \(batch)")
        }
        guard (1...1_000_000).contains(steps) else { throw ValidationError("--steps must be from 1 to 1000000, got \(steps)") }
    }

    func run() throws {
        let architecture = try shape.architecture()
        let backprop = self.backprop ?? .default(for: architecture.block)
        try mappingLibraryErrors {
            try architecture.checkInput(height: size.height, width: size.width)
            try architecture.checkMemory(inputChannels: 3, classes: 10)
            // The batch's images and the widest stage's activations, a few of them live at once.
            guard SafeSize.fitsInMemory(SafeSize.product([batch, size.height, size.width, max(3, architecture.filters[1]), 4]), width: 4) else {
                throw ArchitectureError(.imageSize, "a batch of \(batch) images of \(size) would not fit in memory; use a smaller --batch or --size")
            }
            try ArchitectureError.check(backprop, for: architecture.block)
        }
        let network = TrainableNetwork.make(architecture, inputChannels: 3, classes: 10, seed: 1,
                                            context: ComputeContext(convolution: convolution))
        var g = SeededGenerator(seed: 2)
        let (height, width) = (size.height, size.width)
        let images = Tensor<Float>(channels: 3, batch: batch, height: height, width: width,
                                   data: (0..<(3 * batch * height * width)).map { _ in Float(Gaussian.sample(using: &g)) })
        let labels = (0..<batch).map { _ in Int.random(in: 0..<10, using: &g) }
        // The FMA peak first, before BLAS's threads have work to spin after.
        let fmaPeak = FMAPeak.measure(threads: BLASConfiguration.threads)
        let forwardFlops = network.forwardFlops(images)
        // SGEMM before and after the steps, the better one kept: on a shared machine one
        // measurement now and then comes out at one core's rate, which would flatter the ratio.
        let sgemmBefore = GEMMThroughput.measure(Float.self, n: 2048)
        let step = TrainableNetwork.TrainingStep(rate: 0.01, backprop: backprop)
        _ = try network.step(images: images, labels: labels, step)
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { _ = try network.step(images: images, labels: labels, step) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 / Double(steps)
        let peak = ProcessMemory.peakResidentMB  // training's, before the second SGEMM's 48 MB of matrices
        let report = Report(architecture: architecture, convolution: convolution, avx512Kernels: ConvolutionAlgorithm.kernelsAvailable, depth: architecture.depth, backprop: backprop, batch: batch, size: size, parameters: network.parameterCount,
                            threads: BLASConfiguration.threads, secondsPerStep: seconds, imagesPerSecond: Double(batch) / seconds,
                            gflops: 3 * forwardFlops / seconds / 1e9, sgemmGflops: max(sgemmBefore, GEMMThroughput.measure(Float.self, n: 2048)),
                            fmaPeakGflops: fmaPeak, blasCore: BLASConfiguration.coreName,
                            peakResidentMB: peak)
        if output.json { return try Output.printJSON(report) }
        print("\(shape.preset ?? architecture.block.rawValue) (depth \(report.depth), \(report.parameters) parameters), batch \(batch), \(height)×\(width), \(backprop.rawValue) backprop, "
              + (report.avx512Kernels ? "\(convolution.rawValue) convolutions" : "im2col + SGEMM convolutions (no AVX-512 on this CPU)")
              + ", \(report.threads) BLAS threads")
        print(String(format: "%.3f s/step   %.1f images/s   useful %.1f GFLOP/s = %.0f%% of SGEMM (%.1f GFLOP/s, OpenBLAS %@) = %.0f%% of the FP32 FMA peak (%.0f GFLOP/s, %d-wide)   peak RSS %.0f MB",
                     seconds, report.imagesPerSecond, report.gflops, 100 * report.gflops / report.sgemmGflops, report.sgemmGflops, report.blasCore,
                     100 * report.gflops / report.fmaPeakGflops, report.fmaPeakGflops, FMAPeak.lanes, report.peakResidentMB))
    }
}


/// The process's own memory figures, from /proc/self/status (Linux).
enum ProcessMemory {
    /// VmHWM, the peak resident set size, in MB (0 where /proc is unavailable).
    static var peakResidentMB: Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kB = Double(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else { return 0 }
        return kB / 1024
    }
}
