import NIOCore

/// Cuts complete RFC 6455 frames off the front of a buffer; resumable (returns nil until a whole
/// frame is there, consuming nothing).
///
/// Server-to-client frames are normally unmasked, so the payload is a slice of the received
/// bytes (no copy); a masked frame is unmasked into a fresh buffer.
struct WebSocketFrameParser {
    struct Frame {
        var fin: Bool
        var opcode: UInt8
        var payload: ByteBuffer
    }

    /// Frames above this are treated as a protocol error rather than buffered without limit.
    var maximumFrameSize = 64 << 20

    mutating func next(_ buffer: inout ByteBuffer) throws -> Frame? {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= 2,
            let first = buffer.getInteger(at: start, as: UInt8.self),
            let second = buffer.getInteger(at: start + 1, as: UInt8.self)
        else { return nil }
        var headerLength = 2
        var length = UInt64(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = UInt64(extended)
            headerLength = 4
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            length = extended
            headerLength = 10
        }
        guard length <= UInt64(self.maximumFrameSize) else {
            throw ClientTransportError("WebSocket: frame of \(length) bytes exceeds the limit")
        }
        let masked = second & 0x80 != 0
        var maskKey: [UInt8] = []
        if masked {
            guard let key = buffer.getBytes(at: start + headerLength, length: 4) else { return nil }
            maskKey = key
            headerLength += 4
        }
        guard buffer.readableBytes >= headerLength + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: headerLength)
        var payload = buffer.readSlice(length: Int(length))!
        if masked {
            var bytes = Array(payload.readableBytesView)
            for index in bytes.indices { bytes[index] ^= maskKey[index & 3] }
            payload = ByteBuffer(bytes: bytes)
        }
        return Frame(fin: first & 0x80 != 0, opcode: first & 0x0F, payload: payload)
    }
}
