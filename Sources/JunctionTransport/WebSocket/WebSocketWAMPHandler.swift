import NIOCore
import NIOWebSocket
import WAMPCore

/// Sits between the WebSocket frame aggregator and the session handler after the upgrade:
/// frames in, `TransportInbound` out; `TransportOutbound` in, frames out.
///
/// Thin glue around `WebSocketWAMPStateMachine`. It also intercepts `close` so a session that
/// ends (after ABORT or GOODBYE) sends a Close 1000 frame before the TCP connection goes away.
/// Shared `.serialized` payloads are put in frames as they are; batched framing around them is
/// written as separate buffers, never copied into them.
final class WebSocketWAMPHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = TransportInbound
    typealias OutboundIn = TransportOutbound
    typealias OutboundOut = WebSocketFrame

    private var stateMachine: WebSocketWAMPStateMachine

    init(subprotocol: WAMPWebSocketSubprotocol, maxMessageSize: Int) {
        self.stateMachine = WebSocketWAMPStateMachine(subprotocol: subprotocol, maxMessageSize: maxMessageSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.stateMachine.frameReceived(Self.unwrapInboundIn(data)) {
        case .deliver(let inbound):
            context.fireChannelRead(Self.wrapInboundOut(inbound))
        case .deliverBatch(let batch):
            for inbound in batch {
                context.fireChannelRead(Self.wrapInboundOut(inbound))
            }
        case .sendPong(let payload):
            context.writeAndFlush(
                Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)),
                promise: nil
            )
        case .replyToClose(let code):
            self.sendClose(code: code, context: context, then: nil)
        case .fail(let failure):
            context.fireErrorCaught(failure.error)
            self.sendClose(code: failure.closeCode, context: context, then: nil)
        case .ignore:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch self.stateMachine.errorCaught(error) {
        case .fail(let failure):
            context.fireErrorCaught(failure.error)
            self.sendClose(code: failure.closeCode, context: context, then: nil)
        case .forward:
            context.fireErrorCaught(error)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard self.stateMachine.messageWillBeWritten() == .write else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let opcode = self.stateMachine.dataOpcode
        let subprotocol = self.stateMachine.subprotocol
        let frame: WebSocketFrame
        switch Self.unwrapOutboundIn(data) {
        case .message(let message):
            var buffer = context.channel.allocator.buffer(capacity: 256)
            if subprotocol.batched {
                WebSocketBatchFraming.write(
                    message,
                    serializer: self.stateMachine.serializer,
                    recordSeparator: self.stateMachine.recordSeparator,
                    into: &buffer
                )
            } else {
                buffer.writeWAMPMessage(message, serializer: self.stateMachine.serializer)
            }
            frame = WebSocketFrame(fin: true, opcode: opcode, data: buffer)
        case .serialized(let payload) where subprotocol.batched:
            // The encoder writes `extensionData` and then `data`, each as its own buffer; without
            // negotiated extensions both are plain payload on the wire, which lets us put the
            // batch framing before or after the shared payload without copying it.
            let envelope = WebSocketBatchFraming.envelope(
                payloadLength: payload.readableBytes,
                serializer: subprotocol.serializer,
                recordSeparator: self.stateMachine.recordSeparator,
                allocator: context.channel.allocator
            )
            if let suffix = envelope.suffix {
                frame = WebSocketFrame(fin: true, opcode: opcode, data: suffix, extensionData: payload)
            } else {
                frame = WebSocketFrame(fin: true, opcode: opcode, data: payload, extensionData: envelope.prefix)
            }
        case .serialized(let payload):
            frame = WebSocketFrame(fin: true, opcode: opcode, data: payload)
        }
        context.write(Self.wrapOutboundOut(frame), promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        switch self.stateMachine.closeRequested() {
        case .sendCloseThenClose(let code):
            self.sendClose(code: code, context: context, then: promise)
        case .closeNow:
            context.close(mode: mode, promise: promise)
        }
    }

    /// Writes a Close frame (with `code`, or an empty body), flushes, then closes the channel.
    private func sendClose(
        code: WebSocketErrorCode?,
        context: ChannelHandlerContext,
        then promise: EventLoopPromise<Void>?
    ) {
        var body = context.channel.allocator.buffer(capacity: 2)
        if let code {
            body.write(webSocketErrorCode: code)
        }
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: body)
        context.writeAndFlush(Self.wrapOutboundOut(frame))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: promise) }
    }
}

@available(*, unavailable)
extension WebSocketWAMPHandler: Sendable {}
