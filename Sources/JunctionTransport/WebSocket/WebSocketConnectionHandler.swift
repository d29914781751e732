import NIOCore
import NIOWebSocket

/// Sits right after the WebSocket frame decoder of an upgraded connection: frames in, the
/// codec's values out; the codec's values in, framed bytes out.
///
/// Outbound frames are encoded here, not by NIO's `WebSocketFrameEncoder`: a publication fanned
/// out to many connections is framed once (`FramedMessage`) and that one buffer is written to
/// each connection as it is. The upgrader still installs NIO's encoder; writes go out through
/// its context, i.e. past it, so it never sees them.
///
/// Thin glue around `WebSocketConnectionStateMachine` (the RFC 6455 rules), a
/// `WebSocketMessageCodec` (what a whole message means) and a `DeadPeerTimer` (pings a silent
/// peer and closes it if it never answers). It also intercepts `close` so a session that ends
/// (after ABORT or GOODBYE) sends a Close frame before the TCP connection goes away.
///
/// Not generic over its codec on purpose: NIO calls a handler through its protocol witnesses, and
/// a generic class then looks up generic metadata on every message (measured: ~5 % of the router's
/// time under RPC load). The two codecs are cases of `WebSocketCodec` instead.
final class WebSocketConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = TransportInbound
    typealias OutboundIn = TransportOutbound
    typealias OutboundOut = ByteBuffer

    private var connection: WebSocketConnectionStateMachine
    private var codec: WebSocketCodec
    private let deadPeerTimer: DeadPeerTimer?
    /// The frame decoder limits before and after the session is established.
    private let preSessionMaxFrameSize: Int
    private let maxFrameSize: Int
    /// Where framed bytes are written: the context of NIO's frame encoder if the pipeline has one
    /// (writing on it skips the encoder), else our own.
    private var writeContext: ChannelHandlerContext?
    /// The channel's allocator, fetched once: `channel.allocator` costs a thread check and
    /// retains on every call, and a write needs it for every message.
    private var allocator = ByteBufferAllocator()
    /// Inactive or out of the pipeline: a `FrameOutlet` must not write to its context any more.
    private var closed = false

    convenience init(codec: WebSocketWAMPCodec, configuration: WebSocketConfiguration) {
        self.init(.wamp(codec), configuration: configuration)
    }

    convenience init(codec: WebSocketEchoCodec, configuration: WebSocketConfiguration) {
        self.init(.echo(codec), configuration: configuration)
    }

    init(_ codec: WebSocketCodec, configuration: WebSocketConfiguration) {
        self.codec = codec
        self.preSessionMaxFrameSize = configuration.preSessionMaxFrameSize
        self.maxFrameSize = configuration.effectiveMaxFrameSize
        self.connection = WebSocketConnectionStateMachine(
            maxMessageSize: configuration.maxMessageSize,
            maxFragmentsPerMessage: configuration.maxFragmentsPerMessage,
            preSessionMaxMessageSize: configuration.preSession.maxMessageSize
        )
        self.deadPeerTimer = configuration.ping.map(DeadPeerTimer.init(configuration:))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.writeContext = try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        self.allocator = context.channel.allocator
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
        self.closed = true
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadPeerTimer?.stop()
        self.writeContext = nil
        self.closed = true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.deadPeerTimer?.inboundReceived()
        switch self.connection.frameReceived(Self.unwrapInboundIn(data)) {
        case .message(let opcode, let data):
            switch self.codec {
            case .wamp(var codec):
                let action = codec.messageReceived(opcode: opcode, data: data)
                self.codec = .wamp(codec)
                self.run(action, context: context)
            case .echo(let codec):
                if case .reply(let frame) = codec.messageReceived(opcode: opcode, data: data) {
                    self.write(frame, context: context, promise: nil)
                    context.flush()
                }
            }
        case .sendPong(let payload):
            self.write(WebSocketFrame(fin: true, opcode: .pong, data: payload), context: context, promise: nil)
            context.flush()
        case .replyToClose(let code):
            self.sendClose(code: code, context: context, then: nil)
        case .fail(let failure):
            // The Close frame goes out first: the layer above closes the channel when it hears
            // of the error, and the peer should learn why (RFC 6455 §7.1.7).
            self.sendClose(code: failure.closeCode, context: context, then: nil)
            context.fireErrorCaught(failure.error)
        case .ignore:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch self.connection.errorCaught(error) {
        case .fail(let failure):
            self.sendClose(code: failure.closeCode, context: context, then: nil)
            context.fireErrorCaught(failure.error)
        case .forward:
            context.fireErrorCaught(error)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is SessionEstablishedEvent {
            self.connection.sessionEstablished()
            self.raiseFrameDecoderLimit(context: context)
            promise?.succeed()
            if case .wamp = self.codec {
                let outlet = FrameOutlet(gate: self, context: self.writeContext ?? context)
                context.fireUserInboundEventTriggered(FrameOutletEvent(outlet: outlet))
            }
            return
        }
        context.triggerUserOutboundEvent(event, promise: promise)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard self.connection.messageWillBeWritten() == .write else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard case .wamp(let codec) = self.codec else {
            // Nothing writes to an echo connection; refuse rather than guess a framing.
            promise?.fail(ChannelError.operationUnsupported)
            return
        }
        switch codec.output(for: Self.unwrapOutboundIn(data), allocator: self.allocator) {
        case .frame(let frame):
            self.write(frame, context: context, promise: promise)
        case .bytes(let bytes):
            self.writeBytes(bytes, context: context, promise: promise)
        case .framed(let framed):
            self.writeBytes(framed.frame, context: context, promise: promise)
        }
    }

    /// Frames and writes `frame` (server frames are never masked). Small frames go out as one
    /// buffer; a larger payload is written after its header without being copied.
    private func write(_ frame: WebSocketFrame, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let extensionData = frame.extensionData
        let length = frame.data.readableBytes + (extensionData?.readableBytes ?? 0)
        let opcode = UInt8(webSocketOpcode: frame.opcode)
        if length <= Self.copyThreshold {
            var buffer = self.allocator.buffer(capacity: TransportFraming.maxPrefixLength + length)
            WebSocketFrameHeader.write(fin: frame.fin, opcode: opcode, length: length, into: &buffer)
            if let extensionData { buffer.writeImmutableBuffer(extensionData) }
            buffer.writeImmutableBuffer(frame.data)
            self.writeBytes(buffer, context: context, promise: promise)
            return
        }
        var header = context.channel.allocator.buffer(capacity: TransportFraming.maxPrefixLength)
        WebSocketFrameHeader.write(fin: frame.fin, opcode: opcode, length: length, into: &header)
        self.writeBytes(header, context: context, promise: nil)
        if let extensionData, extensionData.readableBytes > 0 {
            self.writeBytes(extensionData, context: context, promise: nil)
        }
        self.writeBytes(frame.data, context: context, promise: promise)
    }

    /// Replaces the pre-session frame decoder with one that accepts the full frame size. The new
    /// decoder goes right after the old one, so bytes the old one still holds (a client that sent
    /// before WELCOME) are handed to it when the old one is removed.
    private func raiseFrameDecoderLimit(context: ChannelHandlerContext) {
        guard self.maxFrameSize > self.preSessionMaxFrameSize else { return }
        let operations = context.pipeline.syncOperations
        guard let old = try? operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self) else { return }
        let replacement = ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: self.maxFrameSize))
        do {
            try operations.addHandler(replacement, position: .after(old))
            operations.removeHandler(old, promise: nil)
        } catch {
            context.fireErrorCaught(error)
        }
    }

    /// Frames up to this many payload bytes are copied behind their header into one buffer.
    private static var copyThreshold: Int { 512 }

    private func writeBytes(_ bytes: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        (self.writeContext ?? context).write(Self.wrapOutboundOut(bytes), promise: promise)
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
            // What was written before the close still leaves (`TransportInfo.flushesOnClose`).
            context.flush()
            context.close(mode: mode, promise: promise)
        }
    }

    private func run(_ action: WebSocketMessageAction<TransportInbound>, context: ChannelHandlerContext) {
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
            self.write(frame, context: context, promise: nil)
            context.flush()
        }
    }

    private func startDeadPeerTimer(context: ChannelHandlerContext) {
        self.deadPeerTimer?.start(
            on: context.eventLoop,
            sendPing: {
                let ping = WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(capacity: 0))
                self.write(ping, context: context, promise: nil)
                context.flush()
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
            self.write(self.closeFrame(code: code, context: context), context: context, promise: nil)
            context.flush()
        }
        context.close(promise: nil)
    }

    /// Writes a Close frame (with `code`, or an empty body), flushes, then closes the channel.
    private func sendClose(
        code: WebSocketErrorCode?,
        context: ChannelHandlerContext,
        then promise: EventLoopPromise<Void>?
    ) {
        let written = context.eventLoop.makePromise(of: Void.self)
        self.write(self.closeFrame(code: code, context: context), context: context, promise: written)
        context.flush()
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: promise) }
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

extension WebSocketConnectionHandler: FrameGate {
    /// Data frames only while the connection is open: none after a Close frame, none once the
    /// channel is inactive.
    func admitsFrame(payloadLength: Int) -> Bool {
        !self.closed && self.connection.messageWillBeWritten() == .write
    }
}
