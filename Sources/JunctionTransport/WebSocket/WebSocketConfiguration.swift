import NIOCore
import WAMPCore

/// Settings for the WAMP-over-WebSocket listener.
public struct WebSocketConfiguration: Sendable, Hashable {
    /// The only request path that is upgraded (query strings are ignored). Default: `/ws`.
    public var path: String
    /// Serializers a client may choose through its subprotocol. Default: JSON, MessagePack, CBOR.
    public var serializers: Set<SerializerKind>
    /// Whether the `.batched` subprotocols are offered. Default: `true`.
    public var batchedAllowed: Bool
    /// Largest WAMP transport message (a whole WebSocket message, after reassembling fragments)
    /// we accept, in bytes; larger ones close the connection with status 1009. Default: 16 MiB.
    public var maxMessageSize: Int
    /// Largest single WebSocket frame we accept, in bytes; larger ones close the connection with
    /// status 1009. Default: 16 MiB, so clients that send a whole message in one frame can use
    /// the full `maxMessageSize`. The effective limit is never above `maxMessageSize` (nor
    /// `UInt32.max`), so the decoder does not buffer frames it would reject anyway.
    public var maxFrameSize: Int
    /// Most fragments one message may be split into (a guard against floods of tiny frames).
    /// Default: 4096.
    public var maxFragmentsPerMessage: Int
    /// Dead-peer detection after the upgrade (WebSocket Ping); `nil` disables it.
    /// Default: ping after 30 s of silence, close 10 s later if nothing arrived.
    public var ping: PingConfiguration?
    /// How long a new connection may take to send a complete upgrade request before it is
    /// closed (so idle or trickling pre-upgrade connections cannot pile up); `nil` waits forever.
    /// Default: 10 seconds.
    public var upgradeTimeout: TimeAmount?
    /// Limits until the session is established (shared with RawSocket). Default: none.
    public var preSession: PreSessionLimits

    public init(
        path: String = "/ws",
        serializers: some Sequence<SerializerKind> = SerializerKind.allCases,
        batchedAllowed: Bool = true,
        maxMessageSize: Int = 16 << 20,
        maxFrameSize: Int = 16 << 20,
        maxFragmentsPerMessage: Int = 4096,
        ping: PingConfiguration? = PingConfiguration(),
        upgradeTimeout: TimeAmount? = .seconds(10),
        preSession: PreSessionLimits = PreSessionLimits()
    ) {
        self.path = path
        self.serializers = Set(serializers)
        self.batchedAllowed = batchedAllowed
        self.maxMessageSize = maxMessageSize
        self.maxFrameSize = maxFrameSize
        self.maxFragmentsPerMessage = maxFragmentsPerMessage
        self.ping = ping
        self.upgradeTimeout = upgradeTimeout
        self.preSession = preSession
    }
}
