import NIOCore
import NIOWebSocket

/// What sits on top of the shared WebSocket rules: turns complete messages into values for the
/// next handler, and that handler's values into frames.
///
/// `WebSocketConnectionHandler` does everything RFC 6455 asks (masking, fragments, UTF-8,
/// control frames, closing, dead-peer pings) and hands only whole data messages to its codec;
/// the WAMP pipeline (`WebSocketWAMPCodec`) and the conformance echo (`WebSocketEchoCodec`)
/// differ in nothing else.
protocol WebSocketMessageCodec {
    associatedtype Inbound
    associatedtype Outbound

    /// A complete text or binary message arrived (text is valid UTF-8).
    mutating func messageReceived(opcode: WebSocketOpcode, data: ByteBuffer) -> WebSocketMessageAction<Inbound>

    /// What to send for a value written by the next handler.
    func output(for outbound: Outbound, allocator: ByteBufferAllocator) -> WebSocketOutput
}

/// The codec a `WebSocketConnectionHandler` runs.
enum WebSocketCodec {
    case wamp(WebSocketWAMPCodec)
    case echo(WebSocketEchoCodec)
}

/// What goes on the wire for one outbound value.
enum WebSocketOutput {
    /// A frame the connection handler encodes.
    case frame(WebSocketFrame)
    /// A complete frame, header included: written as it is.
    case bytes(ByteBuffer)
    /// A frame shared with other connections: its prefix, then its payload.
    case framed(FramedMessage)
}

enum WebSocketMessageAction<Inbound> {
    /// Pass one value to the next handler.
    case deliver(Inbound)
    /// Pass several values (a batched WAMP message).
    case deliverBatch([Inbound])
    /// Pass a value describing bad input; when the next handler then closes, the Close frame
    /// carries `closeCode` instead of 1000.
    case deliverViolation(Inbound, closeCode: WebSocketErrorCode)
    /// Send this frame back (the echo).
    case reply(WebSocketFrame)
}
