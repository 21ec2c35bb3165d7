// swift-tools-version:6.1
import PackageDescription

/// Dynamics: numerical dynamical systems and the reversible deep networks that discretise them
/// (Chang et al., "Reversible Architectures for Arbitrarily Deep Residual Neural Networks", AAAI 2018).
///
/// Dependencies point one way: DynamicsCLI → Networks → Stability → Integrators → LinearAlgebra → CLAPACK, CARPACK;
/// Integrators → Expressions (system files' equations); MessagePassing (MPI) → Networks.
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
        // System files: expressions (swift-parsing, without its CasePaths trait, which would
        // pull in swift-syntax) and TOML (TOMLKit, over toml++).
        .package(url: "https://github.com/pointfreeco/swift-parsing", from: "0.15.2", traits: []),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
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
        .systemLibrary(name: "CPNG", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", providers: [.apt(["libjpeg62-turbo-dev"])]),
        // MPI (data-parallel training): any MPI-3 library whose pkg-config name is `mpi`
        // (Debian's alternatives point it at Open MPI or MPICH).
        .systemLibrary(name: "CMPI", pkgConfig: "mpi", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // PNG and JPEG decoding for image-folder data sets (C: libjpeg reports errors by longjmp).
        // A module map's `link` reaches only Swift importers, so this C target names the libraries.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"], linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
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
        // Expressions: parsing, compilation to flat programs, forward and reverse differentiation.
        .target(
            name: "Expressions",
            dependencies: [.product(name: "Parsing", package: "swift-parsing"), .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(
            name: "Integrators",
            dependencies: ["LinearAlgebra", "Expressions", .product(name: "TOMLKit", package: "TOMLKit"),
                           .product(name: "RealModule", package: "swift-numerics")]
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
            dependencies: ["LinearAlgebra", "Integrators", "Stability", "CZlib", "CKernels", "CImageCodecs",
                           .product(name: "RealModule", package: "swift-numerics")]
        ),
        // MPI communicator for data-parallel training (`mpirun -np N dynamics train`).
        .target(name: "MessagePassing", dependencies: ["CMPI", "Networks"]),
        .target(
            name: "Dynamics",
            dependencies: ["LinearAlgebra", "Integrators", "Stability", "Networks", "MessagePassing",
                           .product(name: "ComplexModule", package: "swift-numerics")]
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
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions"]),
        .testTarget(name: "IntegratorsTests", dependencies: ["Integrators"]),
        .testTarget(name: "StabilityTests", dependencies: ["Stability", "Integrators"]),
        // Fixtures (small PNG and JPEG folders) are read from the source tree by path.
        .testTarget(name: "NetworksTests", dependencies: ["Networks"], exclude: ["Fixtures"]),
        .testTarget(name: "DynamicsCLITests", dependencies: ["DynamicsCLI", "LinearAlgebra"]),
        .testTarget(name: "DynamicsTests", dependencies: ["Dynamics"]),
    ]
)
