import JunctionTransport
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// What every connection of one HTTP listener shares.
struct HTTPListenerContext: Sendable {
    /// The listener's path map, read per request and per upgrade.
    var table: HTTPServiceTable
    /// WAMP-over-WebSocket settings of the listener's `wamp` paths.
    var webSocket: WebSocketConfiguration
    var requestMetrics: HTTPRequestMetrics
    var isTLS: Bool
    /// How long a keep-alive connection may wait for its next request.
    var idleTimeout: TimeAmount = .seconds(30)
    var logger: Logger
}

extension ChannelPipeline.SynchronousOperations {
    /// Sets up an accepted connection of an HTTP listener: NIO's HTTP/1.1 server pipeline with one
    /// WebSocket upgrader that routes each upgrade by its path (`wamp` paths get the WAMP
    /// pipeline), and `HTTPServiceHandler` for every request that is not upgraded.
    ///
    /// The one upgrader is the seam for WebSocket protocols: WAMP and MQTT paths are one case
    /// each in `shouldUpgrade` and `upgradePipelineHandler`.
    func configureHTTPListener(
        context listener: HTTPListenerContext,
        sessionHandler: @escaping SessionHandlerFactory
    ) throws {
        let (table, configuration) = (listener.table, listener.webSocket)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: configuration.preSessionMaxFrameSize,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                switch table.current.route(forPath: HTTPRoutes.path(ofTarget: head.uri))?.route {
                case .wamp:
                    switch WebSocketUpgradeDecision(request: head, configuration: configuration, checkingPath: false) {
                    case .upgrade(let subprotocol):
                        return channel.eventLoop.makeSucceededFuture(
                            HTTPHeaders([("Sec-WebSocket-Protocol", subprotocol.name)])
                        )
                    case .reject:
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                case .mqtt(let endpoint):
                    let headers = endpoint.upgradeHeaders(head, configuration, checkingPath: false)
                    return channel.eventLoop.makeSucceededFuture(headers)
                case .service, nil:
                    // Not upgraded: `HTTPServiceHandler` answers the request.
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    if case .mqtt(let endpoint) = table.current.route(forPath: HTTPRoutes.path(ofTarget: head.uri))?.route {
                        operations.removeHandler(name: HTTPServiceHandler.name, promise: nil)
                        try endpoint.configurePipeline(operations)
                        return
                    }
                    // `shouldUpgrade` accepted a `wamp` path: the subprotocol is the same pure
                    // function of the head.
                    guard
                        let subprotocol = WAMPWebSocketSubprotocol.negotiate(
                            offered: head.headers["sec-websocket-protocol"],
                            serializers: configuration.serializers,
                            batchedAllowed: configuration.batchedAllowed
                        )
                    else {
                        throw TransportError(code: .pipelineSetupFailed, detail: "upgrade no longer acceptable")
                    }
                    operations.removeHandler(name: HTTPServiceHandler.name, promise: nil)
                    try operations.addWAMPWebSocketHandlers(
                        subprotocol: subprotocol,
                        configuration: configuration,
                        peer: channel.remoteAddress.peerDescription(kind: .webSocket),
                        sessionHandler: sessionHandler
                    )
                }
            }
        )
        try self.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
        )
        try self.addHandler(
            HTTPServiceHandler(
                table: listener.table,
                webSocket: listener.webSocket,
                requestMetrics: listener.requestMetrics,
                isTLS: listener.isTLS,
                idleTimeout: listener.idleTimeout,
                logger: listener.logger
            ),
            name: HTTPServiceHandler.name
        )
    }
}
