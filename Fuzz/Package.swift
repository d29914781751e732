// swift-tools-version:6.1
// libFuzzer targets for Junction's parsers. Not part of the main package, so a normal
// `swift build` never compiles them; `scripts/fuzz.sh` builds this package with
// `--sanitize=fuzzer --sanitize=address` and runs every target.
//
// `Sources/WAMPCore`, `Sources/MQTTCore`, `Sources/RESPCore` and `Sources/JunctionTransport` are
// symlinks to the real sources, compiled here with `-enable-testing` so the targets can reach
// internal parsers (`@testable import`).
import PackageDescription

let testable: [SwiftSetting] = [.unsafeFlags(["-enable-testing"])]

let package = Package(
    name: "junction-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")
    ],
    targets: [
        .target(name: "WAMPCore", swiftSettings: testable),
        .target(
            name: "JunctionTransport",
            dependencies: [
                "WAMPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: testable
        ),
        .target(name: "MQTTCore", swiftSettings: testable),
        .target(
            name: "RESPCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: testable
        ),
        .target(name: "FuzzSupport", dependencies: ["WAMPCore"]),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzSupport", "WAMPCore"]),
        .executableTarget(name: "FuzzMessagePack", dependencies: ["FuzzSupport", "WAMPCore"]),
        .executableTarget(name: "FuzzCBOR", dependencies: ["FuzzSupport", "WAMPCore"]),
        .executableTarget(name: "FuzzMessageValidation", dependencies: ["FuzzSupport", "WAMPCore"]),
        .executableTarget(name: "FuzzRFC3339", dependencies: ["WAMPCore"]),
        .executableTarget(
            name: "FuzzRawSocket",
            dependencies: ["JunctionTransport", "WAMPCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .executableTarget(
            name: "FuzzWebSocketUpgrade",
            dependencies: [
                "JunctionTransport", "WAMPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "FuzzMQTT", dependencies: ["MQTTCore"]),
        .executableTarget(
            name: "FuzzRESP",
            dependencies: ["RESPCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
