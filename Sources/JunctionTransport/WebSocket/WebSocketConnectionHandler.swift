import NIOCore
import NIOWebSocket

/// Sits right after the WebSocket frame decoder of an upgraded connection: frames in, the
/// codec's values out; the codec's values in, frames out.
///
/// Thin glue around `WebSocketConnectionStateMachine` (the RFC 6455 rules), a
/// `WebSocketMessageCodec` (what a whole message means) and a `DeadPeerTimer` (pings a silent
/// peer and closes it if it never answers). It also intercepts `close` so a session that ends
/// (after ABORT or GOODBYE) sends a Close frame before the TCP connection goes away.
final class WebSocketConnectionHandler<Codec: WebSocketMessageCodec>: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = Codec.Inbound
    typealias OutboundIn = Codec.Outbound
    typealias OutboundOut = WebSocketFrame

    private var connection: WebSocketConnectionStateMachine
    private(set) var codec: Codec
    private let deadPeerTimer: DeadPeerTimer?

    init(codec: Codec, configuration: WebSocketConfiguration) {
        self.codec = codec
        self.connection = WebSocketConnectionStateMachine(
            maxMessageSize: configuration.maxMessageSize,
            maxFragmentsPerMessage: configuration.maxFragmentsPerMessage,
            preSessionMaxMessageSize: configuration.preSessionMaxMessageSize
        )
        self.deadPeerTimer = configuration.ping.map(DeadPeerTimer.init(configuration:))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            self.startDeadPeerTimer(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.startDeadPeerTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.deadPeerTimer?.stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadPeerTimer?.stop()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.deadPeerTimer?.inboundReceived()
        switch self.connection.frameReceived(Self.unwrapInboundIn(data)) {
        case .message(let opcode, let data):
            self.run(self.codec.messageReceived(opcode: opcode, data: data), context: context)
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
        switch self.connection.errorCaught(error) {
        case .fail(let failure):
            context.fireErrorCaught(failure.error)
            self.sendClose(code: failure.closeCode, context: context, then: nil)
        case .forward:
            context.fireErrorCaught(error)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is SessionEstablishedEvent {
            self.connection.sessionEstablished()
            promise?.succeed()
            return
        }
        context.triggerUserOutboundEvent(event, promise: promise)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard self.connection.messageWillBeWritten() == .write else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let frame = self.codec.frame(for: Self.unwrapOutboundIn(data), allocator: context.channel.allocator)
        context.write(Self.wrapOutboundOut(frame), promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        switch self.connection.closeRequested() {
        case .sendCloseThenClose(let code):
            self.sendClose(code: code, context: context, then: promise)
        case .closeNow:
            context.close(mode: mode, promise: promise)
        }
    }

    private func run(_ action: WebSocketMessageAction<Codec.Inbound>, context: ChannelHandlerContext) {
        switch action {
        case .deliver(let inbound):
            context.fireChannelRead(Self.wrapInboundOut(inbound))
        case .deliverBatch(let batch):
            for inbound in batch {
                context.fireChannelRead(Self.wrapInboundOut(inbound))
            }
        case .deliverViolation(let inbound, let closeCode):
            self.connection.violationDelivered(closeCode: closeCode)
            context.fireChannelRead(Self.wrapInboundOut(inbound))
        case .reply(let frame):
            context.writeAndFlush(Self.wrapOutboundOut(frame), promise: nil)
        }
    }

    private func startDeadPeerTimer(context: ChannelHandlerContext) {
        self.deadPeerTimer?.start(
            on: context.eventLoop,
            sendPing: {
                let ping = WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(capacity: 0))
                context.writeAndFlush(Self.wrapOutboundOut(ping), promise: nil)
            },
            peerIsDead: {
                self.peerIsDead(context: context)
            }
        )
    }

    /// Reports the dead peer and closes at once: a peer that does not read may never let a
    /// Close frame drain, so we do not wait for it.
    private func peerIsDead(context: ChannelHandlerContext) {
        context.fireErrorCaught(
            TransportError(code: .peerUnresponsive, detail: "no answer to a WebSocket ping within the timeout")
        )
        if case .sendCloseThenClose(let code) = self.connection.peerIsDead() {
            context.writeAndFlush(Self.wrapOutboundOut(self.closeFrame(code: code, context: context)), promise: nil)
        }
        context.close(promise: nil)
    }

    /// Writes a Close frame (with `code`, or an empty body), flushes, then closes the channel.
    private func sendClose(
        code: WebSocketErrorCode?,
        context: ChannelHandlerContext,
        then promise: EventLoopPromise<Void>?
    ) {
        context.writeAndFlush(Self.wrapOutboundOut(self.closeFrame(code: code, context: context)))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: promise) }
    }

    private func closeFrame(code: WebSocketErrorCode?, context: ChannelHandlerContext) -> WebSocketFrame {
        var body = context.channel.allocator.buffer(capacity: 2)
        if let code {
            body.write(webSocketErrorCode: code)
        }
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: body)
    }
}

@available(*, unavailable)
extension WebSocketConnectionHandler: Sendable {}
