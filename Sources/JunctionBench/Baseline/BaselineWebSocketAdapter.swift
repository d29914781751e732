import NIOCore
import NIOWebSocket

/// Turns WebSocket frames into WAMP message bytes for `BaselineHandler`, and answers PING and
/// CLOSE itself.
final class BaselineWebSocketAdapter: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Writes below the frame encoder (see `RawOutlet`).
    private var outlet: ChannelHandlerContext?

    init(outlet: ChannelHandlerContext) {
        self.outlet = outlet
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            context.fireChannelRead(self.wrapInboundOut(frame.unmaskedData))
        case .ping:
            let pong = BaselineFraming.webSocketFrame(opcode: 0xA, allocator: context.channel.allocator) {
                $0.writeImmutableBuffer(frame.unmaskedData)
            }
            self.outlet?.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            let close = BaselineFraming.webSocketFrame(opcode: 0x8, allocator: context.channel.allocator) {
                $0.writeInteger(UInt16(1000))
            }
            self.outlet?.writeAndFlush(self.wrapOutboundOut(close), promise: nil)
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.outlet = nil
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension BaselineWebSocketAdapter: Sendable {}
