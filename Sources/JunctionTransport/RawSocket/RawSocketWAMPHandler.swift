import NIOCore
import WAMPCore

/// Sits between the RawSocket frame decoder and the session handler after the handshake:
/// frames in, `TransportInbound` out; `TransportOutbound` in, framed bytes out.
///
/// Thin glue around `RawSocketConnectionStateMachine`, plus a `DeadPeerTimer` that sends a PING
/// to a silent client and closes the connection if nothing arrives in time. Payloads of `.serialized` messages are
/// written as they are, behind a separate 4-octet prefix, so one encoded publication can be
/// shared by many connections.
final class RawSocketWAMPHandler: ChannelDuplexHandler {
    typealias InboundIn = RawSocketFrame
    typealias InboundOut = TransportInbound
    typealias OutboundIn = TransportOutbound
    typealias OutboundOut = ByteBuffer

    private var stateMachine: RawSocketConnectionStateMachine
    private let deadPeerTimer: DeadPeerTimer?
    private let inboundLimit: InboundMessageLimit?
    /// Inactive or out of the pipeline: a `FrameOutlet` must not write to its context any more.
    private var closed = false

    init(
        serializer: SerializerKind, peerMaxMessageLength: Int, ping: PingConfiguration? = nil,
        inboundLimit: InboundMessageLimit? = nil
    ) {
        self.inboundLimit = inboundLimit
        self.stateMachine = RawSocketConnectionStateMachine(
            serializer: serializer,
            peerMaxMessageLength: peerMaxMessageLength
        )
        self.deadPeerTimer = ping.map(DeadPeerTimer.init(configuration:))
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
        self.closed = true
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadPeerTimer?.stop()
        self.closed = true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.deadPeerTimer?.inboundReceived()
        let frame = Self.unwrapInboundIn(data)
        switch self.stateMachine.frameReceived(frame) {
        case .deliver(let inbound):
            context.fireChannelRead(Self.wrapInboundOut(inbound))
        case .sendPong(let payload):
            self.writeFrame(context: context, kind: .pong, payload: payload, promise: nil)
            context.flush()
        case .ignore:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch self.stateMachine.errorCaught(error) {
        case .closeAndForward:
            context.close(promise: nil)
            context.fireErrorCaught(error)
        case .forward:
            context.fireErrorCaught(error)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is SessionEstablishedEvent {
            self.inboundLimit?.sessionEstablished()
            promise?.succeed()
            context.fireUserInboundEventTriggered(FrameOutletEvent(outlet: FrameOutlet(gate: self, context: context)))
            return
        }
        context.triggerUserOutboundEvent(event, promise: promise)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Self.unwrapOutboundIn(data) {
        case .message(let message):
            // Encode behind a reserved prefix so the frame goes out as one buffer.
            var buffer = context.channel.allocator.buffer(capacity: 256)
            buffer.writeInteger(UInt32(0))
            let length = buffer.writeWAMPMessage(message, serializer: self.stateMachine.serializer)
            guard self.admit(context: context, length: length, promise: promise) else {
                return
            }
            buffer.setInteger(RawSocketFrame.header(kind: .message, length: length), at: buffer.readerIndex)
            context.write(Self.wrapOutboundOut(buffer), promise: promise)
        case .framed(let framed):
            guard self.admit(context: context, length: framed.payloadLength, promise: promise) else {
                return
            }
            context.write(Self.wrapOutboundOut(framed.frame), promise: promise)
        case .prefixed(let bytes):
            guard self.admit(context: context, length: bytes.readableBytes - 4, promise: promise) else {
                return
            }
            context.write(Self.wrapOutboundOut(bytes), promise: promise)
        case .serialized(let payload):
            guard self.admit(context: context, length: payload.readableBytes, promise: promise) else {
                return
            }
            self.writeFrame(context: context, kind: .message, payload: payload, promise: promise)
        }
    }

    private func startDeadPeerTimer(context: ChannelHandlerContext) {
        self.deadPeerTimer?.start(
            on: context.eventLoop,
            sendPing: {
                let empty = context.channel.allocator.buffer(capacity: 0)
                self.writeFrame(context: context, kind: .ping, payload: empty, promise: nil)
                context.flush()
            },
            peerIsDead: {
                // Close first, so nothing more is read or written; then say why.
                context.close(promise: nil)
                context.fireErrorCaught(
                    TransportError(code: .peerUnresponsive, detail: "no answer to a RawSocket PING within the timeout")
                )
            }
        )
    }

    /// Checks the client's limit; on refusal fails `promise` and reports the error.
    private func admit(context: ChannelHandlerContext, length: Int, promise: EventLoopPromise<Void>?) -> Bool {
        switch self.stateMachine.messageWillBeWritten(length: length) {
        case .write:
            return true
        case .refuse(let error):
            promise?.fail(error)
            context.fireErrorCaught(error)
            return false
        }
    }

    /// Writes the prefix and the untouched payload as two buffers.
    private func writeFrame(
        context: ChannelHandlerContext,
        kind: RawSocketFrame.Kind,
        payload: ByteBuffer,
        promise: EventLoopPromise<Void>?
    ) {
        var header = context.channel.allocator.buffer(capacity: 4)
        header.writeInteger(RawSocketFrame.header(kind: kind, length: payload.readableBytes))
        context.write(Self.wrapOutboundOut(header), promise: nil)
        context.write(Self.wrapOutboundOut(payload), promise: promise)
    }
}

@available(*, unavailable)
extension RawSocketWAMPHandler: Sendable {}

extension RawSocketWAMPHandler: FrameGate {
    func admitsFrame(payloadLength: Int) -> Bool {
        guard !self.closed, case .write = self.stateMachine.messageWillBeWritten(length: payloadLength) else {
            return false
        }
        return true
    }
}
