import Crypto
import Foundation
import JunctionAuth
import JunctionClient
import JunctionRouter
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import WAMPCore

@testable import JunctionServer

/// Authentication and authorization through a live router configured from YAML, with the
/// Junction client on the other side (autobahn-python does the same in Tests/Interop).
@Suite(.serialized) struct AuthenticationEndToEndTests {
    static let deviceKey = Curve25519.Signing.PrivateKey()
    static let jwtSecret = "0123456789abcdef0123456789abcdef-jwt-secret"

    static func yaml(limits: [String: Int] = [:]) -> String {
        let merged = ["auth_failure_delay_ms": 0, "max_auth_failures": 1000].merging(limits) { $1 }
        return """
        limits:
        \(merged.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }.joined(separator: "\n"))
        realms:
          - name: realm1
            anonymous_role: ""
            roles:
              - name: user
                permissions:
                  - {uri: com.app., match: prefix, allow: [call, register, subscribe, publish]}
                  - {uri: com.app.admin, allow: []}
              - name: admin
                permissions:
                  - {uri: "", match: prefix, allow: [call, register, subscribe, publish]}
              - name: device
                permissions:
                  - {uri: com.device., match: prefix, allow: [publish]}
            authentication:
              ticket:
                principals:
                  - {authid: joe, ticket: joe-ticket, role: user}
              wampcra:
                principals:
                  - {authid: peter, secret: peter-secret, role: user}
                  - {authid: salty, secret: salty-secret, role: admin, salt: salt123, iterations: 100, keylen: 32}
              cryptosign:
                principals:
                  - {authid: device-1, pubkey: \(Hex.encode(Array(Self.deviceKey.publicKey.rawRepresentation))), role: device}
              jwt:
                keys:
                  - {algorithm: HS256, secret: "\(Self.jwtSecret)"}
                audience: junction
        transports:
          - {type: websocket, port: 0}
          - {type: rawsocket, port: 0}
          - {type: rawsocket, port: 0, auth_methods: [cryptosign]}
        """
    }

    static func start(limits: [String: Int] = [:], logger: Logger? = nil) async throws -> JunctionServer {
        var configuration = try ConfigurationLoader.load(yaml: Self.yaml(limits: limits))
        configuration.eventLoops = 2
        var quiet = Logger(label: "auth-test")
        quiet.logLevel = .critical
        return try await JunctionServer.start(configuration: configuration, logger: logger ?? quiet)
    }

    static func connect(
        _ server: JunctionServer, _ authentication: Authentication, transport: Int = 0
    ) async throws -> WAMPClient {
        let port = server.boundAddresses[transport].port!
        let url = transport == 0 ? "ws://127.0.0.1:\(port)/ws" : "rs://127.0.0.1:\(port)"
        var configuration = try ClientConfiguration(
            url: url, realm: "realm1", authentication: authentication, reconnect: .disabled)
        configuration.joinTimeout = .seconds(5)
        return try await WAMPClient.connect(configuration)
    }

    /// The URI of the ABORT that refused the join.
    static func refusal(_ server: JunctionServer, _ authentication: Authentication, transport: Int = 0) async -> String? {
        do {
            let client = try await Self.connect(server, authentication, transport: transport)
            await client.close()
            return nil
        } catch let error as WAMPError {
            return error.uri
        } catch {
            return "\(error)"
        }
    }

    static func jwt(_ claims: String, secret: String = Self.jwtSecret) -> String {
        func base64url(_ bytes: some Sequence<UInt8>) -> String {
            Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let input = base64url(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8)) + "." + base64url(Array(claims.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return input + "." + base64url(mac)
    }

    @Test func everyMethodAuthenticatesWithItsRole() async throws {
        let server = try await Self.start()
        defer { Task { await server.shutdown() } }
        let exp = Int(Date().timeIntervalSince1970) + 600
        let cases: [(Authentication, String, String, Int)] = [
            (.ticket(authid: "joe", ticket: "joe-ticket"), "joe", "user", 0),
            (.ticket(authid: "joe", ticket: "joe-ticket"), "joe", "user", 1),
            (.wampcra(authid: "peter", secret: "peter-secret"), "peter", "user", 0),
            (.wampcra(authid: "salty", secret: "salty-secret"), "salty", "admin", 1),
            (.cryptosign(authid: nil, privateKey: Self.deviceKey), "device-1", "device", 2),
            (
                .ticket(authid: "", ticket: Self.jwt(#"{"sub":"ann","role":"admin","aud":"junction","exp":\#(exp)}"#)),
                "ann", "admin", 0
            ),
        ]
        for (authentication, authid, role, transport) in cases {
            var authentication = authentication
            if authentication.authid == "" { authentication.authid = nil }
            let client = try await Self.connect(server, authentication, transport: transport)
            let session = try #require(client.session)
            #expect(session.authid == authid)
            #expect(session.authrole == role)
            await client.close()
        }
    }

    @Test func wrongCredentialsAreRefusedAlike() async throws {
        let server = try await Self.start()
        defer { Task { await server.shutdown() } }
        let now = Int(Date().timeIntervalSince1970)
        let stranger = Curve25519.Signing.PrivateKey()
        let failures: [Authentication] = [
            .ticket(authid: "joe", ticket: "wrong"),
            .ticket(authid: "nobody", ticket: "joe-ticket"),
            .wampcra(authid: "peter", secret: "wrong"),
            .wampcra(authid: "nobody", secret: "peter-secret"),
            .wampcra(authid: "salty", secret: "wrong"),
            .cryptosign(authid: nil, privateKey: stranger),
            .ticket(authid: "x", ticket: Self.jwt(#"{"sub":"x","role":"user","aud":"junction","exp":\#(now - 60)}"#)),
            .ticket(authid: "x", ticket: Self.jwt(#"{"sub":"x","role":"user","aud":"other","exp":\#(now + 60)}"#)),
            .ticket(
                authid: "x",
                ticket: Self.jwt(#"{"sub":"x","role":"user","aud":"junction"}"#, secret: "another-secret-of-32-bytes-length!!")),
        ]
        for authentication in failures {
            #expect(await Self.refusal(server, authentication) == WAMPErrorURI.authenticationFailed)
        }
        // The principal's role must exist on the realm.
        let ghost = Self.jwt(#"{"sub":"x","role":"ghost","aud":"junction","exp":\#(now + 60)}"#)
        #expect(await Self.refusal(server, .ticket(authid: "x", ticket: ghost)) == WAMPErrorURI.noSuchRole)
        // Anonymous is off on this realm; ticket is not allowed on the cryptosign-only listener.
        #expect(await Self.refusal(server, .anonymous) == WAMPErrorURI.notAuthorized)
        #expect(
            await Self.refusal(server, .ticket(authid: "joe", ticket: "joe-ticket"), transport: 2)
                == WAMPErrorURI.noMatchingAuthMethod)
    }

    @Test func permissionsApplyAndTheSessionStays() async throws {
        let server = try await Self.start()
        defer { Task { await server.shutdown() } }
        let user = try await Self.connect(server, .ticket(authid: "joe", ticket: "joe-ticket"))
        do {
            _ = try await user.call("com.app.admin")
            Issue.record("com.app.admin must be refused")
        } catch let error as WAMPError {
            #expect(error.uri == WAMPErrorURI.notAuthorized)
        }
        do {
            _ = try await user.call("wamp.session.count")
            Issue.record("the meta API must be refused to a role without permission")
        } catch let error as WAMPError {
            #expect(error.uri == WAMPErrorURI.notAuthorized)
        }
        // Still joined: a permitted call reaches the dealer.
        do {
            _ = try await user.call("com.app.echo")
            Issue.record("no callee registered")
        } catch let error as WAMPError {
            #expect(error.uri == WAMPErrorURI.noSuchProcedure)
        }
        await user.close()
    }

    @Test func repeatedFailuresLockTheAddressOut() async throws {
        let server = try await Self.start(limits: ["max_auth_failures": 2, "auth_failure_window": 60])
        defer { Task { await server.shutdown() } }
        let wrong = Authentication.ticket(authid: "joe", ticket: "wrong")
        #expect(await Self.refusal(server, wrong) == WAMPErrorURI.authenticationFailed)
        #expect(await Self.refusal(server, wrong) == WAMPErrorURI.authenticationFailed)
        // Locked out: even the right ticket is refused now.
        #expect(
            await Self.refusal(server, .ticket(authid: "joe", ticket: "joe-ticket")) == WAMPErrorURI.authenticationFailed)
    }

    @Test func secretsNeverReachTheLog() async throws {
        let log = CapturedLog()
        var logger = Logger(label: "auth-test") { _ in log }
        logger.logLevel = .trace
        let server = try await Self.start(logger: logger)
        defer { Task { await server.shutdown() } }
        let token = Self.jwt(#"{"sub":"ann","role":"admin","aud":"junction","exp":1}"#)
        _ = await Self.refusal(server, .ticket(authid: "joe", ticket: "wrong-ticket-xyz"))
        _ = await Self.refusal(server, .ticket(authid: "x", ticket: token))
        _ = await Self.refusal(server, .wampcra(authid: "peter", secret: "wrong-secret-xyz"))
        let client = try await Self.connect(server, .ticket(authid: "joe", ticket: "joe-ticket"))
        await client.close()
        let text = log.text
        #expect(text.contains("authentication failed"))
        for secret in ["wrong-ticket-xyz", "joe-ticket", token, "peter-secret", "wrong-secret-xyz", Self.jwtSecret] {
            #expect(!text.contains(secret), "the log contains a secret")
        }
    }

    @Test func failedLoginIsAnsweredAfterTheDelay() async throws {
        let server = try await Self.start(limits: ["auth_failure_delay_ms": 400])
        defer { Task { await server.shutdown() } }
        let start = ContinuousClock.now
        #expect(await Self.refusal(server, .ticket(authid: "joe", ticket: "wrong")) == WAMPErrorURI.authenticationFailed)
        #expect(ContinuousClock.now - start >= .milliseconds(400))
    }
}

/// Limits that apply before a session is established.
@Suite(.serialized) struct PreSessionLimitTests {
    static func start(limits: String) async throws -> (JunctionServer, MultiThreadedEventLoopGroup) {
        let yaml = """
            limits:
            \(limits)
            realms:
              - name: realm1
                roles: [{name: anonymous, permissions: [{uri: "", match: prefix, allow: [call, subscribe]}]}]
            transports:
              - {type: rawsocket, port: 0}
            """
        var logger = Logger(label: "limits-test")
        logger.logLevel = .critical
        let server = try await JunctionServer.start(configuration: try ConfigurationLoader.load(yaml: yaml), logger: logger)
        return (server, MultiThreadedEventLoopGroup(numberOfThreads: 1))
    }

    @Test func largeMessagesAreRefusedUntilWelcome() async throws {
        let (server, group) = try await Self.start(limits: "  pre_session_max_message_size: 1024")
        let big: WAMPDict = ["roles": ["caller": [:]], "padding": .string(String(repeating: "x", count: 2000))]
        let client = try await RawSocketTestClient.connect(to: server.boundAddresses[0], group: group)
        _ = try await client.readHandshake()
        try await client.send(.hello(.init(realm: "realm1", details: big)))
        try await client.waitUntilClosed()
        // After WELCOME the full limit applies.
        let (joined, _) = try await RawSocketTestClient.joined(to: server.boundAddresses[0], group: group)
        try await joined.send(
            .call(.init(request: 1, procedure: "com.x", payload: .init(args: [.string(String(repeating: "y", count: 4000))]))))
        #expect(try await joined.receive().errorURIForTests == WAMPErrorURI.noSuchProcedure)
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func webSocketFramesOverThePreSessionLimitAreRefusedUntilWelcome() async throws {
        let yaml = """
            limits: {pre_session_max_message_size: 1024}
            realms:
              - name: realm1
                roles: [{name: anonymous, permissions: [{uri: "", match: prefix, allow: [call, subscribe]}]}]
            transports:
              - {type: websocket, port: 0}
            """
        var logger = Logger(label: "limits-test")
        logger.logLevel = .critical
        let server = try await JunctionServer.start(configuration: try ConfigurationLoader.load(yaml: yaml), logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // A 4 KB frame before WELCOME: refused from its header with close 1009.
        let early = try await WebSocketTestClient.connect(to: server.boundAddresses[0], serializer: .json, group: group)
        let big: WAMPDict = ["roles": ["caller": [:]], "padding": .string(String(repeating: "x", count: 4000))]
        try await early.send(.hello(.init(realm: "realm1", details: big)))
        let (opcode, payload) = try await early.receiveFrame()
        #expect(opcode == 0x8)
        #expect(payload.prefix(2) == [0x03, 0xF1])  // 1009
        // After WELCOME the full limit applies, frames included.
        let joined = try await WebSocketTestClient.connect(to: server.boundAddresses[0], serializer: .json, group: group)
        _ = try await joined.join()
        try await joined.send(
            .call(.init(request: 1, procedure: "com.x", payload: .init(args: [.string(String(repeating: "y", count: 8000))]))))
        #expect(try await joined.receive().errorURIForTests == WAMPErrorURI.noSuchProcedure)
        await early.raw.close()
        await joined.raw.close()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func helloMustArriveInTime() async throws {
        let (server, group) = try await Self.start(limits: "  hello_timeout: 1")
        let client = try await RawSocketTestClient.connect(to: server.boundAddresses[0], group: group)
        _ = try await client.readHandshake()
        guard case .abort(let abort) = try await client.receive(timeout: .seconds(3)) else {
            Issue.record("expected ABORT after the HELLO timeout")
            return
        }
        #expect(abort.reason == WAMPErrorURI.timeout)
        try await client.waitUntilClosed()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func pendingSessionsAreCapped() async throws {
        let (server, group) = try await Self.start(limits: "  max_pending_sessions: 2")
        var idle: [RawSocketTestClient] = []
        for _ in 0..<2 {
            let client = try await RawSocketTestClient.connect(to: server.boundAddresses[0], group: group)
            _ = try await client.readHandshake()
            idle.append(client)
        }
        let third = try await RawSocketTestClient.connect(to: server.boundAddresses[0], group: group)
        _ = try await third.readHandshake()
        try await third.waitUntilClosed()
        // Once one pending connection joins, there is room again.
        _ = try await idle[0].join()
        let (fourth, _) = try await RawSocketTestClient.joined(to: server.boundAddresses[0], group: group)
        await fourth.close()
        for client in idle { await client.close() }
        await server.shutdown()
        try await group.shutdownGracefully()
    }
}

extension WAMPMessage {
    fileprivate var errorURIForTests: String? {
        if case .error(let error) = self { return error.error }
        return nil
    }
}

/// A log handler that keeps every line (message and metadata) for inspection.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lines = NIOLockedValueBox<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var text: String { self.lines.withLockedValue { $0.joined(separator: "\n") } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        self.lines.withLockedValue { $0.append("\(event.message) \(merged)") }
    }
}
