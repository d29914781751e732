// swift-tools-version:6.1
// libFuzzer targets for Junction's parsers. Not part of the main package, so a normal
// `swift build` never compiles them; `scripts/fuzz.sh` builds this package with
// `--sanitize=fuzzer --sanitize=address` and runs every target.
//
// `Sources/WAMPCore`, `Sources/MQTTCore`, `Sources/RESPCore`, `Sources/JunctionTransport` and
// `Sources/HTTPBridgeCore` are symlinks to the real sources (`Sources/JunctionMQTT` holds links to
// the pure folders of the real target; `Sources/JunctionRouter` and `Sources/JunctionCluster` links
// to the single files of the cluster's frame codecs and the router value types they produce),
// compiled here with `-enable-testing` so the targets can reach internal parsers (`@testable import`).
import PackageDescription

let testable: [SwiftSetting] = [.unsafeFlags(["-enable-testing"])]

let package = Package(
    name: "junction-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.1.0"),
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
        .target(
            name: "HTTPBridgeCore",
            dependencies: ["WAMPCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: testable
        ),
        .executableTarget(name: "FuzzHTTPBridge", dependencies: ["HTTPBridgeCore"]),
        // `Sources/JunctionMQTT` links only the pure parts (Session, Mapping, Persistence) of the real target.
        .target(name: "JunctionMQTT", dependencies: ["MQTTCore", "WAMPCore"], swiftSettings: testable),
        .executableTarget(name: "FuzzMQTTSession", dependencies: ["JunctionMQTT", "MQTTCore"]),
        .executableTarget(name: "FuzzMQTTRecord", dependencies: ["JunctionMQTT", "MQTTCore"]),
        .executableTarget(
            name: "FuzzRESP",
            dependencies: ["RESPCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // `Sources/JunctionRouter` and `Sources/JunctionCluster` link only the pure files the cluster's
        // decoders need (not the realm, the channels or the service).
        .target(name: "JunctionRouter", dependencies: ["WAMPCore"], swiftSettings: testable),
        .target(
            name: "JunctionCluster",
            dependencies: ["JunctionRouter", "RESPCore", "WAMPCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: testable
        ),
        .executableTarget(
            name: "FuzzClusterFrames",
            dependencies: [
                "FuzzSupport", "JunctionCluster", "JunctionRouter", "RESPCore", "WAMPCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
