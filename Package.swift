// swift-tools-version:6.1
import PackageDescription

/// Release builds of the data-path targets skip the dynamic exclusivity checks (about 6 % of the
/// router's time under load: class properties mutated in place on every message). Debug builds,
/// which run all tests, keep them, so a violation still fails the tests.
let dataPathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    name: "junction",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "junction", targets: ["junction"]),
        .library(name: "WAMPCore", targets: ["WAMPCore"]),
        .library(name: "MQTTCore", targets: ["MQTTCore"]),
        .library(name: "JunctionMQTT", targets: ["JunctionMQTT"]),
        .library(name: "JunctionClient", targets: ["JunctionClient"]),
        // For embedders and the micro-benchmarks (Benchmarks/): realms driven without sockets.
        .library(name: "JunctionRouter", targets: ["JunctionRouter"]),
        // RESP values, parser, encoder and the Redis client's pure connection state machine.
        .library(name: "RESPCore", targets: ["RESPCore"]),
        .library(name: "JunctionRedis", targets: ["JunctionRedis"]),
        .library(name: "JunctionMetrics", targets: ["JunctionMetrics"]),
        .library(name: "JunctionComponents", targets: ["JunctionComponents"]),
        .library(name: "JunctionServer", targets: ["JunctionServer"]),
        .library(name: "JunctionCluster", targets: ["JunctionCluster"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.1.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        // Metrics (/metrics), hosted components' processes, durable storage, the event forwarder.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Protocol core: values, messages, URIs, IDs, serializers. No NIO, no Foundation JSON.
        .target(name: "WAMPCore", swiftSettings: dataPathSettings),
        // MQTT 3.1.1 and 5.0 protocol core: packets, properties, the incremental parser, the
        // encoder, topic names and filters. No NIO, no Foundation, like WAMPCore.
        .target(name: "MQTTCore", swiftSettings: dataPathSettings),
        // The MQTT endpoint: an MQTT connection as a realm session (pure session state machine,
        // topic and payload mapping, the connection handler). No Foundation.
        .target(
            name: "JunctionMQTT",
            dependencies: [
                "MQTTCore", "JunctionRouter", "JunctionAuth", "WAMPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: dataPathSettings
        ),
        // Authentication building blocks shared by router and client: WAMP-CRA, cryptosign, JWT,
        // constant-time comparison. No NIO.
        .target(
            name: "JunctionAuth",
            dependencies: [
                "WAMPCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        // Transports: WebSocket and RawSocket pipelines that turn bytes into WAMP messages and back.
        .target(
            name: "JunctionTransport",
            dependencies: [
                "WAMPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: dataPathSettings
        ),
        // Router: realms, sessions, broker, dealer. Event-loop confined, transport agnostic.
        .target(
            name: "JunctionRouter",
            dependencies: [
                "WAMPCore", "JunctionAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: dataPathSettings
        ),
        // Crossbar-compatible HTTP bridge, pure: request checks, signatures, nonce replay, bodies.
        // No NIO, so the parsers can be fuzzed alone.
        .target(
            name: "HTTPBridgeCore",
            dependencies: ["WAMPCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Server: configuration, listeners, pipelines wiring transports to the router, lifecycle.
        .target(
            name: "JunctionServer",
            dependencies: [
                "WAMPCore", "JunctionTransport", "JunctionRouter", "JunctionAuth", "JunctionMetrics", "HTTPBridgeCore",
                "JunctionComponents", "JunctionMQTT", "MQTTCore", "JunctionStorage", "JunctionCluster",
                "JunctionRedis",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The dashboard's files are embedded by scripts/embed-dashboard.py (DashboardAssets.swift).
            exclude: ["HTTP/Dashboard/index.html", "HTTP/Dashboard/app.js", "HTTP/Dashboard/style.css"],
            swiftSettings: dataPathSettings
        ),
        // Hosted components: supervision state machines, processes (swift-subprocess), in-process
        // `Component`s, the `junction.component.*` operations.
        .target(
            name: "JunctionComponents",
            dependencies: [
                "JunctionRouter", "WAMPCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        // The router's Prometheus registry and the swift-metrics factory that records into it.
        .target(
            name: "JunctionMetrics",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Durable storage: event history, stream offsets/epochs, retained events and key/value
        // namespaces in SQLite (sqlite-nio), written in group commits on a thread of its own.
        .target(
            name: "JunctionStorage",
            dependencies: [
                "WAMPCore", "JunctionRouter",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Client library: WAMP sessions over WebSocket and RawSocket, authentication, reconnect.
        .target(
            name: "JunctionClient",
            dependencies: [
                "WAMPCore", "JunctionAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "junction",
            dependencies: [
                "JunctionServer",
                "JunctionStorage",
                "JunctionCluster",
                "JunctionRedis",
                "JunctionClient",
                "JunctionTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Redis protocol core: RESP2/RESP3 values, incremental parser, encoder, and the client
        // connection state machine. ByteBuffer from NIOCore is its only dependency: no channels.
        .target(name: "RESPCore", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        // Redis client: a NIO channel handler that runs RESPCore's connection state machine, and an
        // async API over it (commands, pub/sub streams).
        .target(
            name: "JunctionRedis",
            dependencies: [
                "RESPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // One realm across many nodes over Redis: membership, ordered cross-node pub/sub with gap
        // repair, the cluster's Redis connections (timeouts, reconnect, self-probe).
        .target(
            name: "JunctionCluster",
            dependencies: [
                "JunctionRouter", "JunctionRedis", "RESPCore", "WAMPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Load generator and bare WebSocket baseline server: drives any WAMP router (Junction, Crossbar).
        .executableTarget(
            name: "junction-bench",
            dependencies: [
                "WAMPCore",
                "MQTTCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Sources/JunctionBench"
        ),
        // Test targets mirror the source targets; every module a test file imports is listed
        // (scripts/check-imports.py checks it).
        .testTarget(
            name: "JunctionBenchTests",
            dependencies: [
                "junction-bench", "WAMPCore", "MQTTCore", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "WAMPCoreTests", dependencies: ["WAMPCore"]),
        .testTarget(name: "HTTPBridgeCoreTests", dependencies: ["HTTPBridgeCore", "WAMPCore"]),
        .testTarget(name: "MQTTCoreTests", dependencies: ["MQTTCore"]),
        .testTarget(
            name: "JunctionMQTTTests",
            dependencies: [
                "JunctionMQTT", "MQTTCore", "WAMPCore", "JunctionRouter",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "JunctionMetricsTests",
            dependencies: ["JunctionMetrics", .product(name: "CoreMetrics", package: "swift-metrics")]
        ),
        .testTarget(name: "RESPCoreTests", dependencies: ["RESPCore", .product(name: "NIOCore", package: "swift-nio")]),
        // Includes interop against a real `redis-server` started by the tests (skipped when absent).
        .testTarget(
            name: "JunctionRedisTests",
            dependencies: [
                "JunctionRedis", "RESPCore", "RedisTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        // Pure state machines, and three nodes against a real `redis-server` (skipped when absent).
        .testTarget(
            name: "JunctionClusterTests",
            dependencies: [
                "JunctionCluster", "JunctionServer", "JunctionRouter", "JunctionClient", "JunctionRedis", "RESPCore",
                "WAMPCore", "RedisTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "JunctionAuthTests",
            dependencies: [
                "JunctionAuth", "WAMPCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        // Throwaway redis-server processes (plain, TLS with generated certificates, a replica, a
        // sentinel) for the Redis client's and the cluster's tests.
        .target(
            name: "RedisTestSupport",
            dependencies: [
                "JunctionRedis", "RESPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Tests/RedisTestSupport"
        ),
        // An in-process router and client sessions for the client and CLI tests.
        .target(
            name: "JunctionTestSupport",
            dependencies: [
                "JunctionServer", "JunctionRouter", "JunctionClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/JunctionTestSupport"
        ),
        .testTarget(
            name: "JunctionClientTests",
            dependencies: [
                "JunctionClient", "JunctionAuth", "JunctionTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // `junction call|publish|subscribe|register`, run as subprocesses of the built executable;
        // the server's log handler.
        .testTarget(
            name: "JunctionCLITests",
            dependencies: [
                "junction", "JunctionClient", "JunctionTestSupport", "JunctionServer", "JunctionComponents",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "JunctionTransportTests",
            dependencies: [
                "JunctionTransport", "WAMPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "JunctionRouterTests",
            dependencies: [
                "JunctionRouter", "JunctionAuth", "WAMPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // Delivery and LocalSession tests run realms on real loops.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "JunctionComponentsTests",
            dependencies: [
                // The end-to-end tests run `junction register` as a component.
                "junction",
                "JunctionComponents", "JunctionServer", "JunctionRouter", "JunctionClient", "WAMPCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "JunctionStorageTests",
            dependencies: [
                "JunctionStorage", "JunctionRouter", "WAMPCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "JunctionServerTests",
            dependencies: [
                "JunctionComponents",
                "JunctionServer", "JunctionRouter", "JunctionClient", "JunctionAuth", "WAMPCore", "HTTPBridgeCore", "MQTTCore",
                "JunctionMetrics", "JunctionTransport", "JunctionStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
