import NIOCore
import WAMPCore

/// What a WAMP transport hands to the session layer above it.
public enum TransportInbound: Sendable {
    /// A decoded, validated message.
    indirect case message(WAMPMessage)
    /// Bytes that did not decode, or decoded to something that is not a valid WAMP message.
    /// The session layer answers with ABORT `wamp.error.protocol_violation` and closes.
    case violation(ProtocolViolation)
}

/// What the session layer writes to a WAMP transport.
public enum TransportOutbound: Sendable {
    /// A message the transport encodes with its negotiated serializer.
    indirect case message(WAMPMessage)
    /// A message already encoded with this transport's serializer, shared by many receivers
    /// (one encoding per serializer per publication). The transport only adds its framing.
    case serialized(ByteBuffer)
    /// A shared message already framed for this transport's `TransportInfo.framing`: the
    /// transport writes its two buffers as they are.
    case framed(FramedMessage)
    /// One message framed for `TransportInfo.framing` in a single buffer (prefix, then payload):
    /// written as it is, one buffer and one write per message.
    case prefixed(ByteBuffer)
}

/// Which transport a session arrived on.
public enum TransportKind: String, Sendable, Hashable {
    case webSocket = "websocket"
    case rawSocketTCP = "rawsocket"
    case rawSocketUnix = "rawsocket-unix"
}

/// Facts about an established transport that the session layer needs.
public struct TransportInfo: Sendable, Hashable {
    public var kind: TransportKind
    public var serializer: SerializerKind
    /// WebSocket `.batched` subprotocols.
    public var batched: Bool
    /// The peer's address, for logs (`127.0.0.1:51234`, `unix`).
    public var peer: String

    public init(kind: TransportKind, serializer: SerializerKind, batched: Bool = false, peer: String) {
        self.kind = kind
        self.serializer = serializer
        self.batched = batched
        self.peer = peer
    }

    /// How this transport frames one message, so the session layer can send `.framed` and
    /// `.prefixed` values; `nil` (batched WebSocket) means only `.message` and `.serialized`.
    public var framing: TransportFraming? {
        switch self.kind {
        case .rawSocketTCP, .rawSocketUnix: return .rawSocket
        case .webSocket: return self.batched ? nil : .webSocket(binary: self.serializer != .json)
        }
    }

    /// Whether closing the channel sends what was written before the close without a flush of
    /// its own: the WebSocket handler writes its Close frame behind it and flushes both in one
    /// system call (a final GOODBYE or ABORT and the Close frame leave together). RawSocket
    /// closes the socket at once, so a last message needs its flush first.
    public var flushesOnClose: Bool { self.kind == .webSocket }
}

/// Sent by the session layer (`triggerUserOutboundEvent`) once WELCOME is out: the transport
/// lifts its pre-session message size limit to the full one.
public struct SessionEstablishedEvent: Sendable {
    public init() {}
}

/// The largest message a connection accepts right now: small until the session is established,
/// so a peer that has not authenticated cannot make the router buffer large messages.
///
/// Confined to the connection's event loop (shared by its decoder and WAMP handler).
public final class InboundMessageLimit: @unchecked Sendable {
    public private(set) var current: Int
    public let established: Int

    /// - Parameter preSession: the limit until the session is established; `nil`: none.
    public init(preSession: Int?, established: Int) {
        self.established = established
        self.current = min(preSession ?? established, established)
    }

    public var isPreSession: Bool { self.current < self.established }

    public func sessionEstablished() {
        self.current = self.established
    }
}
