import Foundation
import JunctionRouter
import Logging
import NIOCore
import NIOPosix
import Testing
import WAMPCore

@testable import JunctionServer

/// Graceful shutdown of a live router: listeners stop, every session gets GOODBYE
/// `wamp.close.system_shutdown`, shutdown ends when the peers have answered, and is bounded when
/// they do not.
@Suite struct ShutdownTests {
    private static func start(shutdownTimeout: Duration) async throws -> JunctionServer {
        var configuration = JunctionConfiguration(
            realms: [.openRealm(named: "realm1")],
            transports: [
                .webSocket(.init(host: "127.0.0.1", port: 0, path: "/ws")),
                .rawSocket(.init(endpoint: .tcp(host: "127.0.0.1", port: 0))),
            ]
        )
        configuration.eventLoops = 2
        var logger = Logger(label: "shutdown-test")
        logger.logLevel = .critical
        return try await JunctionServer.start(
            configuration: configuration,
            shutdownTimeout: shutdownTimeout,
            logger: logger
        )
    }

    @Test func everySessionGetsSystemShutdownAndShutdownEndsWhenTheyAnswer() async throws {
        let clients = MultiThreadedEventLoopGroup.singleton
        // A timeout far longer than the test may take: shutdown must end because the peers answered.
        let server = try await Self.start(shutdownTimeout: .seconds(60))
        var rawSockets: [RawSocketTestClient] = []
        for serializer in [SerializerKind.json, .msgpack, .cbor] {
            rawSockets.append(
                try await RawSocketTestClient.joined(
                    to: server.boundAddresses[1],
                    serializer: serializer,
                    group: clients
                ).0
            )
        }
        let webSocket = try await WebSocketTestClient.connect(
            to: server.boundAddresses[0],
            serializer: .json,
            group: clients
        )
        _ = try await webSocket.join()

        let started = ContinuousClock.now
        let stopping = Task { await server.shutdown() }
        for client in rawSockets {
            guard case .goodbye(let goodbye) = try await client.receive() else {
                Issue.record("no GOODBYE on shutdown")
                return
            }
            #expect(goodbye.reason == WAMPErrorURI.systemShutdown)
            try await client.send(.goodbye(.init(reason: WAMPErrorURI.goodbyeAndOut)))
        }
        guard case .goodbye(let goodbye) = try await webSocket.receive() else {
            Issue.record("no GOODBYE on shutdown (WebSocket)")
            return
        }
        #expect(goodbye.reason == WAMPErrorURI.systemShutdown)
        try await webSocket.send(.goodbye(.init(reason: WAMPErrorURI.goodbyeAndOut)))
        await stopping.value
        #expect(ContinuousClock.now - started < .seconds(20))
        for client in rawSockets { try await client.waitUntilClosed() }
    }

    @Test func peersThatNeverAnswerAreClosedAfterTheTimeout() async throws {
        let clients = MultiThreadedEventLoopGroup.singleton
        let server = try await Self.start(shutdownTimeout: .milliseconds(200))
        let (silent, _) = try await RawSocketTestClient.joined(to: server.boundAddresses[1], group: clients)
        // Connected but never says HELLO: no session to say GOODBYE to, and its HELLO timeout is 10 s.
        let idle = try await RawSocketTestClient.connect(to: server.boundAddresses[1], group: clients)
        _ = try await idle.readHandshake()

        let started = ContinuousClock.now
        await server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(5))
        guard case .goodbye(let goodbye) = try await silent.receive() else {
            Issue.record("no GOODBYE on shutdown")
            return
        }
        #expect(goodbye.reason == WAMPErrorURI.systemShutdown)
        try await silent.waitUntilClosed()
        try await idle.waitUntilClosed()
    }

    @Test func listenersStopAcceptingBeforeSessionsAreTold() async throws {
        let clients = MultiThreadedEventLoopGroup.singleton
        let server = try await Self.start(shutdownTimeout: .seconds(5))
        let address = server.boundAddresses[1]
        let (client, _) = try await RawSocketTestClient.joined(to: address, group: clients)
        let stopping = Task { await server.shutdown() }
        guard case .goodbye = try await client.receive() else {
            Issue.record("no GOODBYE on shutdown")
            return
        }
        await #expect(throws: (any Error).self) {
            let late = try await RawSocketTestClient.connect(to: address, group: clients)
            _ = try await late.readHandshake()
        }
        try await client.send(.goodbye(.init(reason: WAMPErrorURI.goodbyeAndOut)))
        await stopping.value
    }

    @Test func aListenerThatCannotBindFailsTheStartAndReleasesTheOthers() async throws {
        let taken = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { taken.close(promise: nil) }
        let port = try #require(taken.localAddress?.port)
        let free = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let freePort = try #require(free.localAddress?.port)
        try await free.close()

        var configuration = JunctionConfiguration(
            realms: [.openRealm(named: "realm1")],
            transports: [
                .rawSocket(.init(endpoint: .tcp(host: "127.0.0.1", port: freePort))),
                .rawSocket(.init(endpoint: .tcp(host: "127.0.0.1", port: port))),
            ]
        )
        configuration.eventLoops = 1
        var logger = Logger(label: "shutdown-test")
        logger.logLevel = .critical
        await #expect(throws: IOError.self) {
            _ = try await JunctionServer.start(configuration: configuration, logger: logger)
        }
        let again = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: freePort).get()
        try await again.close()
    }
}
