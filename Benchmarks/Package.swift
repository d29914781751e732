// swift-tools-version:6.1
// Micro-benchmarks for Junction (ordo-one/benchmark): time and allocations per operation.
// Run from this directory: `swift package benchmark` (see README.md).
import PackageDescription

let package = Package(
    name: "junction-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "junction", path: ".."),
        // Only the malloc interposer trait: it counts allocations; the runtime interposer is not needed.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // Encode/decode of CALL, EVENT and RESULT in JSON, MessagePack and CBOR.
        .executableTarget(
            name: "WAMPCodecBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "WAMPCore", package: "junction"),
            ],
            path: "Benchmarks/WAMPCodecBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Topic and procedure matching with 10 000 entries, and EVENT fan-out to 100 sessions,
        // through the realm's public API on an EmbeddedEventLoop.
        .executableTarget(
            name: "RoutingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "WAMPCore", package: "junction"),
                .product(name: "JunctionRouter", package: "junction"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/RoutingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
