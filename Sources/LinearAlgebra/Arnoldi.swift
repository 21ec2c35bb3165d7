import CARPACK
import ComplexModule
import RealModule
import Glibc

/// Which end of the spectrum the Arnoldi method looks for.
public enum EigenvalueSelection: String, CaseIterable, Codable, Sendable {
    /// Largest real part: the spectral abscissa and the least stable modes of a flow.
    case largestRealPart = "LR"
    /// Largest modulus: the spectral radius of a map, the fastest modes of a flow.
    case largestMagnitude = "LM"

    /// Whether `a` comes before `b` in this selection's order.
    public func precedes(_ a: Complex<Double>, _ b: Complex<Double>) -> Bool {
        switch self {
        case .largestRealPart: a.real != b.real ? a.real > b.real : a.imaginary > b.imaginary
        case .largestMagnitude: a.length != b.length ? a.length > b.length : a.imaginary > b.imaginary
        }
    }
}

/// A few eigenvalues of a large operator known only by its products x ↦ A x: the implicitly
/// restarted Arnoldi method of ARPACK (`dnaupd`/`dneupd`; Lehoucq, Sorensen & Yang, *ARPACK
/// Users' Guide*, SIAM 1998). Each restart keeps a Krylov basis of `subspace` vectors, so the
/// cost is a few hundred to a few thousand products and O(n·subspace) memory, where dense
/// `?geev` needs n² memory and 10n³ flops.
///
/// A Ritz value θ is accepted when its residual ‖A x − θ x‖ is at most `tolerance`·|θ| (0: the
/// machine's ε). For a normal operator that bounds the eigenvalue's error; for a non-normal
/// one the error is that times the eigenvalue's condition number, as for `?geev`.
///
/// ARPACK keeps its state between reverse-communication calls in Fortran `SAVE` variables, so
/// two computations must not interleave: calls are serialised by one process-wide lock
/// (the only one in this module, forced by the library).
public enum Arnoldi {
    /// The outcome of one computation.
    public struct Result: Sendable {
        /// The converged eigenvalues, at most the number asked for, in the selection's order.
        public var eigenvalues: [Complex<Double>]
        /// Restarts of the Arnoldi iteration.
        public var restarts: Int
        /// Operator products (x ↦ A x) used.
        public var products: Int
    }

    /// The `count` eigenvalues of the n×n operator `apply` (y ← A x on n values) at the
    /// `which` end of the spectrum.
    /// - Parameters:
    ///   - n: the dimension, at least `count + 2` (ARPACK's limit; use dense `eigenvalues()` below it).
    ///   - count: how many eigenvalues (k).
    ///   - which: the end of the spectrum.
    ///   - tolerance: the accepted residual relative to |θ| (0: ε).
    ///   - subspace: Krylov vectors kept per restart (default max(2·count + 1, 20), at most n).
    ///   - maximumRestarts: restarts before giving up (then the eigenvalues converged so far).
    ///   - seed: fixes the starting vector, so a computation repeats bit for bit.
    ///   - apply: y ← A x, on n values each.
    /// - Throws: `LinearAlgebraError` for sizes ARPACK cannot take, an operator that returns a
    ///   non-finite value, or no eigenvalue converged.
    public static func eigenvalues(dimension n: Int, count: Int, which: EigenvalueSelection, tolerance: Double = 0,
                                   subspace: Int? = nil, maximumRestarts: Int = 300, seed: UInt64 = 1,
                                   apply: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void) throws -> Result {
        let routine = "dnaupd"
        guard count >= 1, n >= count + 2, n <= Int(Int32.max) else {
            throw LinearAlgebraError.failed(routine: routine, info: 0,
                                            reason: "\(count) eigenvalues of a \(n)×\(n) operator: Arnoldi needs 1 ≤ count ≤ n − 2; use the dense method")
        }
        guard tolerance >= 0, tolerance.isFinite, maximumRestarts > 0 else {
            throw LinearAlgebraError.failed(routine: routine, info: 0, reason: "the tolerance must be ≥ 0 and the restarts positive")
        }
        let ncv = min(n, max(subspace ?? max(2 * count + 1, 20), count + 2))
        guard SafeSize.fitsInMemory(SafeSize.product([n, ncv + 4]), width: 8) else {
            throw LinearAlgebraError.failed(routine: routine, info: 0, reason: "a \(ncv)-vector Krylov basis of dimension \(n) would not fit in memory")
        }
        var resid = startingVector(n, seed: seed)
        var v = [Double](repeating: 0, count: n * ncv)
        var workd = [Double](repeating: 0, count: 3 * n)
        let lworkl = 3 * ncv * ncv + 6 * ncv
        var workl = [Double](repeating: 0, count: lworkl)
        var iparam = [Int32](repeating: 0, count: 11), ipntr = [Int32](repeating: 0, count: 14)
        iparam[0] = 1  // exact shifts
        iparam[2] = Int32(clamping: maximumRestarts)
        iparam[6] = 1  // mode 1: A x = λ x
        var ido: Int32 = 0, info: Int32 = 1  // info 1: start from `resid`
        var products = 0
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        let code = which.rawValue
        while true {
            dnaupd_c(&ido, "I", Int32(n), code, Int32(count), tolerance, &resid, Int32(ncv), &v, Int32(n), &iparam, &ipntr,
                     &workd, &workl, Int32(lworkl), &info)
            guard ido == -1 || ido == 1 else { break }
            let (x, y) = (Int(ipntr[0]) - 1, Int(ipntr[1]) - 1)
            workd.withUnsafeMutableBufferPointer { w in apply(w.baseAddress! + x, w.baseAddress! + y) }
            products += 1
            guard workd[y..<(y + n)].allSatisfy(\.isFinite) else {
                throw LinearAlgebraError.failed(routine: routine, info: products, reason: "the operator returned a non-finite value at product \(products)")
            }
        }
        // info 1: the restarts ran out; the converged part is still returned. 3: no shifts
        // could be applied (a larger subspace helps).
        guard info == 0 || info == 1 else {
            throw LinearAlgebraError.failed(routine: routine, info: Int(info), reason: info == 3
                ? "no shifts could be applied; use a larger subspace" : "ARPACK reported an error (see dnaupd's documentation)")
        }
        guard iparam[4] > 0 else {
            throw LinearAlgebraError.failed(routine: routine, info: Int(info), reason: Arnoldi.unconvergedReason(maximumRestarts))
        }
        var dr = [Double](repeating: 0, count: count + 1), di = dr
        var z = [Double](repeating: 0, count: 1)
        var select = [Int32](repeating: 0, count: ncv)
        var workev = [Double](repeating: 0, count: 3 * ncv)
        var einfo: Int32 = 0
        dneupd_c(0, "A", &select, &dr, &di, &z, 1, 0, 0, &workev, "I", Int32(n), code, Int32(count), tolerance, &resid, Int32(ncv),
                 &v, Int32(n), &iparam, &ipntr, &workd, &workl, Int32(lworkl), &einfo)
        guard einfo == 0 else {
            throw LinearAlgebraError.failed(routine: "dneupd", info: Int(einfo), reason: "ARPACK could not extract the Ritz values")
        }
        let converged = min(Int(iparam[4]), count + 1)
        let values = (0..<converged).map { Complex(dr[$0], di[$0]) }.sorted(by: which.precedes)
        return Result(eigenvalues: Array(values.prefix(count)), restarts: Int(iparam[2]), products: products)
    }

    static func unconvergedReason(_ restarts: Int) -> String {
        "no eigenvalue converged in \(restarts) restarts; use a larger subspace or a looser tolerance"
    }

    /// A deterministic starting vector with no special structure (SplitMix64 in (−1, 1)):
    /// ARPACK's own random start draws from a generator shared by every call.
    static func startingVector(_ n: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<n).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) / Double(1 << 52) - 1
        }
    }

    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        precondition(pthread_mutex_init(m, nil) == 0, "Arnoldi: no mutex")
        return m
    }()
}

extension LinearAlgebraError {
    /// Whether this is the Arnoldi method's "no eigenvalue converged" (the operator was fine).
    public var isUnconverged: Bool {
        if case let .failed("dnaupd", _, reason) = self { return reason.hasPrefix("no eigenvalue converged") }
        return false
    }
}
