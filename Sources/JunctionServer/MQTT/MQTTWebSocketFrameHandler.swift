import NIOCore
import NIOWebSocket

/// MQTT over WebSocket (MQTT 5.0 §6): binary frames carry the byte stream, in any split. Inbound
/// data frames are unmasked and passed on as bytes; outbound bytes leave as binary frames; pings
/// are answered; a close frame is echoed and the connection closed; a text frame is a protocol
/// error (close 1003).
final class MQTTWebSocketFrameHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    /// The subprotocols MQTT clients offer (`mqtt`; `mqttv3.1` from older clients), first match in
    /// the client's order; the chosen one is echoed.
    static func subprotocol(offered: [String]) -> String? {
        let names = offered.flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces() }
        return names.first { $0 == "mqtt" || $0 == "mqttv3.1" }
    }

    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .continuation:
            context.fireChannelRead(self.wrapInboundOut(frame.unmaskedData))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            self.close(context: context, code: .normalClosure)
        default:
            self.close(context: context, code: .unacceptableData)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = self.unwrapOutboundIn(data)
        context.write(self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .binary, data: bytes)), promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, !self.closing, context.channel.isActive else {
            context.close(mode: mode, promise: promise)
            return
        }
        self.closing = true
        var body = context.channel.allocator.buffer(capacity: 2)
        body.write(webSocketErrorCode: .normalClosure)
        // Back through this handler, which lets the close pass now that `closing` is set.
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: body)))
            .whenComplete { _ in channel.close(mode: mode, promise: promise) }
    }

    private func close(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard !self.closing else { return }
        self.closing = true
        var body = context.channel.allocator.buffer(capacity: 2)
        body.write(webSocketErrorCode: code)
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: body)))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension MQTTWebSocketFrameHandler: Sendable {}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
