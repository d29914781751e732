import NIOCore

/// How the baseline frames what it sends: unmasked WebSocket frames or RawSocket frames.
///
/// Replies are framed by the baseline itself (and written below any NIO encoder) so that an EVENT
/// is framed once and the very same bytes go to every subscriber.
enum BaselineFraming: Sendable {
    /// WebSocket with the data opcode to use (0x1 text for JSON, 0x2 binary otherwise).
    case webSocket(opcode: UInt8)
    case rawSocket

    /// A complete frame around what `body` writes.
    func frame(allocator: ByteBufferAllocator, _ body: (inout ByteBuffer) -> Void) -> ByteBuffer {
        switch self {
        case .webSocket(let opcode): return Self.webSocketFrame(opcode: opcode, allocator: allocator, body)
        case .rawSocket: return Self.rawSocketFrame(type: 0, allocator: allocator, body)
        }
    }

    /// A server WebSocket frame (FIN set, no mask) of any opcode.
    static func webSocketFrame(
        opcode: UInt8, allocator: ByteBufferAllocator, _ body: (inout ByteBuffer) -> Void
    ) -> ByteBuffer {
        var buffer = FrameHeadroom.makeBuffer(allocator, capacity: 128)
        body(&buffer)
        let length = buffer.readableBytes
        var header: (UInt64, UInt64) = (0, 0)
        let headerLength = withUnsafeMutableBytes(of: &header) { raw -> Int in
            raw[0] = 0x80 | opcode
            if length < 126 {
                raw[1] = UInt8(length)
                return 2
            } else if length <= 0xFFFF {
                raw[1] = 126
                raw[2] = UInt8(length >> 8)
                raw[3] = UInt8(length & 0xFF)
                return 4
            }
            raw[1] = 127
            for index in 0..<8 { raw[2 + index] = UInt8((UInt64(length) >> (56 - 8 * UInt64(index))) & 0xFF) }
            return 10
        }
        withUnsafeBytes(of: &header) { raw in
            FrameHeadroom.prepend(UnsafeRawBufferPointer(rebasing: raw[0..<headerLength]), to: &buffer)
        }
        return buffer
    }

    /// A RawSocket frame: 1 byte type (0 message, 1 ping, 2 pong), 3 bytes length.
    static func rawSocketFrame(type: UInt8, allocator: ByteBufferAllocator, _ body: (inout ByteBuffer) -> Void)
        -> ByteBuffer
    {
        var buffer = FrameHeadroom.makeBuffer(allocator, capacity: 128)
        body(&buffer)
        let header = UInt32(type) << 24 | UInt32(buffer.readableBytes)
        withUnsafeBytes(of: header.bigEndian) { FrameHeadroom.prepend($0, to: &buffer) }
        return buffer
    }
}
