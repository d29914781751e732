import NIOCore

/// Outbound WAMP messages are built with free bytes in front of them so that the transport
/// handler can write its frame header in place instead of allocating and copying.
///
/// 14 bytes covers the largest client WebSocket header (2 + 8 length + 4 mask); RawSocket needs 4.
enum FrameHeadroom {
    static let bytes = 14

    /// An empty buffer for a message of up to `capacity` bytes, with the headroom reserved.
    @inline(__always)
    static func makeBuffer(_ allocator: ByteBufferAllocator, capacity: Int) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: capacity + Self.bytes)
        buffer.moveWriterIndex(forwardBy: Self.bytes)
        buffer.moveReaderIndex(forwardBy: Self.bytes)
        return buffer
    }

    /// Puts `header` just before the readable bytes, using the headroom if there is enough,
    /// otherwise (a buffer that was built without headroom) by copying.
    @inline(__always)
    static func prepend(_ header: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) {
        if buffer.readerIndex >= header.count {
            let start = buffer.readerIndex - header.count
            buffer.setBytes(header, at: start)
            buffer.moveReaderIndex(to: start)
        } else {
            var framed = ByteBufferAllocator().buffer(capacity: header.count + buffer.readableBytes)
            framed.writeBytes(header)
            framed.writeImmutableBuffer(buffer)
            buffer = framed
        }
    }
}

/// Fired inbound by a client transport handler once its handshake is done and WAMP messages
/// may flow.
enum ClientTransportEvent: Sendable {
    case ready
}

/// A transport-level failure on the client side (bad handshake, refused serializer, oversize frame).
struct ClientTransportError: Error, Sendable, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { self.message }
}
