import NIOCore
import WAMPCore

extension ChannelPipeline.SynchronousOperations {
    /// Sets up a freshly accepted connection for WAMP-over-RawSocket (TCP or Unix socket).
    ///
    /// Call from `childChannelInitializer`, on the channel's event loop. The pipeline starts with
    /// a handshake handler; once the client's handshake is accepted, `sessionHandler` is called
    /// with the negotiated `TransportInfo` and the handler it returns is added after the framing
    /// handlers. It then gets a `TransportReadyEvent` followed by `TransportInbound` values and
    /// may write `TransportOutbound` values and `close` the channel.
    ///
    /// Transport problems (refused handshakes, bad frames, outgoing messages over the client's
    /// limit) are fired as `TransportError` through `errorCaught`. Handlers the server adds after
    /// this call stay at the end of the pipeline and see them all.
    ///
    /// - Parameters:
    ///   - kind: `.rawSocketTCP` or `.rawSocketUnix`; reported in `TransportInfo`.
    ///   - connectionLimitReached: refuse this connection with handshake error 4 ("maximum
    ///     connection count reached") once the client has sent its handshake.
    public func configureWAMPRawSocketServer(
        configuration: RawSocketConfiguration,
        kind: TransportKind,
        connectionLimitReached: Bool = false,
        sessionHandler: @escaping SessionHandlerFactory
    ) throws {
        try self.addHandler(
            RawSocketHandshakeHandler(
                configuration: configuration,
                kind: kind,
                connectionLimitReached: connectionLimitReached,
                sessionHandlerFactory: sessionHandler
            )
        )
    }
}
