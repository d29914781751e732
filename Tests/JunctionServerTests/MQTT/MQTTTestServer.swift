import JunctionClient
import Logging
import NIOCore
import NIOPosix

@testable import JunctionServer

/// A live router for the MQTT tests: realm `realm1` (anonymous may do anything, principal `joe`
/// with ticket `joe-ticket` in role `limited`, which may only use `allowed.`; JWTs signed with the
/// authentication tests' secret), realm `closed`
/// (no anonymous role), MQTT listeners on both on port 0, and a WebSocket listener with `/ws`
/// and `/mqtt`.
struct MQTTTestServer {
    let server: JunctionServer
    let group: MultiThreadedEventLoopGroup

    static let yaml = """
        realms:
          - name: realm1
            roles:
              - name: anonymous
                permissions: [{uri: "", match: prefix, allow: [call, register, publish, subscribe]}]
              - name: limited
                permissions: [{uri: allowed, match: prefix, allow: [publish, subscribe]}]
            authentication:
              ticket:
                principals: [{authid: joe, ticket: joe-ticket, role: limited}]
              jwt:
                keys: [{algorithm: HS256, secret: "\(AuthenticationEndToEndTests.jwtSecret)"}]
                audience: junction
          - name: closed
            anonymous_role: ""
            roles:
              - name: anonymous
                permissions: [{uri: "", match: prefix, allow: [publish, subscribe]}]
        transports:
          - type: mqtt
            realm: realm1
            port: 0
            limits: {max_session_expiry: 3600, max_queued_messages: 100, receive_maximum: 10}
            payload: {mode: json, prefixes: [{prefix: raw/, mode: passthrough}]}
          - type: websocket
            port: 0
            mqtt: {realm: realm1}
          - type: mqtt
            realm: closed
            port: 0
        """

    var mqtt: SocketAddress { self.server.boundAddresses[0] }
    var webSocket: SocketAddress { self.server.boundAddresses[1] }
    var closedRealm: SocketAddress { self.server.boundAddresses[2] }

    static func start() async throws -> MQTTTestServer {
        var configuration = try ConfigurationLoader.load(yaml: Self.yaml)
        configuration.eventLoops = 2
        var logger = Logger(label: "mqtt-test")
        logger.logLevel = .critical
        let server = try await JunctionServer.start(configuration: configuration, logger: logger)
        return MQTTTestServer(server: server, group: MultiThreadedEventLoopGroup(numberOfThreads: 1))
    }

    func stop() async {
        await self.server.shutdown()
        try? await self.group.shutdownGracefully()
    }

    func wampClient() async throws -> WAMPClient {
        var configuration = try ClientConfiguration(
            url: "ws://127.0.0.1:\(self.webSocket.port!)/ws",
            realm: "realm1",
            reconnect: .disabled
        )
        configuration.joinTimeout = .seconds(5)
        return try await WAMPClient.connect(configuration)
    }
}

func withMQTTServer(_ body: (MQTTTestServer) async throws -> Void) async throws {
    let server = try await MQTTTestServer.start()
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}
