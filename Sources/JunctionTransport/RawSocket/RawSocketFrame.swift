import NIOCore

/// One RawSocket transport message after the handshake.
///
/// On the wire every frame is a 4-octet prefix followed by the payload:
///
///     RRRR XTTT LLLL LLLL LLLL LLLL LLLL LLLL
///
/// `RRRR` reserved (zero); `TTT` the type (0 WAMP message, 1 PING, 2 PONG, 3-7 reserved);
/// `L` a 24-bit big-endian payload length, with `X` as a 25th bit used only for a payload of
/// exactly 2^24 octets (then all `L` bits are zero).
public struct RawSocketFrame: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, Hashable {
        /// A serialized WAMP message.
        case message = 0
        /// Must be answered with exactly one PONG echoing the payload.
        case ping = 1
        /// Answer to a PING; ignored by the router.
        case pong = 2
    }

    /// Largest payload a frame can describe: 2^24 octets.
    public static let maxPayloadLength = 1 << 24

    public var kind: Kind
    public var payload: ByteBuffer

    public init(kind: Kind, payload: ByteBuffer) {
        self.kind = kind
        self.payload = payload
    }

    /// The 4-octet prefix for a payload of `length` bytes (`length <= 2^24`).
    public static func header(kind: Kind, length: Int) -> UInt32 {
        precondition(length >= 0 && length <= Self.maxPayloadLength, "RawSocket payload too long")
        if length == Self.maxPayloadLength {
            return UInt32(0x08 | kind.rawValue) << 24
        }
        return UInt32(kind.rawValue) << 24 | UInt32(length)
    }
}

extension ByteBuffer {
    /// Appends a complete frame (prefix and payload) of `kind` carrying `payload`.
    mutating func writeRawSocketFrame(kind: RawSocketFrame.Kind, payload: ByteBuffer) {
        self.writeInteger(RawSocketFrame.header(kind: kind, length: payload.readableBytes))
        var payload = payload
        self.writeBuffer(&payload)
    }
}
