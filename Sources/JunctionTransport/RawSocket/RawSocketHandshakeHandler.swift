import NIOCore
import WAMPCore

/// The first handler of a RawSocket connection: runs the opening handshake, then replaces itself
/// with the framing pipeline and the session handler.
///
/// Thin glue around `RawSocketHandshakeStateMachine`. After a successful handshake the pipeline
/// becomes `ByteToMessageHandler(RawSocketFrameDecoder)`, `RawSocketWAMPHandler`, session handler
/// (inserted right after this handler, so handlers added behind it by the server stay last), a
/// `TransportReadyEvent` is fired at the session handler, and any bytes the client sent early are
/// passed on to the frame decoder.
final class RawSocketHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var stateMachine: RawSocketHandshakeStateMachine
    private let configuration: RawSocketConfiguration
    private let kind: TransportKind
    private let sessionHandlerFactory: SessionHandlerFactory
    private var timeout: Scheduled<Void>?

    init(
        configuration: RawSocketConfiguration,
        kind: TransportKind,
        connectionLimitReached: Bool,
        sessionHandlerFactory: @escaping SessionHandlerFactory
    ) {
        self.stateMachine = RawSocketHandshakeStateMachine(
            configuration: configuration,
            connectionLimitReached: connectionLimitReached
        )
        self.configuration = configuration
        self.kind = kind
        self.sessionHandlerFactory = sessionHandlerFactory
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            self.scheduleTimeout(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.scheduleTimeout(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timeout?.cancel()
        self.timeout = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        let action = self.stateMachine.bytesReceived(&buffer)
        self.run(action, remaining: buffer, context: context)
    }

    private func scheduleTimeout(context: ChannelHandlerContext) {
        guard self.timeout == nil, let delay = self.configuration.handshakeTimeout else {
            return
        }
        self.timeout = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            let action = self.stateMachine.timedOut()
            self.run(action, remaining: nil, context: context)
        }
    }

    private func run(
        _ action: RawSocketHandshakeStateMachine.Action,
        remaining: ByteBuffer?,
        context: ChannelHandlerContext
    ) {
        switch action {
        case .needMoreData, .none:
            break

        case .accept(let reply, let negotiated):
            self.timeout?.cancel()
            self.timeout = nil
            context.writeAndFlush(Self.wrapOutboundOut(Self.buffer(reply, context: context)), promise: nil)
            do {
                try self.installFraming(negotiated, context: context)
            } catch {
                context.fireErrorCaught(
                    TransportError(code: .pipelineSetupFailed, detail: "RawSocket pipeline setup failed: \(error)")
                )
                context.close(promise: nil)
                return
            }
            if let remaining, remaining.readableBytes > 0 {
                context.fireChannelRead(Self.wrapInboundOut(remaining))
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)

        case .reject(let reply, let error):
            self.timeout?.cancel()
            self.timeout = nil
            context.fireErrorCaught(error)
            context.writeAndFlush(Self.wrapOutboundOut(Self.buffer(reply, context: context)))
                .assumeIsolated()
                .whenComplete { _ in context.close(promise: nil) }

        case .close(let error):
            self.timeout?.cancel()
            self.timeout = nil
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    private func installFraming(
        _ negotiated: RawSocketHandshakeStateMachine.Negotiated,
        context: ChannelHandlerContext
    ) throws {
        let info = TransportInfo(
            kind: self.kind,
            serializer: negotiated.serializer,
            batched: false,
            peer: context.channel.remoteAddress.peerDescription(kind: self.kind)
        )
        let limit = InboundMessageLimit(
            preSession: self.configuration.preSession.maxMessageSize, established: negotiated.maxMessageLength)
        let wampHandler = RawSocketWAMPHandler(
            serializer: negotiated.serializer,
            peerMaxMessageLength: negotiated.peerMaxMessageLength,
            ping: self.configuration.ping,
            inboundLimit: limit
        )
        let operations = context.pipeline.syncOperations
        try operations.addHandlers(
            [
                ByteToMessageHandler(RawSocketFrameDecoder(maxPayloadLength: negotiated.maxMessageLength, limit: limit)),
                wampHandler,
                self.sessionHandlerFactory(info),
            ],
            position: .after(self)
        )
        try operations.context(handler: wampHandler).fireUserInboundEventTriggered(TransportReadyEvent(info: info))
    }

    private static func buffer(_ reply: UInt32, context: ChannelHandlerContext) -> ByteBuffer {
        var buffer = context.channel.allocator.buffer(capacity: 4)
        buffer.writeInteger(reply)
        return buffer
    }
}

@available(*, unavailable)
extension RawSocketHandshakeHandler: Sendable {}
