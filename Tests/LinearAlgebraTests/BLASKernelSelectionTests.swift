import Testing
@testable import LinearAlgebra

/// The choice of OpenBLAS kernel from the CPU's features (a table of cases, every rung and
/// every reason to keep), and the check a kernel must pass, on the kernel this process runs.
@Suite("BLAS kernel selection")
struct BLASKernelSelectionTests {
    static let dynamic = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Prescott MAX_THREADS=64"
    static let sapphire: CPUFeatures = [.avx, .avx2, .avx512, .avx512BF16]

    @Test("an older kernel than the CPU allows is replaced by the best it allows", arguments: [
        ("Prescott", sapphire, "Cooperlake"), ("Prescott", [.avx, .avx2, .avx512], "SkylakeX"), ("Haswell", [.avx, .avx2, .avx512], "SkylakeX"),
        ("Prescott", [.avx, .avx2], "Haswell"), ("Nehalem", [.avx, .avx2], "Haswell"), ("Core2", [.avx], "Sandybridge"), ("SkylakeX", sapphire, "Cooperlake"),
    ] as [(String, CPUFeatures, String)])
    func upgrades(current: String, features: CPUFeatures, expected: String) {
        let decision = BLASKernelSelection.decide(current: current, features: features, configuration: Self.dynamic, userSetting: nil)
        guard case .tryCore(let core, let because) = decision else {
            Issue.record("\(current) on \(features.names) was kept: \(decision)")
            return
        }
        #expect(core == expected)
        #expect(because.contains(current))
    }

    @Test("kept: a kernel that suits the CPU, the user's OPENBLAS_CORETYPE, a single-kernel build, an unranked core, a CPU without AVX")
    func keeps() {
        let cases: [(String, CPUFeatures, String, String?, String)] = [
            ("Zen", [.avx, .avx2], Self.dynamic, nil, "suits"),
            ("Haswell", [.avx, .avx2], Self.dynamic, nil, "suits"),
            ("Cooperlake", Self.sapphire, Self.dynamic, nil, "suits"),
            ("Prescott", Self.sapphire, Self.dynamic, "Prescott", "OPENBLAS_CORETYPE=Prescott"),
            ("Prescott", Self.sapphire, "OpenBLAS 0.3.21 Prescott MAX_THREADS=64", nil, "DYNAMIC_ARCH"),
            ("ARMV8", [], Self.dynamic, nil, "does not rank"),
            ("Prescott", [], Self.dynamic, nil, "suits"),
        ]
        for (current, features, configuration, user, reason) in cases {
            let decision = BLASKernelSelection.decide(current: current, features: features, configuration: configuration, userSetting: user)
            guard case .keep(let why) = decision else {
                Issue.record("\(current) on \(features.names) with \(user ?? "no setting"): \(decision)")
                continue
            }
            #expect(why.contains(reason), "\(current): \(why)")
        }
    }

    @Test("the best core for a set of features", arguments: [
        ([], "Prescott"), ([.avx], "Sandybridge"), ([.avx, .avx2], "Haswell"), ([.avx, .avx2, .avx512], "SkylakeX"), (sapphire, "Cooperlake"),
    ] as [(CPUFeatures, String)])
    func best(features: CPUFeatures, expected: String) {
        #expect(BLASKernelSelection.best(for: features) == expected)
    }

    @Test("the kernel this process runs passes the SGEMM, DGEMM and DGEEV check")
    func selfCheck() {
        #expect(BLASKernelSelection.selfCheck() == nil)
    }
}
