import NIOCore

/// How a transport frames one serialized WAMP message on the wire: a prefix in front of the
/// payload, which depends only on the framing and the payload's length.
///
/// So a publication fanned out to many connections of the same kind and serializer can be
/// framed once (`FramedMessage`) and the same two buffers written to each of them.
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

/// A serialized message with its transport prefix, shared by every connection it goes to.
/// Immutable: a connection writes `prefix` then `payload` (references, never copies).
public final class FramedMessage: Sendable {
    public let prefix: ByteBuffer
    public let payload: ByteBuffer

    public init(framing: TransportFraming, payload: ByteBuffer, allocator: ByteBufferAllocator) {
        var prefix = allocator.buffer(capacity: TransportFraming.maxPrefixLength)
        framing.writePrefix(length: payload.readableBytes, into: &prefix)
        self.prefix = prefix
        self.payload = payload
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
