import JunctionRouter
import JunctionTransport
import Logging
import NIOCore
import NIOPosix
import WAMPCore

/// A running router: the realms plus one listening channel per configured transport.
public final class JunctionServer: Sendable {
    public let router: Router
    public let configuration: JunctionConfiguration
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let listeners: [any Channel]
    private let logger: Logger
    private let connections: ConnectionRegistry
    /// Counters of dropped events and slow-consumer disconnects.
    public let statistics: ServerStatistics

    /// Where each configured transport listens, in configuration order (resolves port 0).
    public let boundAddresses: [SocketAddress]

    private init(
        router: Router, configuration: JunctionConfiguration, group: any EventLoopGroup, ownsGroup: Bool,
        listeners: [any Channel], connections: ConnectionRegistry, statistics: ServerStatistics, logger: Logger
    ) {
        self.connections = connections
        self.statistics = statistics
        self.router = router
        self.configuration = configuration
        self.group = group
        self.ownsGroup = ownsGroup
        self.listeners = listeners
        self.logger = logger
        self.boundAddresses = listeners.compactMap { $0.localAddress }
    }

    /// Creates the realms and binds every transport. Uses `group` if given, else creates one with
    /// `configuration.eventLoops` threads.
    public static func start(
        configuration: JunctionConfiguration, group: (any EventLoopGroup)? = nil, logger: Logger
    ) async throws -> JunctionServer {
        let ownsGroup = group == nil
        let threads = configuration.eventLoops == 0 ? System.coreCount : configuration.eventLoops
        let group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let router = Router(realms: configuration.realms, group: group, logger: logger)
        let connections = ConnectionRegistry()
        let statistics = ServerStatistics()
        let mailboxes = LoopMailboxes(group: group)
        let security = SessionSecurity.Shared(limits: configuration.limits)
        var listeners: [any Channel] = []
        do {
            for transport in configuration.transports {
                let channel = try await Self.bind(
                    transport, router: router, group: group, limits: configuration.limits, security: security,
                    connections: connections, statistics: statistics, mailboxes: mailboxes, logger: logger)
                logger.info("listening", metadata: ["transport": "\(Self.describe(transport, channel))"])
                listeners.append(channel)
            }
        } catch {
            for listener in listeners { try? await listener.close() }
            if ownsGroup { try? await group.shutdownGracefully() }
            throw error
        }
        return JunctionServer(
            router: router, configuration: configuration, group: group, ownsGroup: ownsGroup, listeners: listeners,
            connections: connections, statistics: statistics, logger: logger)
    }

    /// Says GOODBYE `wamp.close.system_shutdown` to every session, stops listening, and lets the
    /// sessions close (bounded by the GOODBYE timeout).
    public func shutdown() async {
        self.logger.info("shutting down")
        for listener in self.listeners { try? await listener.close() }
        try? await self.router.shutdown().get()
        // Peers answer GOODBYE (or the session times out); then whatever is left is closed.
        await self.connections.drain(timeout: .seconds(3))
        if self.ownsGroup { try? await self.group.shutdownGracefully() }
    }

    private static func bind(
        _ transport: TransportConfiguration, router: Router, group: any EventLoopGroup, limits: Limits,
        security shared: SessionSecurity.Shared, connections: ConnectionRegistry, statistics: ServerStatistics,
        mailboxes: LoopMailboxes, logger: Logger
    ) async throws -> any Channel {
        let security = shared.forListener(authMethods: transport.authMethods, limits: limits, router: router)
        let factory: SessionHandlerFactory = { info in
            SessionChannelHandler(
                info: info, limits: limits, security: security, statistics: statistics,
                mailboxes: mailboxes, logger: logger)
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
        switch transport {
        case .webSocket(let listener):
            var configuration = WebSocketConfiguration(
                path: listener.path, serializers: Set(listener.serializers),
                maxMessageSize: listener.maxMessageSize ?? limits.maxMessageSize,
                ping: PingConfiguration(
                    intervalSeconds: listener.liveness.pingInterval, timeoutSeconds: listener.liveness.pingTimeout))
            configuration.preSessionMaxMessageSize = limits.preSessionMaxMessageSize
            let limiter = ConnectionLimiter(maxConnections: listener.liveness.maxConnections)
            let sslContext = try listener.tls.map(TLSContextFactory.makeContext)
            return try await bootstrap.childChannelInitializer { channel in
                connections.add(channel)
                let admitted = limiter.admit(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addTLSServerHandlers(sslContext, logger: logger)
                    try channel.pipeline.syncOperations.configureWAMPWebSocketServer(
                        configuration: configuration, connectionLimitReached: !admitted, sessionHandler: factory)
                }
            }.bind(host: listener.host, port: listener.port).get()
        case .rawSocket(let listener):
            var configuration = RawSocketConfiguration(
                maxMessageLength: listener.maxMessageSize ?? limits.maxMessageSize, serializers: listener.serializers,
                ping: PingConfiguration(
                    intervalSeconds: listener.liveness.pingInterval, timeoutSeconds: listener.liveness.pingTimeout))
            configuration.preSessionMaxMessageLength = limits.preSessionMaxMessageSize
            let limiter = ConnectionLimiter(maxConnections: listener.liveness.maxConnections)
            switch listener.endpoint {
            case .tcp(let host, let port):
                let sslContext = try listener.tls.map(TLSContextFactory.makeContext)
                return try await bootstrap.childChannelInitializer { channel in
                    connections.add(channel)
                    let admitted = limiter.admit(channel)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addTLSServerHandlers(sslContext, logger: logger)
                        try channel.pipeline.syncOperations.configureWAMPRawSocketServer(
                            configuration: configuration, kind: .rawSocketTCP, connectionLimitReached: !admitted,
                            sessionHandler: factory)
                    }
                }.bind(host: host, port: port).get()
            case .unix(let path):
                guard listener.tls == nil else {
                    throw ConfigurationError(key: "tls", line: nil, problem: "TLS needs a TCP endpoint, not unix '\(path)'")
                }
                return try await bootstrap.childChannelInitializer { channel in
                    connections.add(channel)
                    let admitted = limiter.admit(channel)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureWAMPRawSocketServer(
                            configuration: configuration, kind: .rawSocketUnix, connectionLimitReached: !admitted,
                            sessionHandler: factory)
                    }
                }.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            }
        }
    }

    private static func describe(_ transport: TransportConfiguration, _ channel: any Channel) -> String {
        let address = channel.localAddress.map { "\($0)" } ?? "?"
        switch transport {
        case .webSocket(let listener): return "websocket\(listener.tls == nil ? "" : " tls") \(address) path \(listener.path)"
        case .rawSocket(let listener): return "rawsocket\(listener.tls == nil ? "" : " tls") \(address)"
        }
    }
}
