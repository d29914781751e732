import NIOCore
import WAMPCore

/// Client side of the RawSocket wire format, incremental and resumable: first the router's
/// 4-octet handshake reply, then frames (`RRRR XTTT` + 24-bit length, see the spec's "RawSocket
/// Transport").
///
/// Written independently of the router's parser so client tests check the wire format rather
/// than agree with the server's code.
struct RawSocketClientParser: Sendable {
    enum Step: Sendable, Hashable {
        case insufficientData
        /// The router accepted; it receives frames up to `maxLength` bytes.
        case handshakeAccepted(maxLength: Int)
        case message(ByteBuffer)
        case ping(ByteBuffer)
        case pong
    }

    /// The handshake we send: magic `0x7F`, our maximum length (exponent 15 → 2^24) and serializer.
    static func handshake(serializer: SerializerKind) -> [UInt8] {
        [0x7F, 0xF0 | serializer.rawValue, 0, 0]
    }

    private let serializer: SerializerKind
    private var handshakeDone = false

    init(serializer: SerializerKind) {
        self.serializer = serializer
    }

    mutating func parseStep(_ buffer: inout ByteBuffer) throws(WAMPClientError) -> Step {
        if !self.handshakeDone {
            guard let reply = buffer.readBytes(length: 4) else { return .insufficientData }
            guard reply[0] == 0x7F else {
                throw WAMPClientError(.transport, "RawSocket: bad handshake reply magic 0x\(String(reply[0], radix: 16))")
            }
            if reply[1] & 0x0F == 0 {
                let reasons = [1: "serializer unsupported", 2: "maximum message length unacceptable",
                               3: "use of reserved bits", 4: "maximum connection count reached"]
                let code = Int(reply[1] >> 4)
                throw WAMPClientError(.transport, "RawSocket: router refused the handshake: \(reasons[code] ?? "error \(code)")")
            }
            guard reply[1] & 0x0F == self.serializer.rawValue else {
                throw WAMPClientError(.transport, "RawSocket: router answered with serializer \(reply[1] & 0x0F)")
            }
            self.handshakeDone = true
            return .handshakeAccepted(maxLength: 1 << (9 + Int(reply[1] >> 4)))
        }
        guard buffer.readableBytes >= 4, let header = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
            return .insufficientData
        }
        let first = UInt8(truncatingIfNeeded: header >> 24)
        guard first & 0xF0 == 0 else { throw WAMPClientError(.transport, "RawSocket: reserved bits in frame header") }
        var length = Int(header & 0x00FF_FFFF)
        if first & 0x08 != 0 { length = 1 << 24 }
        guard buffer.readableBytes >= 4 + length else { return .insufficientData }
        buffer.moveReaderIndex(forwardBy: 4)
        let payload = buffer.readSlice(length: length)!
        switch first & 0x07 {
        case 0: return .message(payload)
        case 1: return .ping(payload)
        case 2: return .pong
        default: throw WAMPClientError(.transport, "RawSocket: reserved frame type \(first & 0x07)")
        }
    }

    /// The 4-octet prefix of a frame.
    static func header(type: UInt8, length: Int) -> UInt32 {
        length == 1 << 24 ? UInt32(0x08 | type) << 24 : UInt32(type) << 24 | UInt32(length)
    }
}
