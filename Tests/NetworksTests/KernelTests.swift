import CKernels
import Integrators
import LinearAlgebra
import Testing
@testable import Networks

@Suite("Tensor and convolution kernels")
struct KernelTests {
    static func random<T: BLASScalar>(_: T.Type, channels: Int, batch: Int, height: Int, width: Int, seed: UInt64) -> Tensor<T> {
        var g = SeededGenerator(seed: seed)
        return Tensor(channels: channels, batch: batch, height: height, width: width,
                      data: (0..<(channels * batch * height * width)).map { _ in T(Gaussian.sample(using: &g)) })
    }

    /// The definition: y[co, n, i, j] = Σ_{ci, dy, dx} K[co, ci, dy, dx] x[ci, n, i + dy − 1, j + dx − 1].
    static func directConvolution<T: BLASScalar>(_ conv: Convolution3x3<T>, _ x: Tensor<T>) -> Tensor<T> {
        var y = Tensor<T>(channels: conv.outputChannels, batch: x.batch, height: x.height, width: x.width)
        for co in 0..<conv.outputChannels {
            for n in 0..<x.batch {
                for i in 0..<x.height {
                    for j in 0..<x.width {
                        var s: T = 0
                        for ci in 0..<conv.inputChannels {
                            for dy in 0..<3 {
                                for dx in 0..<3 {
                                    let si = i + dy - 1, sj = j + dx - 1
                                    guard si >= 0, si < x.height, sj >= 0, sj < x.width else { continue }
                                    s += conv.weights[(ci * 3 + dy) * 3 + dx + co * conv.patchSize]
                                        * x.data[((ci * x.batch + n) * x.height + si) * x.width + sj]
                                }
                            }
                        }
                        y.data[((co * x.batch + n) * x.height + i) * x.width + j] = s
                    }
                }
            }
        }
        return y
    }

    @Test("im2col + GEMM equals the direct convolution, Float and Double (odd sizes too)")
    func convolution() {
        func check<T: BLASScalar>(_: T.Type, tolerance: T) {
            var g = SeededGenerator(seed: 3)
            let conv = Convolution3x3<T>(inputChannels: 3, outputChannels: 5, using: &g)
            let x = Self.random(T.self, channels: 3, batch: 2, height: 5, width: 7, seed: 4)
            var y = Tensor<T>(channels: 5, batch: 2, height: 5, width: 7)
            conv.apply(x, into: &y, scratch: Scratch())
            let reference = Self.directConvolution(conv, x)
            #expect(zip(y.data, reference.data).allSatisfy { abs($0 - $1) <= tolerance }, "\(T.self)")
        }
        check(Float.self, tolerance: 1e-5)
        check(Double.self, tolerance: 1e-12)
    }

    @Test("the AVX-512 kernels (Float, 8k output channels; direct and Winograd, in one process) agree with im2col + GEMM in double, with the epilogue's scale and sum",
          .enabled(if: DirectConvolution.available, "needs AVX-512"),
          arguments: [(3, 8, 5, 21), (4, 16, 3, 37), (2, 8, 4, 4), (5, 24, 6, 16), (8, 16, 8, 8), (8, 8, 32, 32), (16, 8, 2, 8), (32, 32, 32, 32), (8, 8, 6, 24), (4, 16, 10, 50)],
          ConvolutionAlgorithm.allCases)
    func direct(shape: (cin: Int, cout: Int, h: Int, w: Int), algorithm: ConvolutionAlgorithm) {
        let (cin, cout, h, w) = shape
        let context = ComputeContext(convolution: algorithm, threads: 2)
        var g = SeededGenerator(seed: 11)
        let conv = Convolution3x3<Double>(inputChannels: cin, outputChannels: cout, using: &g)
        let x = Self.random(Double.self, channels: cin, batch: 9, height: h, width: w, seed: 12)
        let dy = Self.random(Double.self, channels: cout, batch: 9, height: h, width: w, seed: 13)
        func float(_ t: Tensor<Double>) -> Tensor<Float> {
            Tensor(channels: t.channels, batch: t.batch, height: t.height, width: t.width, data: t.data.map(Float.init))
        }
        let convF = Convolution3x3<Float>(inputChannels: cin, outputChannels: cout, weights: conv.weights.map(Float.init))
        #expect(DirectConvolution.suitsForward(Float.self, outputChannels: cout))
        // Batches of 9 (split over two workers): Winograd's image groups (2 images at w = 16, 4 at
        // w = 8) full, then part-filled; wide planes (w ≥ 24) in chunks of 16 tile columns, the
        // last part-filled (w = 50: 25 tile columns).
        let winograd = algorithm == .winograd && h % 2 == 0 && ([8, 16, 32].contains(w) || (w % 2 == 0 && w >= 24))
        #expect(DirectConvolution.usesWinograd(height: h, width: w, context) == winograd)
        #expect(DirectConvolution.usesWinogradGradient(float(x), float(dy), context) == (winograd && cin % 4 == 0 && cout % 4 == 0))
        var y = Tensor<Double>(channels: cout, batch: 9, height: h, width: w), yF = float(y)
        conv.apply(x, into: &y, scratch: Scratch())
        convF.apply(float(x), into: &yF, scratch: Scratch(context: context))
        #expect(zip(y.data, yF.data).allSatisfy { abs($0 - Double($1)) < 1e-4 })
        // y + α·K x and z + α·Kᵀ dy, the epilogue's scale and sum (z: the direct kernel when Cin is 8k).
        var sum = dy, sumF = float(dy)
        conv.apply(x, into: &sum, scale: -0.5, adding: true, scratch: Scratch())
        convF.apply(float(x), into: &sumF, scale: -0.5, adding: true, scratch: Scratch(context: context))
        #expect(zip(sum.data, sumF.data).allSatisfy { abs($0 - Double($1)) < 1e-4 })
        var z = x, zF = float(x)
        conv.applyTranspose(dy, into: &z, scale: 0.75, adding: true, scratch: Scratch())
        convF.applyTranspose(float(dy), into: &zF, scale: 0.75, adding: true, scratch: Scratch(context: context))
        #expect(zip(z.data, zF.data).allSatisfy { abs($0 - Double($1)) < 1e-4 })
        var dW = [Double](repeating: 0.5, count: conv.weights.count), dWF = dW.map(Float.init)
        conv.accumulateWeightGradient(input: x, outputGradient: dy, scale: 0.25, into: &dW, scratch: Scratch())
        convF.accumulateWeightGradient(input: float(x), outputGradient: float(dy), scale: 0.25, into: &dWF, scratch: Scratch(context: context))
        let scale = dW.map { abs($0) }.max()!
        #expect(zip(dW, dWF).allSatisfy { abs($0 - Double($1)) < 1e-5 * scale })
    }

    @Test("the kernels read nothing outside an image: ∞ in the neighbouring images does not leak",
          .enabled(if: DirectConvolution.available, "needs AVX-512"),
          arguments: [(16, 16), (8, 8), (5, 21), (4, 32), (6, 26)])
    func kernelsStayInside(h: Int, w: Int) {
        let winograd = DirectConvolution.usesWinograd(height: h, width: w, ComputeContext())
        // Images 0 and 2 are +∞; image 1 is finite. Working on image 1 alone must give finite
        // results equal to those of the finite image as a batch of one.
        let c = 8, plane = h * w
        let middle = Self.random(Float.self, channels: c, batch: 1, height: h, width: w, seed: 21)
        var x = Tensor<Float>(channels: c, batch: 3, height: h, width: w)
        for ci in 0..<c {
            for i in 0..<plane {
                x.data[(ci * 3 + 0) * plane + i] = .infinity
                x.data[(ci * 3 + 1) * plane + i] = middle.data[ci * plane + i]
                x.data[(ci * 3 + 2) * plane + i] = .infinity
            }
        }
        var g = SeededGenerator(seed: 22)
        let conv = Convolution3x3<Float>(inputChannels: c, outputChannels: c, using: &g)
        var y = Tensor<Float>(channels: c, batch: 3, height: h, width: w), yW = y
        var dW = [Float](repeating: 0, count: conv.weights.count), reference = dW, dWW = dW
        x.data.withUnsafeBufferPointer { xs in
            conv.weights.withUnsafeBufferPointer { ws in
                y.data.withUnsafeMutableBufferPointer { ys in
                    dyn_conv3x3_forward(xs.baseAddress!, Int32(c), 3, 1, 1, Int32(h), Int32(w), ws.baseAddress!, Int32(c), 1, 0, ys.baseAddress!)
                }
                if winograd {
                    yW.data.withUnsafeMutableBufferPointer { ys in
                        dyn_conv3x3_forward_winograd(xs.baseAddress!, Int32(c), 3, 1, 1, Int32(h), Int32(w), ws.baseAddress!, Int32(c), 1, 0,
                                                     ys.baseAddress!)
                    }
                }
            }
            // The gradient of ⟨x, x⟩-like pairs: image 1 of x against itself.
            dW.withUnsafeMutableBufferPointer { dws in
                dyn_conv3x3_weight_gradient(xs.baseAddress!, Int32(c), 3, 1, 1, Int32(h), Int32(w), xs.baseAddress!, Int32(c), 1, dws.baseAddress!)
            }
            if winograd {
                dWW.withUnsafeMutableBufferPointer { dws in
                    dyn_conv3x3_weight_gradient_winograd(xs.baseAddress!, Int32(c), 3, 1, 1, Int32(h), Int32(w), xs.baseAddress!, Int32(c), 1,
                                                         dws.baseAddress!)
                }
            }
        }
        conv.accumulateWeightGradient(input: middle, outputGradient: middle, scale: 1, into: &reference, scratch: Scratch())
        let expected = Self.directConvolution(conv, middle)
        for co in 0..<c {
            for i in 0..<plane {
                #expect(abs(y.data[(co * 3 + 1) * plane + i] - expected.data[co * plane + i]) < 1e-4)
                if winograd {
                    #expect(abs(yW.data[(co * 3 + 1) * plane + i] - expected.data[co * plane + i]) < 1e-4)
                }
            }
        }
        #expect(zip(dW, reference).allSatisfy { $0.isFinite && abs($0 - $1) < 1e-3 * max(1, abs($1)) })
        if winograd {
            #expect(zip(dWW, reference).allSatisfy { $0.isFinite && abs($0 - $1) < 1e-3 * max(1, abs($1)) })
        }
    }

    @Test("chunked im2col (one image per GEMM) gives the whole-batch result")
    func chunks() {
        var g = SeededGenerator(seed: 9)
        let conv = Convolution3x3<Double>(inputChannels: 2, outputChannels: 3, using: &g)
        let x = Self.random(Double.self, channels: 2, batch: 5, height: 4, width: 4, seed: 10)
        var whole = Tensor<Double>(channels: 3, batch: 5, height: 4, width: 4), chunked = whole
        Convolution3x3.convolveByGEMM(x, weights: conv.weights, outputChannels: 3, into: &whole, scratch: Scratch(), chunkLimit: .max)
        Convolution3x3.convolveByGEMM(x, weights: conv.weights, outputChannels: 3, into: &chunked, scratch: Scratch(), chunkLimit: 1)
        #expect(Convolution3x3<Double>.chunks(x, limit: 1).count == 5)
        #expect(zip(whole.data, chunked.data).allSatisfy { abs($0 - $1) < 1e-13 })
    }

    @Test("Kᵀ is the adjoint of K: ⟨Kx, y⟩ = ⟨x, Kᵀy⟩; the weight gradient is ∂⟨Kx, y⟩/∂K")
    func adjoint() {
        var g = SeededGenerator(seed: 5)
        let conv = Convolution3x3<Double>(inputChannels: 4, outputChannels: 6, using: &g)
        let x = Self.random(Double.self, channels: 4, batch: 2, height: 6, width: 6, seed: 6)
        let y = Self.random(Double.self, channels: 6, batch: 2, height: 6, width: 6, seed: 7)
        let scratch = Scratch<Double>()
        var kx = y, kty = x
        conv.apply(x, into: &kx, scratch: scratch)
        conv.applyTranspose(y, into: &kty, scratch: scratch)
        let lhs = zip(kx.data, y.data).reduce(0) { $0 + $1.0 * $1.1 }, rhs = zip(x.data, kty.data).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(lhs - rhs) < 1e-10 * abs(lhs))
        // ⟨Kx, y⟩ is linear in K, so its gradient dW satisfies ⟨dW, K⟩ = ⟨Kx, y⟩.
        var dW = [Double](repeating: 0, count: conv.weights.count)
        conv.accumulateWeightGradient(input: x, outputGradient: y, scale: 1, into: &dW, scratch: scratch)
        #expect(abs(zip(dW, conv.weights).reduce(0) { $0 + $1.0 * $1.1 } - lhs) < 1e-10 * abs(lhs))
    }

    @Test("downsampling's adjoint is its transpose")
    func downsampling() {
        let x = Self.random(Double.self, channels: 2, batch: 3, height: 4, width: 6, seed: 8)
        let y = Self.random(Double.self, channels: 5, batch: 3, height: 2, width: 3, seed: 9)
        let dx = Downsampling.adjoint(y, channels: 2, height: 4, width: 6)
        let down = Downsampling.apply(x, channels: 5)
        #expect(down.channels == 5 && down.channels(2..<5).squaredNorm == 0)
        let lhs = zip(down.data, y.data).reduce(0) { $0 + $1.0 * $1.1 }, rhs = zip(x.data, dx.data).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(lhs - rhs) < 1e-12 * max(1, abs(lhs)))
    }

    @Test("NCHW images become channel-major; halves split and join")
    func layout() {
        // 2 images × 2 channels × 1×2: NCHW [n0c0: 1 2, n0c1: 3 4, n1c0: 5 6, n1c1: 7 8].
        let t = Tensor<Float>(nchw: [1, 2, 3, 4, 5, 6, 7, 8], batch: 2, channels: 2, height: 1, width: 2)
        #expect(t.data == [1, 2, 5, 6, 3, 4, 7, 8])
        let halves = Halves.split(t)
        #expect(halves.q.data == [1, 2, 5, 6] && Halves.join(halves) == t)
        // Image ranges: image 1 of each channel; a partition concatenates back to the batch.
        #expect(t.images(1..<2).data == [5, 6, 7, 8])
        let x = Self.random(Float.self, channels: 3, batch: 7, height: 2, width: 3, seed: 30)
        #expect(Tensor.concatenatingImages([x.images(0..<3), x.images(3..<4), x.images(4..<7)]) == x)
    }

    /// Published sizes (CIFAR-10): ResNet-32 0.46M, ResNet-110 1.73M (He et al. 2016), RevNet-38
    /// 0.46M, RevNet-110 1.73M (Gomez et al. 2017), Hamiltonian-74 0.43M, Hamiltonian-218 1.68M
    /// (Chang et al. 2018, Table 1). The count is the built network's own (`visitParameters`),
    /// checked against the closed-form `Architecture.parameterCount`.
    @Test("the presets: sizes within 2% of the published ones, depth labels count the convolutions that run")
    func presets() throws {
        func parameters(_ name: String) throws -> Int {
            let architecture = try Architecture.preset(name)
            let n = try architecture.block.run(CountParameters(architecture: architecture))
            #expect(n == architecture.parameterCount(inputChannels: 3, classes: 10), "\(name)")
            return n
        }
        for preset in Architecture.presets {
            guard let published = preset.publishedParameters else { continue }
            let n = try parameters(preset.name)
            #expect(abs(Double(n - published)) <= 0.02 * Double(published), "\(preset.name): \(n) vs \(published)")
        }
        _ = try parameters("leapfrog-62")
        for preset in Architecture.presets {
            let label = Int(preset.name.split(separator: "-").last!)!
            #expect(preset.architecture.depth == label, "\(preset.name): depth \(preset.architecture.depth)")
        }
        #expect(throws: ArchitectureError.self) { try Architecture.preset("hamiltonian-75") }
        #expect(throws: ArchitectureError.self) { try Architecture(block: .hamiltonian, units: [1, 1, 1], filters: [3, 3, 6, 6]) }
        #expect(throws: ArchitectureError.self) { try Architecture(block: .midpoint, units: [1, 1, 1], filters: [4, 4, 8, 8], normalization: .batch) }
    }

    /// The parameters of a network built with an architecture's family.
    struct CountParameters: NetworkExperiment {
        typealias Scalar = Float
        var architecture: Architecture
        func run<F: BlockFamily>(_: F.Type) -> Int where F.Scalar == Float {
            Network<F>(architecture, inputChannels: 3, classes: 10, seed: 1).parameterCount
        }
    }
}
