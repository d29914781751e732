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
    /// (404 wrong path, 426 plain request, 400 no WAMP subprotocol, ...) and are closed, and so
    /// is a connection that sends no complete request within `configuration.upgradeTimeout`.
    ///
    /// After a successful upgrade the pipeline is: frame encoder, frame decoder
    /// (`maxFrameSize`), the WebSocket handler (RFC 6455 rules, reassembly up to
    /// `maxMessageSize`, dead-peer pings, WAMP framing) and finally the handler `sessionHandler`
    /// returns for the negotiated `TransportInfo`. That handler then gets a `TransportReadyEvent`
    /// followed by `TransportInbound` values. Calling `close` on the channel sends a Close 1000
    /// frame before the connection is closed. Transport problems after the upgrade are fired at
    /// it as `TransportError`s.
    ///
    /// - Parameter connectionLimitReached: the listener is full: answer the request with HTTP 503
    ///   and close, without upgrading.
    public func configureWAMPWebSocketServer(
        configuration: WebSocketConfiguration,
        connectionLimitReached: Bool = false,
        sessionHandler: @escaping SessionHandlerFactory
    ) throws {
        if connectionLimitReached {
            try self.configureRefusingWebSocketServer(configuration: configuration)
            return
        }
        let upgrader = NIOWebSocketServerUpgrader(
            // Until the session is established the frame decoder refuses frames over the
            // pre-session limit from their header; the connection handler then swaps in a
            // decoder with the full limit.
            maxFrameSize: configuration.preSessionMaxFrameSize,
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
                    // `shouldUpgrade` accepted this request, so its handshake checks passed:
                    // only the subprotocol is picked again (the same pure function of the head).
                    guard
                        let subprotocol = WAMPWebSocketSubprotocol.negotiate(
                            offered: head.headers["sec-websocket-protocol"],
                            serializers: configuration.serializers,
                            batchedAllowed: configuration.batchedAllowed
                        )
                    else {
                        // Unreachable: `shouldUpgrade` made the same choice. Not an upgrade
                        // error, so the rejection handler closes the connection.
                        throw TransportError(code: .pipelineSetupFailed, detail: "upgrade no longer acceptable")
                    }
                    let operations = channel.pipeline.syncOperations
                    operations.removeHandler(name: WebSocketHTTPRejectionHandler.name, promise: nil)
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
            WebSocketHTTPRejectionHandler(configuration: configuration, endpoint: .wamp),
            name: WebSocketHTTPRejectionHandler.name
        )
    }

    /// Sets up a connection for the WebSocket echo endpoint that Autobahn|Testsuite checks
    /// (`junction ws-echo`): every text or binary message is sent back unchanged.
    ///
    /// Everything but the meaning of a message is the WAMP pipeline's own code: the same upgrade
    /// checks (minus the subprotocol), rejection handler and upgrade timeout, frame decoder and
    /// encoder, `WebSocketConnectionStateMachine` (masking, reassembly, UTF-8, control frames,
    /// close handshake) and dead-peer pings. Only `WebSocketEchoCodec` replaces the WAMP codec.
    public func configureWebSocketEchoServer(configuration: WebSocketConfiguration) throws {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: configuration.effectiveMaxFrameSize,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                let rejection = WebSocketUpgradeDecision.handshakeRejection(request: head, configuration: configuration)
                return channel.eventLoop.makeSucceededFuture(rejection == nil ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    operations.removeHandler(name: WebSocketHTTPRejectionHandler.name, promise: nil)
                    try operations.addHandler(
                        WebSocketEchoHandler(codec: WebSocketEchoCodec(), configuration: configuration)
                    )
                }
            }
        )
        try self.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
        )
        try self.addHandler(
            WebSocketHTTPRejectionHandler(configuration: configuration, endpoint: .echo),
            name: WebSocketHTTPRejectionHandler.name
        )
    }

    /// A full listener: every request is answered with 503 and the connection closed.
    fileprivate func configureRefusingWebSocketServer(configuration: WebSocketConfiguration) throws {
        try self.configureHTTPServerPipeline()
        try self.addHandler(
            WebSocketHTTPRejectionHandler(
                configuration: configuration,
                endpoint: .refuseAll(
                    .init(status: .serviceUnavailable, message: "Connection limit reached; try again later")
                )
            ),
            name: WebSocketHTTPRejectionHandler.name
        )
    }

    /// Adds the WebSocket/WAMP handlers after an upgrade to `subprotocol`: the last step of an
    /// upgrader's `upgradePipelineHandler`, once the caller removed its own HTTP handlers. Used by
    /// `configureWAMPWebSocketServer` and by listeners that route upgrades by path themselves.
    public func addWAMPWebSocketHandlers(
        subprotocol: WAMPWebSocketSubprotocol,
        configuration: WebSocketConfiguration,
        peer: String,
        sessionHandler: SessionHandlerFactory
    ) throws {
        let info = TransportInfo(
            kind: .webSocket,
            serializer: subprotocol.serializer,
            batched: subprotocol.batched,
            peer: peer
        )
        let wampHandler = WebSocketWAMPHandler(
            codec: WebSocketWAMPCodec(subprotocol: subprotocol),
            configuration: configuration
        )
        try self.addHandlers([wampHandler, sessionHandler(info)])
        try self.context(handler: wampHandler).fireUserInboundEventTriggered(TransportReadyEvent(info: info))
    }
}

extension WebSocketAlternateEndpoint {
    /// The upgrade response headers if `head` is a valid WebSocket request (for this endpoint's
    /// path, unless the caller routed it already) offering one of its subprotocols; `nil`
    /// otherwise.
    public func upgradeHeaders(
        _ head: HTTPRequestHead,
        _ configuration: WebSocketConfiguration,
        checkingPath: Bool = true
    ) -> HTTPHeaders? {
        var own = configuration
        own.path = self.path
        guard
            WebSocketUpgradeDecision.handshakeRejection(request: head, configuration: own, checkingPath: checkingPath)
                == nil,
            let subprotocol = self.selectSubprotocol(head.headers["sec-websocket-protocol"])
        else { return nil }
        return HTTPHeaders([("Sec-WebSocket-Protocol", subprotocol)])
    }
}

extension WebSocketConfiguration {
    /// The frame decoder's limit: a single frame never needs to be larger than a whole message.
    var effectiveMaxFrameSize: Int {
        min(self.maxFrameSize, self.maxMessageSize, Int(UInt32.max))
    }

    /// The frame decoder's limit before the session is established: what a WAMP upgrader passes
    /// as `maxFrameSize`.
    public var preSessionMaxFrameSize: Int {
        min(self.effectiveMaxFrameSize, self.preSession.maxMessageSize ?? Int.max)
    }
}
