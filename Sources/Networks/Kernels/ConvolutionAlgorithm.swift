import LinearAlgebra

/// How the Float 3×3 convolutions of the AVX-512 path compute: by Winograd's minimal filtering
/// F(2×2, 3×3) where the plane suits it (Lavin & Gray 2016; see `DirectConvolution`), or always
/// by the direct sum. The results agree to rounding (a few units in the last place); `direct`
/// is there to compare the two, or to reproduce runs made with the direct kernels.
public enum ConvolutionAlgorithm: String, CaseIterable, Codable, Sendable {
    case winograd, direct

    /// Whether this CPU runs the AVX-512 kernels at all; without them every convolution is
    /// im2col + GEMM and the algorithm has no effect.
    public static var kernelsAvailable: Bool { DirectConvolution.available }
}

/// What a network's computation runs with, owned by the caller and carried by the network's
/// `Scratch`: no process-wide switch decides it, so two networks in one process may differ.
///
/// `threads` fixes how a batch is cut into image chunks (`Network.imageChunks`) and how the
/// direct kernels split images, so it fixes the order of floating-point sums. BLAS's own
/// thread count, which is process-wide, changes rounding too: OpenBLAS splits a GEMM among its
/// threads and the pieces' edges go to other kernels (measured: one epoch of a small network at
/// BLAS threads 1 and 2 ends with different weights). `Trainer.run` therefore sets BLAS's
/// thread count to `threads`; the same context then gives the same rounding, and a resumed run
/// matches an uninterrupted one bit for bit, unless something else in the process changes
/// BLAS's thread count while it runs.
public struct ComputeContext: Sendable, Equatable {
    /// The algorithm of the AVX-512 3×3 convolutions.
    public var convolution: ConvolutionAlgorithm
    /// Worker threads for the chunks of a pass and the direct kernels (at least 1).
    public var threads: Int
    /// Images per chunk of the parallel pass over the units, at most. On hamiltonian-74, batch
    /// 128, two threads, chunks of 8 to 64 images gave step times within 5% of each other (a
    /// broad optimum); 32 was chosen.
    public var chunkImages: Int

    /// Worker threads, at most.
    public static let maximumThreads = 1024

    /// - Parameters:
    ///   - convolution: the algorithm of the AVX-512 3×3 convolutions.
    ///   - threads: worker threads; default BLAS's thread count at the time of the call.
    ///   - chunkImages: images per chunk of the parallel pass, at most.
    public init(convolution: ConvolutionAlgorithm = .winograd, threads: Int? = nil, chunkImages: Int = 32) {
        precondition(chunkImages > 0 && (1...Self.maximumThreads).contains(threads ?? 1),
                     "ComputeContext: threads (1…\(Self.maximumThreads)) and chunkImages must be positive")
        self.convolution = convolution
        self.threads = threads ?? max(1, BLASConfiguration.threads)
        self.chunkImages = chunkImages
    }
}
