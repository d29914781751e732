import Foundation
import JunctionClient
import Logging
import NIOCore
import NIOPosix
import Testing
import WAMPCore

@testable import JunctionServer

/// What a live router counts, read from the exposition `/metrics` serves: sessions, messages,
/// routed calls and their durations, publications and deliveries, denials, authentications.
@Suite struct RouterMetricsTests {
    static let yaml = """
        limits:
          auth_failure_delay_ms: 0
        realms:
          - name: realm1
            anonymous_role: anonymous
            roles:
              - name: anonymous
                permissions:
                  - {uri: com.app., match: prefix, allow: [call, register, subscribe, publish]}
            authentication:
              ticket:
                principals:
                  - {authid: joe, ticket: joe-ticket, role: anonymous}
        transports:
          - {type: websocket, port: 0}
        """

    static func start() async throws -> JunctionServer {
        var configuration = try ConfigurationLoader.load(yaml: Self.yaml)
        configuration.eventLoops = 2
        var logger = Logger(label: "metrics-test")
        logger.logLevel = .critical
        return try await JunctionServer.start(configuration: configuration, logger: logger)
    }

    static func ticketClient(_ server: JunctionServer, ticket: String) async throws -> WAMPClient {
        var configuration = try ClientConfiguration(
            url: "ws://127.0.0.1:\(server.boundAddresses[0].port!)/ws", realm: "realm1",
            authentication: .ticket(authid: "joe", ticket: ticket), reconnect: .disabled)
        configuration.joinTimeout = .seconds(5)
        return try await WAMPClient.connect(configuration)
    }

    /// The value of the series `line` (name with labels) in `text`, if present.
    static func value(_ series: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func aSessionsWorkIsCountedAndTheExpositionPassesPromtool() async throws {
        let server = try await Self.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let address = server.boundAddresses[0]
        let callee = try await WebSocketTestClient.connect(to: address, serializer: .json, group: group)
        let caller = try await WebSocketTestClient.connect(to: address, serializer: .msgpack, group: group)
        _ = try await callee.join()
        _ = try await caller.join()

        try await callee.send(.register(.init(request: 1, procedure: "com.app.add")))
        guard case .registered = try await callee.receive() else { throw TestClientFailure.unexpected("no REGISTERED") }
        try await caller.send(.call(.init(request: 1, procedure: "com.app.add", payload: .init(args: [1, 2]))))
        guard case .invocation(let invocation) = try await callee.receive() else {
            throw TestClientFailure.unexpected("no INVOCATION")
        }
        try await callee.send(.yield(.init(request: invocation.request, payload: .init(args: [3]))))
        guard case .result = try await caller.receive() else { throw TestClientFailure.unexpected("no RESULT") }

        try await callee.send(.subscribe(.init(request: 2, topic: "com.app.topic")))
        guard case .subscribed = try await callee.receive() else { throw TestClientFailure.unexpected("no SUBSCRIBED") }
        try await caller.send(
            .publish(
                .init(request: 2, options: ["acknowledge": true], topic: "com.app.topic", payload: .init(args: [1]))))
        guard case .published = try await caller.receive(), case .event = try await callee.receive() else {
            throw TestClientFailure.unexpected("no PUBLISHED/EVENT")
        }

        try await caller.send(.call(.init(request: 3, procedure: "com.secret.op")))
        guard case .error(let denied) = try await caller.receive() else {
            throw TestClientFailure.unexpected("no ERROR")
        }
        #expect(denied.error == WAMPErrorURI.notAuthorized)

        let joe = try await Self.ticketClient(server, ticket: "joe-ticket")
        await #expect(throws: WAMPError.self) { _ = try await Self.ticketClient(server, ticket: "wrong") }

        await server.runtime.metrics.collect()
        let text = String(decoding: server.runtime.metrics.exposition(), as: UTF8.self)
        #expect(Self.value(#"junction_sessions{realm="realm1",transport="websocket"}"#, in: text) == 3)
        #expect(Self.value("junction_calls_total", in: text) == 1)
        #expect(Self.value("junction_call_duration_seconds_count", in: text) == 1)
        #expect(Self.value(#"junction_call_duration_seconds_bucket{le="+Inf"}"#, in: text) == 1)
        #expect(Self.value("junction_publications_total", in: text) == 1)
        #expect(Self.value("junction_event_deliveries_total", in: text) == 1)
        #expect(Self.value("junction_authorization_denials_total", in: text) == 1)
        #expect(Self.value(#"junction_authentications_total{method="ticket",result="success"}"#, in: text) == 1)
        #expect(Self.value(#"junction_authentications_total{method="ticket",result="failure"}"#, in: text) == 1)
        #expect(Self.value(#"junction_authentications_total{method="anonymous",result="success"}"#, in: text) == 2)
        #expect(Self.value(#"junction_messages_total{direction="in",type="call"}"#, in: text) == 2)
        #expect(Self.value(#"junction_messages_total{direction="out",type="invocation"}"#, in: text) == 1)
        #expect(Self.value(#"junction_messages_total{direction="out",type="event"}"#, in: text) == 1)
        #expect(Self.value(#"junction_events_dropped_total{reason="slow_consumer"}"#, in: text) == 0)
        #expect(Self.value("junction_slow_consumer_disconnects_total", in: text) == 0)
        #expect((Self.value(#"junction_bytes_total{direction="in"}"#, in: text) ?? 0) > 0)
        #expect((Self.value(#"junction_bytes_total{direction="out"}"#, in: text) ?? 0) > 0)
        #expect(!text.contains("com.app"), "no URI labels")

        // A second collection adds only what happened since.
        await joe.close()
        await server.runtime.metrics.collect()
        let later = String(decoding: server.runtime.metrics.exposition(), as: UTF8.self)
        #expect(Self.value("junction_calls_total", in: later) == 1)
        try await Self.expectPromtoolAccepts(later)

        await callee.raw.close()
        await caller.raw.close()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    /// `promtool check metrics` (Debian `prometheus`) on the exposition, when it is installed.
    static func expectPromtoolAccepts(_ text: String) async throws {
        let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        guard let promtool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promtool: \(report)")
    }
}
