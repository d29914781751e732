import JunctionRouter
import JunctionTransport
import Logging
import NIOCore
import WAMPCore

/// Connects one transport to the router: runs the session state machine on the connection's event
/// loop and executes its actions (join a realm, route to it, send, close).
///
/// Sits at the end of a WebSocket or RawSocket pipeline; below it the transport turns bytes into
/// `TransportInbound` and `TransportOutbound` into bytes.
final class SessionChannelHandler: ChannelInboundHandler {
    typealias InboundIn = TransportInbound
    typealias OutboundOut = TransportOutbound

    /// How long the router waits for the peer's GOODBYE reply before closing.
    static let goodbyeTimeout: TimeAmount = .seconds(2)

    private let router: Router
    private let info: TransportInfo
    private var logger: Logger
    private var state = SessionStateMachine()
    private var realm: Realm?
    private var context: ChannelHandlerContext?
    private var peer: ChannelPeer?
    private var goodbyeTimer: Scheduled<Void>?

    init(router: Router, info: TransportInfo, logger: Logger) {
        self.router = router
        self.info = info
        self.logger = logger
        self.logger[metadataKey: "peer"] = .string(info.peer)
        self.logger[metadataKey: "transport"] = .string("\(info.kind.rawValue)/\(info.serializer)")
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.peer = ChannelPeer(
            handler: NIOLoopBound(self, eventLoop: context.eventLoop), serializer: self.info.serializer)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.run(self.state.transportClosed())
        self.context = nil
        self.peer = nil
        self.goodbyeTimer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .message(let message):
            self.run(self.state.received(message))
        case .violation(let violation):
            self.logger.warning("protocol violation", metadata: ["error": "\(violation.message)"])
            self.run(self.state.receivedViolation(violation))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.run(self.state.transportClosed())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TransportError, !error.closesConnection {
            // The transport dropped one outgoing message (e.g. larger than the peer accepts) and
            // keeps the connection.
            self.logger.warning("message not delivered", metadata: ["error": "\(error)"])
            return
        }
        self.logger.warning("transport error, closing", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Called by the realm through `ChannelPeer`, on this channel's event loop.

    func deliver(_ message: WAMPMessage) {
        guard let context = self.context, self.state.sessionID != nil else { return }
        context.writeAndFlush(self.wrapOutboundOut(.message(message)), promise: nil)
    }

    func deliver(_ message: SharedMessage) {
        guard let context = self.context, self.state.sessionID != nil else { return }
        let buffer = message.buffer(for: self.info.serializer, allocator: context.channel.allocator)
        context.writeAndFlush(self.wrapOutboundOut(.serialized(buffer)), promise: nil)
    }

    func routerGoodbye(reason: String, message: String?) {
        self.run(self.state.routerGoodbye(reason: reason, message: message))
        if case .closing = self.state.state, let context = self.context {
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            self.goodbyeTimer = context.eventLoop.scheduleTask(in: Self.goodbyeTimeout) {
                loopBound.value.run(loopBound.value.state.closingTimedOut())
            }
        }
    }

    func routerAbort(_ abort: WAMPMessage.Abort) {
        self.logger.warning("session aborted by the router", metadata: ["reason": "\(abort.reason)"])
        self.run(self.state.routerAbort(abort))
    }

    // MARK: Executing actions

    private func run(_ action: SessionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .join(let hello):
            self.join(hello)
        case .route(let message, let session):
            guard let realm = self.realm else { return }
            if realm.eventLoop.inEventLoop {
                realm.receive(message, from: session)
            } else {
                realm.eventLoop.execute { realm.receive(message, from: session) }
            }
        case .send(let message):
            self.context?.writeAndFlush(self.wrapOutboundOut(.message(message)), promise: nil)
        case .sendAndClose(let message, let leave):
            self.leaveRealm(leave)
            guard let context = self.context else { return }
            context.writeAndFlush(self.wrapOutboundOut(.message(message)), promise: nil)
            context.close(promise: nil)
        case .close(let leave):
            self.leaveRealm(leave)
            self.context?.close(promise: nil)
        case .leave(let session):
            self.leaveRealm(session)
        }
    }

    private func leaveRealm(_ session: UInt64?) {
        guard let session, let realm = self.realm else { return }
        if realm.eventLoop.inEventLoop {
            realm.leave(session: session)
        } else {
            realm.eventLoop.execute { realm.leave(session: session) }
        }
    }

    private func join(_ hello: WAMPMessage.Hello) {
        guard URIValidation.isValid(hello.realm) else {
            self.logger.info("HELLO for an invalid realm URI", metadata: ["realm": "\(hello.realm)"])
            self.run(
                self.state.joinRefused(
                    .init(reason: WAMPErrorURI.noSuchRealm, message: "'\(hello.realm)' is not a valid realm URI")))
            return
        }
        guard let realm = self.router.realm(named: hello.realm), let peer = self.peer, let context = self.context
        else {
            self.logger.info("HELLO for an unknown realm", metadata: ["realm": "\(hello.realm)"])
            self.run(self.state.joinRefused(.init(reason: WAMPErrorURI.noSuchRealm, message: "no realm '\(hello.realm)'")))
            return
        }
        self.realm = realm
        let transport = "\(self.info.kind.rawValue)/\(self.info.serializer) \(self.info.peer)"
        if realm.eventLoop.inEventLoop {
            self.joinCompleted(realm.join(hello: hello, peer: peer, transport: transport))
        } else {
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            realm.eventLoop.submit { realm.join(hello: hello, peer: peer, transport: transport) }
                .hop(to: context.eventLoop)
                .whenSuccess { loopBound.value.joinCompleted($0) }
        }
    }

    private func joinCompleted(_ outcome: Realm.JoinOutcome) {
        switch outcome {
        case .welcome(let session, let details):
            self.logger[metadataKey: "session"] = "\(session)"
            self.run(self.state.joined(session: session, details: details))
        case .abort(let abort):
            self.run(self.state.joinRefused(abort))
        }
    }
}

@available(*, unavailable)
extension SessionChannelHandler: Sendable {}

/// The realm's thread-safe handle on a `SessionChannelHandler`: hops to the connection's loop.
final class ChannelPeer: PeerConnection {
    private let handler: NIOLoopBound<SessionChannelHandler>
    let serializer: SerializerKind

    init(handler: NIOLoopBound<SessionChannelHandler>, serializer: SerializerKind) {
        self.handler = handler
        self.serializer = serializer
    }

    private func onLoop(_ body: @escaping @Sendable (SessionChannelHandler) -> Void) {
        let handler = self.handler
        if handler.eventLoop.inEventLoop {
            body(handler.value)
        } else {
            handler.eventLoop.execute { body(handler.value) }
        }
    }

    func send(_ message: WAMPMessage) {
        self.onLoop { $0.deliver(message) }
    }

    func send(_ message: SharedMessage) {
        self.onLoop { $0.deliver(message) }
    }

    func goodbye(reason: String, message: String?) {
        self.onLoop { $0.routerGoodbye(reason: reason, message: message) }
    }

    func abort(_ abort: WAMPMessage.Abort) {
        self.onLoop { $0.routerAbort(abort) }
    }
}
