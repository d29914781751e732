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
        // TODO(router API): `RoutingBenchmarks` — topic and procedure matching with 10 000 entries
        // (exact, prefix, wildcard) against JunctionRouter's frozen routing tables. Needs a public
        // (or @_spi) API to build a broker/dealer index and match a URI without sessions.
        // TODO(router API): `FanOutBenchmarks` — one EVENT fanned out to 100 sessions (encode once,
        // write the same bytes to each), measured with EmbeddedChannels. Needs a way to attach
        // sessions to a realm from outside JunctionRouter/JunctionServer.
    ]
)
