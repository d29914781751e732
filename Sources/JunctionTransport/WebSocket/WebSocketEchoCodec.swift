import NIOCore
import NIOWebSocket

/// Sends every text or binary message straight back: the endpoint Autobahn|Testsuite runs its
/// conformance cases against (`junction ws-echo`).
///
/// It is the only part of the echo pipeline that differs from the WAMP one: upgrade, frame
/// decoding and encoding, reassembly, UTF-8, control frames and closing are the same code.
struct WebSocketEchoCodec: WebSocketMessageCodec {
    typealias Inbound = Never
    typealias Outbound = Never

    func messageReceived(opcode: WebSocketOpcode, data: ByteBuffer) -> WebSocketMessageAction<Never> {
        .reply(WebSocketFrame(fin: true, opcode: opcode, data: data))
    }

    func output(for outbound: Never, allocator: ByteBufferAllocator) -> WebSocketOutput {}
}

/// The last handler of an echo connection.
typealias WebSocketEchoHandler = WebSocketConnectionHandler
