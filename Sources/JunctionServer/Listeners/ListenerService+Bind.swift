import JunctionTransport
import NIOCore
import NIOPosix

/// The server socket of each transport kind and the pipeline of each connection it accepts.
extension ListenerService {
    func bind() async throws -> any Channel {
        let runtime = self.runtime
        let limits = runtime.configuration.limits
        let connections = runtime.connections
        let logger = runtime.logger
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
            let limiter = ConnectionLimiter(maxConnections: listener.liveness.maxConnections)
            let sslContext = try listener.tls.map(TLSContextFactory.makeContext)
            return try await bootstrap.childChannelInitializer { channel in
                connections.add(channel)
                let admitted = limiter.admit(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addTLSServerHandlers(sslContext, logger: logger)
                    try channel.pipeline.syncOperations.configureWAMPWebSocketServer(
                        configuration: configuration,
                        connectionLimitReached: !admitted,
                        sessionHandler: factory
                    )
                }
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
                            configuration: configuration,
                            kind: .rawSocketTCP,
                            connectionLimitReached: !admitted,
                            sessionHandler: factory
                        )
                    }
                }.bind(host: host, port: port).get()
            case .unix(let path):
                guard listener.tls == nil else {
                    throw ConfigurationError(
                        key: "tls",
                        line: nil,
                        problem: "TLS needs a TCP endpoint, not unix '\(path)'"
                    )
                }
                return try await bootstrap.childChannelInitializer { channel in
                    connections.add(channel)
                    let admitted = limiter.admit(channel)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureWAMPRawSocketServer(
                            configuration: configuration,
                            kind: .rawSocketUnix,
                            connectionLimitReached: !admitted,
                            sessionHandler: factory
                        )
                    }
                }.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            }
        }
    }
}
