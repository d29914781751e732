import NIOCore
import WAMPCore

/// One WAMP client session of the load generator, above a transport handler that delivers one
/// `ByteBuffer` per message.
///
/// Runs the session lifecycle (`ClientSessionStateMachine`), hands every other message to its
/// `SessionRole`, and batches writes: roles call `send(_:)`, and the flush happens once per read
/// batch (or when a timer-driven role calls `flushIfNeeded()`).
final class WAMPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let setup: SessionSetup
    private let role: any SessionRole
    private let establishedPromise: EventLoopPromise<Void>?
    private var state = ClientSessionStateMachine()
    private var context: ChannelHandlerContext?
    private var needsFlush = false

    /// - Parameter established: succeeded on WELCOME, failed if the session cannot be opened.
    init(setup: SessionSetup, role: any SessionRole, established: EventLoopPromise<Void>?) {
        self.setup = setup
        self.role = role
        self.establishedPromise = established
    }

    var allocator: ByteBufferAllocator { self.context?.channel.allocator ?? ByteBufferAllocator() }
    var isEstablished: Bool { self.state.isEstablished }
    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    /// Queues `message` (built with `FrameHeadroom.makeBuffer`); flushed at the end of the batch.
    @inline(__always)
    func send(_ message: ByteBuffer) {
        guard let context = self.context else { return }
        context.write(self.wrapOutboundOut(message), promise: nil)
        self.needsFlush = true
    }

    func flushIfNeeded() {
        guard self.needsFlush, let context = self.context else { return }
        self.needsFlush = false
        context.flush()
    }

    /// Leaves the session politely: GOODBYE, then close once the router answers.
    func goodbye() {
        self.run(self.state.closeRequested())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .ready? = event as? ClientTransportEvent {
            self.run(self.state.transportReady())
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = self.unwrapInboundIn(data)
        do {
            try message.withUnsafeReadableBytes { bytes throws(ScanError) in
                var scanner = WireScanner(self.setup.serializer, bytes)
                _ = try scanner.enterList()
                let type = try scanner.uint()
                switch type {
                case MessageType.welcome.rawValue:
                    self.run(self.state.welcome(session: try scanner.uint()))
                case MessageType.abort.rawValue:
                    try scanner.skip()
                    self.run(self.state.abort(reason: (try? scanner.string()) ?? "?"))
                case MessageType.goodbye.rawValue:
                    self.run(self.state.goodbye())
                default:
                    if self.state.message() == .deliver {
                        try self.role.received(type, &scanner, self)
                    }
                }
            }
        } catch {
            self.run(.fail("unreadable message: \(error)"))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.role.readComplete(self)
        self.flushIfNeeded()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.run(self.state.connectionClosed())
        self.role.sessionClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.establishedPromise?.fail(error)
        context.close(promise: nil)
    }

    private func run(_ action: ClientSessionStateMachine.Action) {
        guard let context = self.context else { return }
        switch action {
        case .none, .deliver:
            break
        case .sendHello:
            self.sendConstant(self.setup.hello, context: context)
        case .established:
            self.establishedPromise?.succeed()
            self.role.sessionEstablished(self)
        case .sendGoodbye:
            self.sendConstant(self.setup.goodbye, context: context)
        case .replyGoodbyeAndClose:
            self.sendConstant(self.setup.goodbyeReply, context: context)
            context.close(promise: nil)
        case .close:
            context.close(promise: nil)
        case .fail(let reason):
            self.establishedPromise?.fail(ClientTransportError(reason))
            context.close(promise: nil)
        }
    }

    private func sendConstant(_ bytes: [UInt8], context: ChannelHandlerContext) {
        var buffer = FrameHeadroom.makeBuffer(context.channel.allocator, capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
    }
}

@available(*, unavailable)
extension WAMPClientHandler: Sendable {}
