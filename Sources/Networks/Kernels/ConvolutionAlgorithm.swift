import CKernels

/// How the Float 3×3 convolutions of the AVX-512 path compute: by Winograd's minimal filtering
/// F(2×2, 3×3) where the plane suits it (Lavin & Gray 2016; see `DirectConvolution`), or always
/// by the direct sum. The results agree to rounding (a few units in the last place); `direct`
/// is there to compare the two, or to reproduce runs made with the direct kernels.
public enum ConvolutionAlgorithm: String, CaseIterable, Codable, Sendable {
    case winograd, direct

    /// The algorithm in use, process-wide (default `winograd`). Set it before training or
    /// timing starts, not while a computation runs.
    public static var current: ConvolutionAlgorithm {
        get { dyn_winograd_suits(2, 8) != 0 ? .winograd : .direct }
        set { dyn_set_winograd(newValue == .winograd ? 1 : 0) }
    }
}
