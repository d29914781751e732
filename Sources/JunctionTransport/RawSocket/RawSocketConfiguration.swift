import NIOCore
import WAMPCore

/// Settings for WAMP-over-RawSocket listeners (TCP and Unix domain sockets alike).
public struct RawSocketConfiguration: Sendable, Hashable {
    /// Largest message we accept, in bytes. RawSocket can only advertise powers of two between
    /// 2^9 and 2^24, so this is rounded down to a power of two and clamped to that range
    /// (see `advertisedMaxMessageLength`). Default: 16 MiB (2^24), the protocol maximum.
    public var maxMessageLength: Int
    /// Serializers a client may request. Default: JSON, MessagePack, CBOR.
    public var serializers: Set<SerializerKind>
    /// How long a client may take to send its 4-octet handshake before we close the connection;
    /// `nil` waits forever. Default: 10 seconds.
    public var handshakeTimeout: TimeAmount?
    /// Smallest maximum message length a client may announce for itself; a client announcing
    /// less is refused with handshake error 2 ("maximum message length unacceptable").
    /// Default: 512 bytes, the smallest value the protocol can express, i.e. accept everyone.
    public var minimumPeerMaxMessageLength: Int
    /// Dead-peer detection after the handshake (RawSocket PING); `nil` disables it.
    /// Default: PING after 30 s of silence, close 10 s later if nothing arrived.
    public var ping: PingConfiguration?
    /// Limits until the session is established (shared with WebSocket). Default: none.
    public var preSession: PreSessionLimits

    public init(
        maxMessageLength: Int = 1 << 24,
        serializers: some Sequence<SerializerKind> = SerializerKind.allCases,
        handshakeTimeout: TimeAmount? = .seconds(10),
        minimumPeerMaxMessageLength: Int = 512,
        ping: PingConfiguration? = PingConfiguration(),
        preSession: PreSessionLimits = PreSessionLimits()
    ) {
        self.maxMessageLength = maxMessageLength
        self.serializers = Set(serializers)
        self.handshakeTimeout = handshakeTimeout
        self.minimumPeerMaxMessageLength = minimumPeerMaxMessageLength
        self.ping = ping
        self.preSession = preSession
    }

    /// The `LENGTH` nibble we send in the handshake reply: `maxMessageLength` as `2^(9 + n)`.
    public var maxMessageLengthExponent: UInt8 {
        let clamped = min(max(self.maxMessageLength, 1 << 9), 1 << 24)
        let log2 = Int.bitWidth - 1 - clamped.leadingZeroBitCount
        return UInt8(log2 - 9)
    }

    /// The limit we actually enforce on incoming frames: `2^(9 + maxMessageLengthExponent)`.
    public var advertisedMaxMessageLength: Int {
        1 << (9 + Int(self.maxMessageLengthExponent))
    }
}
