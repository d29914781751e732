import Foundation
import JunctionRouter
import Logging
import NIOCore
import NIOPosix
import Testing
import WAMPCore

@testable import JunctionServer

/// Dead-peer detection and connection limits against a live router.
///
/// The hand-written test clients never answer a ping (they skip PING frames and ping frames
/// unanswered), so they stand in for a peer that vanished without FIN: the half-open case looks
/// exactly like this from the router's side. Pings run every second with a one-second timeout.
@Suite(.serialized) struct DeadPeerTests {
    /// A router with a WebSocket listener (pings off: its clients must survive) and a RawSocket
    /// listener with 1 s / 1 s pings, each capped at `maxConnections`.
    private func startServer(
        webSocketPing: Int = 0,
        rawSocketPing: Int = 1,
        maxConnections: Int = 100
    ) async throws -> (JunctionServer, MultiThreadedEventLoopGroup) {
        var webSocket = WebSocketListener(host: "127.0.0.1", port: 0, path: "/ws")
        webSocket.liveness.pingInterval = webSocketPing
        webSocket.liveness.pingTimeout = 1
        webSocket.liveness.maxConnections = maxConnections
        var rawSocket = RawSocketListener(endpoint: .tcp(host: "127.0.0.1", port: 0))
        rawSocket.liveness.pingInterval = rawSocketPing
        rawSocket.liveness.pingTimeout = 1
        rawSocket.liveness.maxConnections = maxConnections
        var configuration = JunctionConfiguration(
            realms: [.openRealm(named: "realm1")],
            transports: [.webSocket(webSocket), .rawSocket(rawSocket)]
        )
        configuration.eventLoops = 1
        var logger = Logger(label: "dead-peer-test")
        logger.logLevel = .critical
        let server = try await JunctionServer.start(configuration: configuration, logger: logger)
        return (server, MultiThreadedEventLoopGroup(numberOfThreads: 1))
    }

    private func sessionCount(_ server: JunctionServer) async throws -> Int {
        let realm = try #require(server.router.realm(named: "realm1"))
        return try await realm.eventLoop.submit { realm.sessionCount }.get()
    }

    private func waitForSessionCount(
        _ expected: Int,
        _ server: JunctionServer,
        timeout: Duration
    )
        async throws
    {
        let deadline = ContinuousClock.now + timeout
        while try await self.sessionCount(server) != expected, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await self.sessionCount(server) == expected)
    }

    @Test func silentCalleeIsClosedAndItsPendingCallGetsAnError() async throws {
        let (server, group) = try await self.startServer()
        let caller = try await WebSocketTestClient.connect(
            to: server.boundAddresses[0],
            serializer: .json,
            group: group
        )
        _ = try await caller.join()
        let (callee, _) = try await RawSocketTestClient.joined(
            to: server.boundAddresses[1],
            group: group
        )
        try await callee.send(.register(.init(request: 1, procedure: "com.example.stuck")))
        guard case .registered = try await callee.receive() else {
            Issue.record("no REGISTERED")
            return
        }
        #expect(try await self.sessionCount(server) == 2)
        // An unsolicited PONG is a sign of life: it keeps the callee up however slowly this test
        // got here (a loaded machine may take seconds); from the INVOCATION on it is silent.
        try await callee.sendFrame([], type: 2)
        try await caller.send(.call(.init(request: 7, procedure: "com.example.stuck")))
        guard case .invocation = try await callee.receive() else {
            Issue.record("no INVOCATION")
            return
        }
        // The callee now neither yields nor answers PINGs: within interval + timeout (+ one
        // interval of check granularity) the router closes it and answers the caller.
        let started = ContinuousClock.now
        guard case .error(let error) = try await caller.receive(timeout: .seconds(8)) else {
            Issue.record("the caller did not get an ERROR")
            return
        }
        #expect(error.request == 7)
        #expect(error.error == WAMPErrorURI.canceled)
        #expect(ContinuousClock.now - started < .seconds(5))
        try await callee.waitUntilClosed(timeout: .seconds(2))
        try await self.waitForSessionCount(1, server, timeout: .seconds(2))
        // The registration went with the session.
        try await caller.send(.call(.init(request: 8, procedure: "com.example.stuck")))
        guard case .error(let gone) = try await caller.receive() else {
            Issue.record("no ERROR for the orphaned procedure")
            return
        }
        #expect(gone.error == WAMPErrorURI.noSuchProcedure)
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func silentWebSocketPeerIsClosed() async throws {
        let (server, group) = try await self.startServer(webSocketPing: 1)
        let client = try await WebSocketTestClient.connect(
            to: server.boundAddresses[0],
            serializer: .cbor,
            group: group
        )
        _ = try await client.join()
        try await self.waitForSessionCount(1, server, timeout: .seconds(1))
        // No answer to the pings: closed, with Close 1001, within about 3 s.
        let bytes = try await client.raw.readUntilClosed(timeout: .seconds(6))
        #expect(bytes.contains(0x89))  // it was pinged first
        try await self.waitForSessionCount(0, server, timeout: .seconds(2))
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func rawSocketListenerRefusesConnectionsOverItsLimit() async throws {
        let (server, group) = try await self.startServer(rawSocketPing: 0, maxConnections: 1)
        let (first, _) = try await RawSocketTestClient.joined(
            to: server.boundAddresses[1],
            group: group
        )
        let second = try await RawSocketTestClient.connect(to: server.boundAddresses[1], group: group)
        // Handshake error 4: "maximum connection count reached", then closed.
        #expect(try await second.readHandshake() == [0x7F, 0x40, 0x00, 0x00])
        try await second.waitUntilClosed()
        // A freed slot is given to the next client.
        await first.close()
        try await self.waitForSessionCount(0, server, timeout: .seconds(2))
        let (third, _) = try await RawSocketTestClient.joined(
            to: server.boundAddresses[1],
            group: group
        )
        await third.close()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func webSocketListenerAnswers503OverItsLimit() async throws {
        let (server, group) = try await self.startServer(maxConnections: 1)
        let first = try await WebSocketTestClient.connect(
            to: server.boundAddresses[0],
            serializer: .json,
            group: group
        )
        _ = try await first.join()
        let (second, head) = try await WebSocketTestClient.upgrade(
            to: server.boundAddresses[0],
            protocols: "wamp.2.json",
            group: group
        )
        #expect(head.hasPrefix("HTTP/1.1 503"))
        _ = try await second.readUntilClosed()
        await server.shutdown()
        try await group.shutdownGracefully()
    }
}
