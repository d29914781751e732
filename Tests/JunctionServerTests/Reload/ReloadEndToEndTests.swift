import Foundation
import JunctionRouter
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import WAMPCore

@testable import JunctionServer

/// A live router started from a file; the file is edited and reloaded through the function SIGHUP
/// calls (`JunctionRuntime.reload(fromFile:)`).
@Suite struct ReloadEndToEndTests {
    static let before = """
        limits:
          auth_failure_delay_ms: 0
        realms:
          - name: realm1
            anonymous_role: guest
            roles:
              - name: guest
                permissions:
                  - {uri: com.app., match: prefix, allow: [call, register, subscribe, publish]}
              - name: member
                permissions:
                  - {uri: com.app., match: prefix, allow: [call, register, subscribe, publish]}
            authentication:
              ticket:
                principals:
                  - {authid: joe, ticket: joe-ticket, role: member}
          - name: old
            anonymous_role: anonymous
            roles:
              - {name: anonymous, permissions: [{uri: "", match: prefix, allow: [call, subscribe, publish, register]}]}
        transports:
          - {type: websocket, port: 0}
          - {type: rawsocket, port: 0}
        """

    /// `guest` may no longer call; `member` is gone (and with it joe's role); `ann` is a new
    /// principal; realm `old` is replaced by `new`; the rawsocket entry changed, so its listener
    /// is closed and a new one bound, while the unchanged websocket listener keeps running.
    static let after = """
        limits:
          auth_failure_delay_ms: 0
        realms:
          - name: realm1
            anonymous_role: guest
            roles:
              - name: guest
                permissions:
                  - {uri: com.app., match: prefix, allow: [subscribe, publish]}
            authentication:
              ticket:
                principals:
                  - {authid: ann, ticket: ann-ticket, role: guest}
          - name: new
            anonymous_role: anonymous
            roles:
              - {name: anonymous, permissions: [{uri: "", match: prefix, allow: [call, subscribe, publish, register]}]}
        transports:
          - {type: websocket, port: 0}
          - {type: rawsocket, port: 0, serializers: [json]}
        """

    final class Fixture: Sendable {
        let directory: URL
        let file: URL
        let server: JunctionServer
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

        init() async throws {
            self.directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("junction-reload-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
            self.file = self.directory.appendingPathComponent("junction.yaml")
            try ReloadEndToEndTests.before.write(to: self.file, atomically: true, encoding: .utf8)
            var configuration = try ConfigurationFile.load(path: self.file.path)
            configuration.eventLoops = 2
            var logger = Logger(label: "reload-test")
            logger.logLevel = .critical
            self.server = try await JunctionServer.start(
                configuration: configuration, configurationFile: self.file.path, logger: logger)
        }

        func write(_ yaml: String) throws {
            try yaml.write(to: self.file, atomically: true, encoding: .utf8)
        }

        func webSocket(_ address: SocketAddress? = nil) async throws -> WebSocketTestClient {
            try await WebSocketTestClient.connect(
                to: address ?? self.server.boundAddresses[0], serializer: .json, group: self.group)
        }

        func stop() async {
            await self.server.shutdown()
            try? await self.group.shutdownGracefully()
            try? FileManager.default.removeItem(at: self.directory)
        }
    }

    /// Joins with a ticket by hand (HELLO, CHALLENGE, AUTHENTICATE), so the test sees every
    /// message the router sends afterwards, GOODBYE included.
    static func joinWithTicket(
        _ client: WebSocketTestClient, authid: String, ticket: String
    ) async throws -> WAMPMessage {
        let roles: WAMPDict = ["caller": [:], "publisher": [:]]
        let details: WAMPDict = ["roles": .dict(roles), "authmethods": ["ticket"], "authid": .string(authid)]
        try await client.send(.hello(.init(realm: "realm1", details: details)))
        let first = try await client.receive()
        guard case .challenge = first else { return first }
        try await client.send(.authenticate(.init(signature: ticket, extra: [:])))
        return try await client.receive()
    }

    /// The URI of the ERROR (or "ok") a CALL to `procedure` gets.
    static func callOutcome(
        _ client: WebSocketTestClient, _ procedure: String, request: UInt64
    ) async throws -> String {
        try await client.send(.call(.init(request: request, procedure: procedure)))
        switch try await client.receive() {
        case .error(let error): return error.error
        case .result: return "ok"
        case let other: return "\(other)"
        }
    }

    static func webSocketListener(_ server: JunctionServer) -> SocketAddress? {
        server.runtime.listeners.listening.first { listener in
            if case .webSocket = listener.transport { return true }
            return false
        }?.address
    }

    static func publishAcknowledged(_ client: WebSocketTestClient, request: UInt64) async throws -> Bool {
        try await client.send(
            .publish(.init(request: request, options: ["acknowledge": true], topic: "com.app.news", payload: .empty)))
        if case .published = try await client.receive() { return true }
        return false
    }

    @Test func aReloadChangesRealmsRolesPrincipalsAndListenersWithoutDroppingSessions() async throws {
        let fixture = try await Fixture()
        let server = fixture.server
        let seen = Mutex<[(old: Int, new: Int)]>([])
        server.runtime.onReload { old, new in seen.withLock { $0.append((old.realms.count, new.realms.count)) } }

        let guest = try await fixture.webSocket()
        _ = try await guest.join()
        #expect(try await Self.callOutcome(guest, "com.app.op", request: 1) == WAMPErrorURI.noSuchProcedure)
        let member = try await fixture.webSocket()
        guard case .welcome = try await Self.joinWithTicket(member, authid: "joe", ticket: "joe-ticket") else {
            throw TestClientFailure.unexpected("joe was not welcomed")
        }
        let inOld = try await fixture.webSocket()
        _ = try await inOld.join(realm: "old")
        let oldRawSocket = server.boundAddresses[1]
        let webSocketBefore = Self.webSocketListener(server)

        try fixture.write(Self.after)
        let report = try await server.reload()

        #expect(report.realms.added == ["new"])
        #expect(report.realms.removed == ["old"])
        #expect(report.realms.reconfigured == ["realm1"])
        #expect(report.realms.sessionsEnded == 2)
        #expect(report.listeners.closed.count == 1)
        #expect(report.listeners.bound.count == 1)
        #expect(report.listeners.failed.isEmpty)
        #expect(seen.withLock { $0.map(\.new) } == [2])

        // The guest session stayed and has its role's new permissions.
        #expect(try await Self.publishAcknowledged(guest, request: 2))
        #expect(try await Self.callOutcome(guest, "com.app.op", request: 3) == WAMPErrorURI.notAuthorized)
        // joe's role is gone: GOODBYE with the reason; the removed realm's session too.
        guard case .goodbye(let roleRemoved) = try await member.receive() else {
            throw TestClientFailure.unexpected("no GOODBYE for the removed role")
        }
        #expect(roleRemoved.reason == "wamp.close.role_removed")
        guard case .goodbye(let realmRemoved) = try await inOld.receive() else {
            throw TestClientFailure.unexpected("no GOODBYE for the removed realm")
        }
        #expect(realmRemoved.reason == "wamp.close.realm_removed")

        // New realm and principal admit sessions; the removed principal is refused.
        let inNew = try await fixture.webSocket()
        _ = try await inNew.join(realm: "new")
        let ann = try await fixture.webSocket()
        let annJoined = try await Self.joinWithTicket(ann, authid: "ann", ticket: "ann-ticket")
        guard case .welcome(let welcome) = annJoined else {
            throw TestClientFailure.unexpected("ann was not welcomed")
        }
        #expect(welcome.details["authrole"] == "guest")
        let joeAgain = try await fixture.webSocket()
        let joeJoined = try await Self.joinWithTicket(joeAgain, authid: "joe", ticket: "joe-ticket")
        guard case .abort(let refused) = joeJoined else {
            throw TestClientFailure.unexpected("joe was admitted after his principal was removed")
        }
        #expect(refused.reason == WAMPErrorURI.authenticationFailed)

        // Listeners: the unchanged websocket one kept its socket; the old rawsocket one is closed
        // and the new one accepts sessions.
        let webSocketAfter = Self.webSocketListener(server)
        #expect(webSocketAfter != nil && webSocketAfter == webSocketBefore)
        await #expect(throws: (any Error).self) {
            _ = try await RawSocketTestClient.joined(to: oldRawSocket, serializer: .json, group: fixture.group)
        }
        let newRawSocket = try #require(report.listeners.bound.first?.1)
        let (raw, _) = try await RawSocketTestClient.joined(to: newRawSocket, serializer: .json, group: fixture.group)

        for client in [guest, member, inOld, inNew, ann, joeAgain] { await client.raw.close() }
        await raw.close()
        await fixture.stop()
    }

    /// A router started from a file without any component hosts the first one a reload adds:
    /// the component listener and supervisor exist from the start.
    @Test func aReloadAddsTheFirstComponentToARouterStartedWithoutAny() async throws {
        let fixture = try await Fixture()
        defer { Task { await fixture.stop() } }
        let withComponent =
            Self.before + """

            components:
              - name: sleeper
                realm: old
                role: anonymous
                exec: [/bin/sh, -c, "exec sleep 60"]
                restart: never
                stop_timeout: 2
            """
        try fixture.write(withComponent)
        _ = try await fixture.server.reload()

        let client = try await fixture.webSocket()
        _ = try await client.join(realm: "old")
        var summary: WAMPDict = [:]
        for attempt in 1...100 {
            try await client.send(.call(.init(request: UInt64(attempt), procedure: "junction.component.list")))
            if case .result(let result) = try await client.receive(),
                case .list(let components)? = result.payload.args?.first,
                case .dict(let first)? = components.first
            {
                summary = first
                if first["running"] == .int(1) { break }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(summary["name"] == .string("sleeper"))
        #expect(summary["running"] == .int(1))
        await fixture.stop()
    }

    @Test func anInvalidFileIsRefusedLikeJunctionCheckAndTheRunningConfigurationStays() async throws {
        let fixture = try await Fixture()
        let server = fixture.server
        let guest = try await fixture.webSocket()
        _ = try await guest.join()
        let running = server.runtime.configuration

        try fixture.write(Self.before.replacingOccurrences(of: "anonymous_role: guest", with: "anonymous_rol: guest"))
        var expected: ConfigurationFileError?
        do {
            _ = try ConfigurationFile.load(path: fixture.file.path)
        } catch {
            expected = error
        }
        await #expect(throws: try #require(expected)) { try await server.reload() }
        #expect(expected?.message.contains("anonymous_rol") == true)
        #expect(server.runtime.configuration == running)
        #expect(try await Self.publishAcknowledged(guest, request: 1))
        #expect(try await Self.callOutcome(guest, "com.app.op", request: 2) == WAMPErrorURI.noSuchProcedure)

        await server.runtime.metrics.collect()
        let text = String(decoding: server.runtime.metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"junction_reloads_total{result="failure"} 1"#))

        await guest.raw.close()
        await fixture.stop()
    }

    @Test func aListenerThatCannotBindIsReportedAndTheRestKeepsRunning() async throws {
        let fixture = try await Fixture()
        let server = fixture.server
        let guest = try await fixture.webSocket()
        _ = try await guest.join()
        // The new entry asks for the port the websocket listener already holds.
        let taken = try #require(server.boundAddresses[0].port)
        try fixture.write(Self.before + "\n  - {type: rawsocket, port: \(taken)}\n")
        let report = try await server.reload()
        #expect(report.listeners.failed.count == 1)
        #expect(report.listeners.bound.isEmpty)
        #expect(report.listeners.closed.isEmpty)
        #expect(server.runtime.listeners.listening.count == 2)
        #expect(try await Self.publishAcknowledged(guest, request: 1))
        let another = try await fixture.webSocket()
        _ = try await another.join()

        await #expect(throws: ConfigurationFileError.self) {
            try await server.reload(fromFile: fixture.directory.appendingPathComponent("missing.yaml").path)
        }
        #expect(try await Self.publishAcknowledged(guest, request: 2))
        for client in [guest, another] { await client.raw.close() }
        await fixture.stop()
    }
}

@Suite struct PIDFileConfigurationTests {
    @Test func routerPIDFileIsReadAndTheDefaultLeavesItUnset() throws {
        let configured = try ConfigurationLoader.load(
            yaml: """
                router: {pid_file: /run/junction/junction.pid}
                realms: [{name: realm1}]
                transports: [{type: websocket, port: 0}]
                """)
        #expect(configured.pidFile == "/run/junction/junction.pid")
        #expect(try ConfigurationLoader.load(yaml: DefaultConfigurationFile.text).pidFile == nil)
    }
}
