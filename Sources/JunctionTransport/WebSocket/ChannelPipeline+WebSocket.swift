import NIOCore
import NIOHTTP1
import NIOWebSocket
import WAMPCore

extension ChannelPipeline.SynchronousOperations {
    /// Sets up a freshly accepted connection for WAMP-over-WebSocket.
    ///
    /// Call from `childChannelInitializer`, on the channel's event loop, as the last pipeline
    /// step. Installs an HTTP/1.1 server pipeline with a WebSocket upgrader for
    /// `configuration.path`. The subprotocol is the first WAMP one the client offers that the
    /// configuration allows; requests that cannot be upgraded get a short HTTP error response
    /// (404 wrong path, 426 plain request, 400 no WAMP subprotocol, ...) and are closed.
    ///
    /// After a successful upgrade the pipeline is: frame encoder, frame decoder
    /// (`maxFrameSize`), `NIOWebSocketFrameAggregator` (`maxMessageSize`), the WAMP handler and
    /// finally the handler `sessionHandler` returns for the negotiated `TransportInfo`. That
    /// handler then gets a `TransportReadyEvent` followed by `TransportInbound` values. Calling
    /// `close` on the channel sends a Close 1000 frame before the connection is closed. Transport
    /// problems after the upgrade are fired at it as `TransportError`s.
    public func configureWAMPWebSocketServer(
        configuration: WebSocketConfiguration,
        sessionHandler: @escaping SessionHandlerFactory
    ) throws {
        let upgrader = NIOWebSocketServerUpgrader(
            // A single frame never needs to be larger than a whole message.
            maxFrameSize: min(configuration.maxFrameSize, configuration.maxMessageSize, Int(UInt32.max)),
            automaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                switch WebSocketUpgradeDecision(request: head, configuration: configuration) {
                case .upgrade(let subprotocol):
                    return channel.eventLoop.makeSucceededFuture(
                        HTTPHeaders([("Sec-WebSocket-Protocol", subprotocol.name)])
                    )
                case .reject:
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    guard
                        case .upgrade(let subprotocol) = WebSocketUpgradeDecision(
                            request: head,
                            configuration: configuration
                        )
                    else {
                        // Unreachable: `shouldUpgrade` made the same decision. Not an upgrade
                        // error, so the rejection handler closes the connection.
                        throw TransportError(code: .pipelineSetupFailed, detail: "upgrade no longer acceptable")
                    }
                    try channel.pipeline.syncOperations.addWAMPWebSocketHandlers(
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
            WebSocketHTTPRejectionHandler(configuration: configuration),
            name: WebSocketHTTPRejectionHandler.name
        )
    }

    /// Replaces the HTTP rejection handler with the WebSocket/WAMP handlers after the upgrade.
    fileprivate func addWAMPWebSocketHandlers(
        subprotocol: WAMPWebSocketSubprotocol,
        configuration: WebSocketConfiguration,
        peer: String,
        sessionHandler: SessionHandlerFactory
    ) throws {
        self.removeHandler(name: WebSocketHTTPRejectionHandler.name, promise: nil)
        let info = TransportInfo(
            kind: .webSocket,
            serializer: subprotocol.serializer,
            batched: subprotocol.batched,
            peer: peer
        )
        let wampHandler = WebSocketWAMPHandler(subprotocol: subprotocol, maxMessageSize: configuration.maxMessageSize)
        try self.addHandlers([
            NIOWebSocketFrameAggregator(
                minNonFinalFragmentSize: 0,
                maxAccumulatedFrameCount: configuration.maxFragmentsPerMessage,
                maxAccumulatedFrameSize: configuration.maxMessageSize
            ),
            wampHandler,
            sessionHandler(info),
        ])
        try self.context(handler: wampHandler).fireUserInboundEventTriggered(TransportReadyEvent(info: info))
    }
}
