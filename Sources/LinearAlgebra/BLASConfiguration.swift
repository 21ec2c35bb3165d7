import CLAPACK

/// The BLAS/LAPACK library this process actually linked, and its threading.
public enum BLASConfiguration {
    /// OpenBLAS's build configuration string (version, target core, threading), e.g.
    /// `"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"`.
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// The CPU kernel OpenBLAS selected at load time (e.g. `"Haswell"`).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// Number of processors OpenBLAS sees.
    public static var processors: Int { Int(openblas_get_num_procs()) }

    /// Threads BLAS uses now. At start-up OpenBLAS takes `OPENBLAS_NUM_THREADS` (or
    /// `OMP_NUM_THREADS`) if set, else the processor count.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            precondition(newValue > 0, "BLASConfiguration.threads must be positive, got \(newValue)")
            openblas_set_num_threads(Int32(clamping: newValue))
        }
    }
}
