// swift-tools-version:6.1
import PackageDescription

/// Coverage-guided fuzzers (libFuzzer) for the readers of user files: `make fuzz` builds them with
/// `-sanitize=fuzzer` and runs each for a bounded time. A separate package so that the main one
/// keeps no unsafe flags.
let package = Package(
    name: "DynamicsFuzz",
    dependencies: [.package(name: "Dynamics", path: "..")],
    targets: [
        .executableTarget(name: "FuzzReaders", dependencies: [.product(name: "Dynamics", package: "Dynamics")]),
    ]
)
