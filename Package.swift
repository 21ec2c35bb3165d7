// swift-tools-version:6.1
import PackageDescription

/// Dynamics: numerical dynamical systems and the reversible deep networks that discretise them
/// (Chang et al., "Reversible Architectures for Arbitrarily Deep Residual Neural Networks", AAAI 2018).
///
/// Dependencies point one way: DynamicsCLI → Networks → Stability → Integrators → LinearAlgebra → CLAPACK, CARPACK.
/// `CLAPACK` and `CARPACK` are implementation details: only `LinearAlgebra` (and the benchmark's C reference) import them.
let package = Package(
    name: "Dynamics",
    products: [
        .library(name: "Dynamics", targets: ["Dynamics"]),
        .executable(name: "dynamics", targets: ["DynamicsCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        // `make docs`: DocC catalogs of the public modules (swift package generate-documentation).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLAPACK",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CARPACK", providers: [.apt(["libarpack2-dev"])]),
        .target(name: "CKernels"),
        .target(name: "CStreams"),
        .target(
            name: "LinearAlgebra",
            dependencies: [
                "CLAPACK", "CARPACK",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "ComplexModule", package: "swift-numerics"),
            ]
        ),
        .target(
            name: "Integrators",
            dependencies: ["LinearAlgebra", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(
            name: "Stability",
            dependencies: [
                "LinearAlgebra", "Integrators",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "ComplexModule", package: "swift-numerics"),
            ]
        ),
        .target(
            name: "Networks",
            dependencies: ["LinearAlgebra", "Integrators", "Stability", "CZlib", "CKernels", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(
            name: "Dynamics",
            dependencies: ["LinearAlgebra", "Integrators", "Stability", "Networks", .product(name: "ComplexModule", package: "swift-numerics")]
        ),
        .executableTarget(
            name: "DynamicsCLI",
            dependencies: [
                "Dynamics", "CStreams",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "CReference", dependencies: ["CLAPACK"], path: "Benchmarks/CReference"),
        .executableTarget(
            name: "DynamicsBenchmarks",
            dependencies: ["Dynamics", "CReference"],
            path: "Benchmarks/DynamicsBenchmarks"
        ),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "IntegratorsTests", dependencies: ["Integrators"]),
        .testTarget(name: "StabilityTests", dependencies: ["Stability", "Integrators"]),
        .testTarget(name: "NetworksTests", dependencies: ["Networks"]),
        .testTarget(name: "DynamicsCLITests", dependencies: ["DynamicsCLI", "LinearAlgebra"]),
        .testTarget(name: "DynamicsTests", dependencies: ["Dynamics"]),
    ]
)
