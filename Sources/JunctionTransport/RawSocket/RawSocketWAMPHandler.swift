import NIOCore
import WAMPCore

/// Sits between the RawSocket frame decoder and the session handler after the handshake:
/// frames in, `TransportInbound` out; `TransportOutbound` in, framed bytes out.
///
/// Thin glue around `RawSocketConnectionStateMachine`. Payloads of `.serialized` messages are
/// written as they are, behind a separate 4-octet prefix, so one encoded publication can be
/// shared by many connections.
final class RawSocketWAMPHandler: ChannelDuplexHandler {
    typealias InboundIn = RawSocketFrame
    typealias InboundOut = TransportInbound
    typealias OutboundIn = TransportOutbound
    typealias OutboundOut = ByteBuffer

    private var stateMachine: RawSocketConnectionStateMachine

    init(serializer: SerializerKind, peerMaxMessageLength: Int) {
        self.stateMachine = RawSocketConnectionStateMachine(
            serializer: serializer,
            peerMaxMessageLength: peerMaxMessageLength
        )
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
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
        case .serialized(let payload):
            guard self.admit(context: context, length: payload.readableBytes, promise: promise) else {
                return
            }
            self.writeFrame(context: context, kind: .message, payload: payload, promise: promise)
        }
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
