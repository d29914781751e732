import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import WAMPCore

/// Opens one transport connection to a router: TCP or Unix socket, optional TLS, then the
/// WebSocket upgrade or the RawSocket handshake. Returns once WAMP messages can flow.
enum ClientConnector {
    struct Settings: Sendable {
        var endpoint: WAMPEndpoint
        var serializer: SerializerKind
        var tls: TLSConfiguration
        var connectTimeout: Duration
        var maxMessageSize: Int
    }

    static func connect(
        _ settings: Settings, id: UInt64, group: any EventLoopGroup, delegate: any ClientConnectionDelegate
    ) async throws -> any Channel {
        let endpoint = settings.endpoint
        let sslContext: NIOSSLContext? = endpoint.tls ? try NIOSSLContext(configuration: settings.tls) : nil
        let eventLoop = group.next()
        let ready = eventLoop.makePromise(of: Void.self)
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(Int64(settings.connectTimeout.components.seconds) * 1_000_000_000))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configure(channel, settings: settings, sslContext: sslContext, id: id, delegate: delegate, ready: ready)
                }
            }
        let channel: any Channel
        do {
            switch endpoint.address {
            case .tcp(let host, let port):
                bootstrap = bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1)
                channel = try await bootstrap.connect(host: host, port: port).get()
            case .unix(let path):
                channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            }
        } catch {
            ready.fail(error)
            throw WAMPClientError(.transport, "cannot connect to \(endpoint): \(error)")
        }
        do {
            try await ready.futureResult.get()
        } catch {
            channel.close(promise: nil)
            if let error = error as? WAMPClientError { throw error }
            throw WAMPClientError(.transport, "\(endpoint): \(error)")
        }
        return channel
    }

    private static func configure(
        _ channel: any Channel, settings: Settings, sslContext: NIOSSLContext?, id: UInt64,
        delegate: any ClientConnectionDelegate, ready: EventLoopPromise<Void>
    ) throws {
        let sync = channel.pipeline.syncOperations
        var hostname: String?
        if case .tcp(let host, _) = settings.endpoint.address { hostname = host }
        if let sslContext {
            let serverHostname = hostname.flatMap { $0.first?.isNumber == true || $0.contains(":") ? nil : $0 }
            try sync.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
        }
        switch settings.endpoint.transport {
        case .rawSocket:
            try sync.addHandler(RawSocketClientCodec(serializer: settings.serializer))
            try sync.addHandler(ClientSessionHandler(id: id, delegate: delegate, ready: ready))
        case .webSocket(let path):
            let serializer = settings.serializer
            let maxMessageSize = settings.maxMessageSize
            let upgrader = NIOTypedWebSocketClientUpgrader<Void>(
                maxFrameSize: maxMessageSize,
                upgradePipelineHandler: { channel, response in
                    channel.eventLoop.makeCompletedFuture {
                        let offered = response.headers["Sec-WebSocket-Protocol"].first?.trimmingCharacters(in: .whitespaces)
                        guard offered == serializer.webSocketSubprotocol else {
                            throw WAMPClientError(
                                .transport, "router did not accept subprotocol \(serializer.webSocketSubprotocol)")
                        }
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(
                            NIOWebSocketFrameAggregator(
                                minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16,
                                maxAccumulatedFrameSize: maxMessageSize))
                        try sync.addHandler(WebSocketClientCodec(serializer: serializer))
                        try sync.addHandler(ClientSessionHandler(id: id, delegate: delegate, ready: ready))
                        channel.pipeline.fireUserInboundEventTriggered(ClientTransportReady())
                    }
                })
            var headers = HTTPHeaders()
            let port: Int
            if case .tcp(_, let p) = settings.endpoint.address { port = p } else { port = 80 }
            headers.add(name: "Host", value: "\(hostname ?? "localhost"):\(port)")
            headers.add(name: "Sec-WebSocket-Protocol", value: serializer.webSocketSubprotocol)
            headers.add(name: "Content-Length", value: "0")
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
            let configuration = NIOTypedHTTPClientUpgradeConfiguration<Void>(
                upgradeRequestHead: head, upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeFailedFuture(
                        WAMPClientError(.transport, "router refused the WebSocket upgrade"))
                })
            let upgraded = try sync.configureUpgradableHTTPClientPipeline(
                configuration: .init(upgradeConfiguration: configuration))
            upgraded.whenFailure { error in
                ready.fail(error)
                channel.close(promise: nil)
            }
        }
    }
}
