import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOWebSocket

/// Bytes written but not yet parsed into a frame, per channel (a frame's header and payload may
/// be written as separate buffers).
private let leftovers = NIOLockedValueBox<[ObjectIdentifier: ByteBuffer]>([:])

extension EmbeddedChannel {
    /// The next WebSocket frame the connection handler wrote, parsed from the outbound bytes
    /// (server frames: never masked); `nil` when no complete frame has been written.
    func readOutboundFrame() throws -> WebSocketFrame? {
        let key = ObjectIdentifier(self)
        var pending = leftovers.withLockedValue { $0[key] } ?? ByteBuffer()
        while let buffer = try self.readOutbound(as: ByteBuffer.self) {
            pending.writeImmutableBuffer(buffer)
        }
        defer { leftovers.withLockedValue { $0[key] = pending.readableBytes > 0 ? pending : nil } }
        let start = pending.readerIndex
        guard let first = pending.readInteger(as: UInt8.self), let second = pending.readInteger(as: UInt8.self) else {
            pending.moveReaderIndex(to: start)
            return nil
        }
        precondition(second & 0x80 == 0, "a server must not mask its frames")
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = pending.readInteger(as: UInt16.self) else {
                pending.moveReaderIndex(to: start)
                return nil
            }
            length = Int(extended)
        } else if length == 127 {
            guard let extended = pending.readInteger(as: UInt64.self) else {
                pending.moveReaderIndex(to: start)
                return nil
            }
            length = Int(extended)
        }
        guard let data = pending.readSlice(length: length) else {
            pending.moveReaderIndex(to: start)
            return nil
        }
        let opcode = WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F)!
        return WebSocketFrame(fin: first & 0x80 != 0, opcode: opcode, data: ByteBuffer(buffer: data))
    }
}
