import NIOCore

/// How a transport frames one serialized WAMP message on the wire: a prefix in front of the
/// payload, which depends only on the framing and the payload's length.
///
/// So a publication fanned out to many connections of the same kind and serializer can be
/// framed once (`FramedMessage`) and the same buffer written to each of them.
public enum TransportFraming: Sendable, Hashable {
    /// RawSocket: a 4-octet prefix (frame type, 24-bit length).
    case rawSocket
    /// A single unmasked WebSocket data frame (server to client), text or binary.
    case webSocket(binary: Bool)

    /// The longest prefix any framing writes (WebSocket with a 64-bit length).
    public static let maxPrefixLength = 10

    /// Appends the prefix for a payload of `length` bytes.
    public func writePrefix(length: Int, into buffer: inout ByteBuffer) {
        switch self {
        case .rawSocket:
            buffer.writeInteger(RawSocketFrame.header(kind: .message, length: length))
        case .webSocket(let binary):
            WebSocketFrameHeader.write(fin: true, opcode: binary ? 0x2 : 0x1, length: length, into: &buffer)
        }
    }

    /// A slot number per framing, for caches indexed by framing (`0..<count`).
    public var index: Int {
        switch self {
        case .rawSocket: return 0
        case .webSocket(let binary): return binary ? 2 : 1
        }
    }

    public static let count = 3
}

/// A serialized message with its transport prefix in one buffer, shared by every connection it
/// goes to. Immutable: a connection writes `frame` (a reference, never a copy), one write per
/// receiver rather than one for the prefix and one for the payload.
public final class FramedMessage: Sendable {
    /// Prefix and payload, contiguous.
    public let frame: ByteBuffer
    /// The serialized message's length, without the prefix.
    public let payloadLength: Int

    /// Frames `payload`, copying it once behind the prefix.
    public init(framing: TransportFraming, payload: ByteBuffer, allocator: ByteBufferAllocator) {
        var frame = allocator.buffer(capacity: TransportFraming.maxPrefixLength + payload.readableBytes)
        framing.writePrefix(length: payload.readableBytes, into: &frame)
        frame.writeImmutableBuffer(payload)
        self.frame = frame
        self.payloadLength = payload.readableBytes
    }

    private init(frame: ByteBuffer, payloadLength: Int) {
        self.frame = frame
        self.payloadLength = payloadLength
    }

    /// The same bytes in a new buffer from `allocator`. Every write of a buffer retains and
    /// releases its storage atomically; an event loop writing a message to many connections
    /// uses its own copy, so those counts stay on one core instead of bouncing between loops.
    public func copy(allocator: ByteBufferAllocator) -> FramedMessage {
        var frame = allocator.buffer(capacity: self.frame.readableBytes)
        frame.writeImmutableBuffer(self.frame)
        return FramedMessage(frame: frame, payloadLength: self.payloadLength)
    }
}

/// RFC 6455 frame headers as a server writes them (never masked).
enum WebSocketFrameHeader {
    static func write(fin: Bool, opcode: UInt8, length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger((fin ? 0x80 : 0x00) | (opcode & 0x0F) as UInt8)
        switch length {
        case 0...125:
            buffer.writeInteger(UInt8(length))
        case 126...Int(UInt16.max):
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
    }
}
