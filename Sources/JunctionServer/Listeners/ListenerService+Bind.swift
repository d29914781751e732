import JunctionMQTT
import JunctionTransport
import NIOCore
import NIOPosix

/// The server socket of each transport kind and the pipeline of each connection it accepts.
extension ListenerService {
    func bind() async throws -> any Channel {
        let runtime = self.runtime
        let limits = runtime.configuration.limits
        let factory = runtime.sessionHandlerFactory(for: self.transport)
        let bootstrap = ServerBootstrap(group: runtime.eventLoopGroup)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
        switch self.transport {
        case .webSocket(let listener):
            var webSocket = WebSocketConfiguration(
                path: listener.path,
                serializers: Set(listener.serializers),
                maxMessageSize: listener.maxMessageSize ?? limits.maxMessageSize,
                ping: PingConfiguration(
                    intervalSeconds: listener.liveness.pingInterval,
                    timeoutSeconds: listener.liveness.pingTimeout
                )
            )
            webSocket.preSession.maxMessageSize = limits.preSessionMaxMessageSize
            let configuration = webSocket
            let http = HTTPListenerContext(
                table: self.httpTable ?? HTTPServiceTable(HTTPRoutes(exact: [:], subtrees: [:])),
                webSocket: configuration,
                requestMetrics: HTTPRequestMetrics(metrics: runtime.metrics),
                isTLS: listener.tls != nil,
                logger: runtime.logger
            )
            return try await Self.accepting(
                bootstrap, limit: listener.liveness.maxConnections, tls: listener.tls, runtime: runtime
            ) { pipeline, admitted in
                guard admitted else {
                    // A full listener answers every request with 503 and closes.
                    try pipeline.configureWAMPWebSocketServer(
                        configuration: configuration,
                        connectionLimitReached: true,
                        sessionHandler: factory
                    )
                    return
                }
                try pipeline.configureHTTPListener(context: http, sessionHandler: factory)
            }.bind(host: listener.host, port: listener.port).get()
        case .mqtt(let listener):
            let context = runtime.mqttContext(listener.endpoint, authMethods: listener.authMethods)
            // Before accepting: a returning client then finds its stored session in the realm.
            _ = try? await runtime.rejoinStoredMQTTSessions(context)?.get()
            return try await Self.accepting(
                bootstrap, limit: listener.liveness.maxConnections, tls: listener.tls, runtime: runtime
            ) { pipeline, admitted in
                // A full listener closes the connection before CONNECT: no version to answer in.
                try pipeline.addHandler(admitted ? MQTTConnectionHandler(context: context) : MQTTRefusingHandler())
            }.bind(host: listener.host, port: listener.port).get()
        case .rawSocket(let listener):
            var rawSocket = RawSocketConfiguration(
                maxMessageLength: listener.maxMessageSize ?? limits.maxMessageSize,
                serializers: listener.serializers,
                ping: PingConfiguration(
                    intervalSeconds: listener.liveness.pingInterval,
                    timeoutSeconds: listener.liveness.pingTimeout
                )
            )
            rawSocket.preSession.maxMessageSize = limits.preSessionMaxMessageSize
            let configuration = rawSocket
            let kind: TransportKind
            switch listener.endpoint {
            case .tcp: kind = .rawSocketTCP
            case .unix(let path):
                guard listener.tls == nil else {
                    throw ConfigurationError(
                        key: "tls",
                        line: nil,
                        problem: "TLS needs a TCP endpoint, not unix '\(path)'"
                    )
                }
                kind = .rawSocketUnix
            }
            let accepting = try Self.accepting(
                bootstrap, limit: listener.liveness.maxConnections, tls: listener.tls, runtime: runtime
            ) { pipeline, admitted in
                try pipeline.configureWAMPRawSocketServer(
                    configuration: configuration,
                    kind: kind,
                    connectionLimitReached: !admitted,
                    sessionHandler: factory
                )
            }
            switch listener.endpoint {
            case .tcp(let host, let port):
                return try await accepting.bind(host: host, port: port).get()
            case .unix(let path):
                return try await accepting.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            }
        }
    }

    /// `bootstrap` with the part of every accepted connection's pipeline that all listener kinds
    /// share: registered for shutdown, counted against the listener's connection limit, TLS
    /// first when configured; `configure` adds the transport (told whether the connection was
    /// admitted under the limit).
    private static func accepting(
        _ bootstrap: ServerBootstrap,
        limit maxConnections: Int,
        tls: TLSListenerConfiguration?,
        runtime: JunctionRuntime,
        configure: @escaping @Sendable (ChannelPipeline.SynchronousOperations, _ admitted: Bool) throws -> Void
    ) throws -> ServerBootstrap {
        let limiter = ConnectionLimiter(maxConnections: maxConnections)
        let sslContext = try tls.map(TLSContextFactory.makeContext)
        let (connections, logger, counters) = (runtime.connections, runtime.logger, runtime.router.counters)
        return bootstrap.childChannelInitializer { channel in
            connections.add(channel)
            let admitted = limiter.admit(channel)
            return channel.eventLoop.makeCompletedFuture {
                if let counters = counters.counters(for: channel.eventLoop) {
                    try channel.pipeline.syncOperations.addHandler(ByteCountingHandler(counters: counters))
                }
                try channel.pipeline.syncOperations.addTLSServerHandlers(sslContext, logger: logger)
                try configure(channel.pipeline.syncOperations, admitted)
            }
        }
    }
}
