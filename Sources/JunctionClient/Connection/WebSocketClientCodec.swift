import NIOCore
import NIOWebSocket
import WAMPCore

/// WAMP over WebSocket for a client, after the HTTP upgrade: one WAMP message per (aggregated)
/// WebSocket message, text frames for JSON and binary frames otherwise, every outgoing frame
/// masked as RFC 6455 requires of clients. Answers PING, and echoes a close frame before closing.
final class WebSocketClientCodec: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WAMPMessage
    typealias OutboundIn = WAMPMessage
    typealias OutboundOut = WebSocketFrame

    private let serializer: any WAMPSerializer
    private var closing = false

    init(serializer: SerializerKind) {
        self.serializer = serializer.serializer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            do {
                let message = try WAMPMessage(buffer: frame.unmaskedData, serializer: self.serializer)
                context.fireChannelRead(self.wrapInboundOut(message))
            } catch {
                context.fireErrorCaught(error)
                self.close(context: context, code: .protocolError)
            }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            self.close(context: context, code: .normalClosure)
        default:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = self.unwrapOutboundIn(data)
        let payload = context.channel.allocator.buffer(serializing: message, with: self.serializer)
        let opcode: WebSocketOpcode = self.serializer.kind == .json ? .text : .binary
        let frame = WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: payload)
        context.write(self.wrapOutboundOut(frame), promise: promise)
    }

    /// Sends a close frame (once) and closes the connection after it is written.
    func close(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard !self.closing else { return }
        self.closing = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
        context.writeAndFlush(self.wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension WebSocketClientCodec: Sendable {}
