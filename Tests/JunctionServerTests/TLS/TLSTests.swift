import JunctionClient
import JunctionRouter
import WAMPCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

@testable import JunctionServer

/// TLS listeners end to end: JunctionClient over `wss://` and `rss://` against a live router,
/// plain clients against TLS listeners, client-certificate policies, and the client identity
/// the `tls` authmethod reads from the channel.
@Suite(.timeLimit(.minutes(2))) struct TLSTests {
    let certificates = TestCertificates.shared

    // MARK: - Round trips

    @Test func callAndPublishOverWSSAndRSS() async throws {
        try await self.withTLSServer { server in
            let tls = try self.certificates.clientTLS()
            let callee = try await Self.connect(server.wss, tls: tls)
            let caller = try await Self.connect(server.rss, tls: tls)
            #expect(callee.session != nil && caller.session != nil)

            try await callee.register("com.test.tls.add") { invocation in
                InvocationResult(args: [.int(invocation.args.compactMap(\.signedInteger).reduce(0, +))])
            }
            let result = try await caller.call("com.test.tls.add", args: [20, 22])
            #expect(result.args.first?.signedInteger == 42)

            let subscription = try await caller.subscribe("com.test.tls.news")
            let publication = try await callee.publish(
                "com.test.tls.news", args: ["over TLS"], options: PublishOptions(acknowledge: true))
            var received: Event?
            for await event in subscription {
                received = event
                break
            }
            #expect(received?.args == ["over TLS"])
            #expect(received?.publication == publication)
            await caller.leave()
            await callee.leave()
        }
    }

    // MARK: - Plain clients and failed handshakes

    @Test func plainClientAgainstTLSListenerFailsAndTheRouterKeepsServing() async throws {
        let recorder = LogRecorder()
        try await self.withTLSServer(logger: recorder.logger()) { server in
            await #expect(throws: WAMPClientError.self) {
                _ = try await Self.connect("ws://127.0.0.1:\(server.wssPort)/ws", tls: .makeClientConfiguration())
            }
            await #expect(throws: WAMPClientError.self) {
                _ = try await Self.connect("rs://127.0.0.1:\(server.rssPort)", tls: .makeClientConfiguration())
            }
            // A TLS client that does not trust the router's CA fails too (on its side).
            await #expect(throws: (any Error).self) {
                _ = try await Self.connect(server.wss, tls: .makeClientConfiguration())
            }
            // The listeners still serve.
            let client = try await Self.connect(server.wss, tls: try self.certificates.clientTLS())
            let other = try await Self.connect(server.rss, tls: try self.certificates.clientTLS())
            #expect(client.session != nil && other.session != nil)
            await client.leave()
            await other.leave()
        }
        // One warning per failed connection, naming the peer and the cause.
        let warnings = recorder.entries.filter { $0.level == .warning && $0.message == "TLS handshake failed, closing" }
        #expect(warnings.count == 3)
        #expect(warnings.allSatisfy { $0.metadata["peer"]?.hasPrefix("127.0.0.1:") == true })
        #expect(warnings.filter { $0.metadata["error"]?.contains("not a TLS ClientHello") == true }.count == 2)
    }

    // MARK: - Client certificates

    @Test func requiredClientCertificate() async throws {
        try await self.withTLSServer(clientCertificate: .required) { server in
            for url in [server.wss, server.rss] {
                await #expect(throws: (any Error).self, "no certificate: \(url)") {
                    _ = try await Self.connect(url, tls: try self.certificates.clientTLS())
                }
                await #expect(throws: (any Error).self, "untrusted certificate: \(url)") {
                    _ = try await Self.connect(
                        url,
                        tls: try self.certificates.clientTLS(
                            certificatePath: self.certificates.strangerCertificatePath,
                            keyPath: self.certificates.strangerKeyPath))
                }
                let client = try await Self.connect(url, tls: try self.certificates.clientOneTLS())
                #expect(client.session != nil)
                _ = try await client.publish("com.test.tls.ping", options: PublishOptions(acknowledge: true))
                await client.leave()
            }
        }
    }

    @Test func tlsAuthmethodMapsTheCertificateToAPrincipal() async throws {
        var realm = RealmConfiguration(
            name: "realm1", roles: [.allowAll(name: "device"), .allowAll(name: "anonymous")])
        realm.authentication = AuthenticationConfiguration(
            tls: [TLSPrincipal(authid: "device-one", role: "device", commonName: "client-one")])
        try await self.withTLSServer(clientCertificate: .optional, realm: realm) { server in
            for url in [server.wss, server.rss] {
                let client = try await Self.connect(url, tls: try self.certificates.clientOneTLS(), authentication: .tls)
                let session = try #require(client.session)
                #expect(session.authid == "device-one")
                #expect(session.authrole == "device")
                #expect(session.details["authmethod"] == "tls")
                await client.leave()
            }
            // Without a certificate, `tls` is not an available method.
            do {
                _ = try await Self.connect(server.wss, tls: try self.certificates.clientTLS(), authentication: .tls)
                Issue.record("tls without a certificate must be refused")
            } catch let error as WAMPError {
                #expect(error.uri == "wamp.error.no_matching_auth_method")
            }
        }
    }

    @Test func optionalClientCertificate() async throws {
        try await self.withTLSServer(clientCertificate: .optional) { server in
            let anonymous = try await Self.connect(server.wss, tls: try self.certificates.clientTLS())
            let identified = try await Self.connect(server.rss, tls: try self.certificates.clientOneTLS())
            #expect(anonymous.session != nil && identified.session != nil)
            await #expect(throws: (any Error).self, "a presented certificate must still verify") {
                _ = try await Self.connect(
                    server.wss,
                    tls: try self.certificates.clientTLS(
                        certificatePath: self.certificates.strangerCertificatePath,
                        keyPath: self.certificates.strangerKeyPath))
            }
            await anonymous.leave()
            await identified.leave()
        }
    }

    // MARK: - Client identity on a live channel

    @Test func clientIdentityFromTheVerifiedCertificate() async throws {
        let c = self.certificates
        let serverTLS = TLSListenerConfiguration(
            certificatePath: c.serverCertificatePath, keyPath: c.serverKeyPath, caCertificatesPath: c.caPath,
            clientCertificate: .optional)
        let expected = ClientCertificate(
            commonName: "client-one", sha256Fingerprint: try c.sha256Fingerprint(ofCertificateAt: c.clientCertificatePath))
        #expect(expected.sha256Fingerprint.count == 64)

        let withCertificate = try await IdentityProbe.observe(server: serverTLS, client: try c.clientOneTLS())
        #expect(withCertificate.identity == expected)
        #expect(withCertificate.protected)

        let withoutCertificate = try await IdentityProbe.observe(server: serverTLS, client: try c.clientTLS())
        #expect(withoutCertificate.identity == nil)
        #expect(withoutCertificate.protected)

        let plain = try await IdentityProbe.observe(server: nil, client: nil)
        #expect(plain.identity == nil)
        #expect(!plain.protected)
    }

    // MARK: - Configuration

    @Test func unixListenerWithTLSIsAConfigurationError() async throws {
        var configuration = JunctionConfiguration(
            realms: [.openRealm(named: "realm1")],
            transports: [.rawSocket(.init(endpoint: .unix(path: self.certificates.directory + "/tls.sock")))])
        guard case .rawSocket(var listener) = configuration.transports[0] else { return }
        listener.tls = TLSListenerConfiguration(
            certificatePath: self.certificates.serverCertificatePath, keyPath: self.certificates.serverKeyPath)
        configuration.transports = [.rawSocket(listener)]
        configuration.eventLoops = 1
        var logger = Logger(label: "tls-test")
        logger.logLevel = .critical
        await #expect(throws: ConfigurationError.self) {
            let server = try await JunctionServer.start(configuration: configuration, logger: logger)
            await server.shutdown()
        }
    }

    // MARK: - Helpers

    struct Server {
        let server: JunctionServer
        var wssPort: Int { self.server.boundAddresses[0].port ?? 0 }
        var rssPort: Int { self.server.boundAddresses[1].port ?? 0 }
        var wss: String { "wss://127.0.0.1:\(self.wssPort)/ws" }
        var rss: String { "rss://127.0.0.1:\(self.rssPort)" }
    }

    /// A router with a TLS WebSocket listener and a TLS RawSocket listener on ephemeral ports.
    private func withTLSServer(
        clientCertificate: TLSListenerConfiguration.ClientCertificatePolicy = .none, logger: Logger? = nil,
        realm: RealmConfiguration = .openRealm(named: "realm1"), _ body: (Server) async throws -> Void
    ) async throws {
        let c = self.certificates
        let tls = TLSListenerConfiguration(
            certificatePath: c.serverCertificatePath, keyPath: c.serverKeyPath,
            caCertificatesPath: clientCertificate == .none ? nil : c.caPath, clientCertificate: clientCertificate)
        var webSocket = WebSocketListener(host: "127.0.0.1", port: 0, path: "/ws")
        webSocket.tls = tls
        var rawSocket = RawSocketListener(endpoint: .tcp(host: "127.0.0.1", port: 0))
        rawSocket.tls = tls
        var configuration = JunctionConfiguration(
            realms: [realm], transports: [.webSocket(webSocket), .rawSocket(rawSocket)])
        configuration.eventLoops = 2
        let server = try await JunctionServer.start(configuration: configuration, logger: logger ?? Self.quietLogger)
        do {
            try await body(Server(server: server))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    private static var quietLogger: Logger {
        var logger = Logger(label: "tls-test-router")
        logger.logLevel = .critical
        return logger
    }

    private static func connect(
        _ url: String, tls: TLSConfiguration, authentication: Authentication = .anonymous
    ) async throws -> WAMPClient {
        var configuration = try ClientConfiguration(
            url: url, realm: "realm1", authentication: authentication, reconnect: .disabled)
        configuration.tls = tls
        configuration.connectTimeout = .seconds(5)
        configuration.joinTimeout = .seconds(5)
        return try await WAMPClient.connect(configuration)
    }
}

/// Accepts one connection on a listener set up like the router's (`addTLSServerHandlers`) and
/// reports what `tlsClientCertificate()` and `isTLSProtected()` say once data arrives.
private final class IdentityProbe: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    struct Observation: Sendable {
        var identity: ClientCertificate?
        var protected: Bool
    }

    private let observed: EventLoopPromise<Observation>

    init(observed: EventLoopPromise<Observation>) {
        self.observed = observed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.observed.succeed(
            Observation(identity: context.channel.tlsClientCertificate(), protected: context.channel.isTLSProtected()))
    }

    static func observe(server: TLSListenerConfiguration?, client: TLSConfiguration?) async throws -> Observation {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let observation = try await Self.observe(server: server, client: client, group: group)
            try? await group.shutdownGracefully()
            return observation
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func observe(
        server: TLSListenerConfiguration?, client: TLSConfiguration?, group: MultiThreadedEventLoopGroup
    ) async throws -> Observation {
        let serverContext = try server.map(TLSContextFactory.makeContext)
        let clientContext = try client.map { try NIOSSLContext(configuration: $0) }
        let logger = Logger(label: "identity-probe", factory: { _ in SwiftLogNoOpLogHandler() })
        let observed = group.next().makePromise(of: Observation.self)
        let listener = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addTLSServerHandlers(serverContext, logger: logger)
                    try channel.pipeline.syncOperations.addHandler(IdentityProbe(observed: observed))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let connection = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let clientContext {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: clientContext, serverHostname: nil))
                    }
                }
            }
            .connect(to: listener.localAddress!).get()
        try await connection.writeAndFlush(ByteBuffer(string: "hello"))
        let observation = try await observed.futureResult.get()
        try? await connection.close()
        try? await listener.close()
        return observation
    }
}

/// Collects log entries for assertions.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let storage = Mutex<[Entry]>([])

    var entries: [Entry] { self.storage.withLock { $0 } }

    func append(_ entry: Entry) { self.storage.withLock { $0.append(entry) } }

    func logger() -> Logger {
        Logger(label: "recorded") { _ in RecordingLogHandler(recorder: self) }
    }
}

private struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        self.recorder.append(
            .init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
