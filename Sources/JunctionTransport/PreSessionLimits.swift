/// What a connection may send before its WAMP session is established, the same for every
/// transport: a peer that has not authenticated cannot make the router buffer large messages.
///
/// Both `WebSocketConfiguration` and `RawSocketConfiguration` read it (as `preSession`); the
/// limit is lifted when the session layer sends `SessionEstablishedEvent`.
public struct PreSessionLimits: Sendable, Hashable {
    /// Largest message accepted until the session is established (a larger one closes the
    /// connection: WebSocket status 1009, or a RawSocket close); `nil`: the transport's full
    /// maximum from the start. A WebSocket frame decoder also refuses larger frames from their
    /// header, so nothing that size is buffered. Default: `nil`.
    public var maxMessageSize: Int?

    public init(maxMessageSize: Int? = nil) {
        self.maxMessageSize = maxMessageSize
    }
}
