import JunctionRouter
import JunctionTransport
import Logging
import NIOCore
import WAMPCore

/// Connects one transport to the router: runs the session state machine on the connection's event
/// loop and executes its actions (join a realm, route to it, send, close).
///
/// Sits at the end of a WebSocket or RawSocket pipeline; below it the transport turns bytes into
/// `TransportInbound` and `TransportOutbound` into bytes. The realm delivers to it as a
/// `DeliveryTarget` (through its `PeerHandle`); `SessionOutbound` writes what it delivers.
final class SessionChannelHandler: ChannelInboundHandler, DeliveryTarget {
    typealias InboundIn = TransportInbound
    typealias OutboundOut = TransportOutbound

    /// How long the router waits for the peer's GOODBYE reply before closing.
    static let goodbyeTimeout: TimeAmount = .seconds(2)

    let info: TransportInfo
    let limits: Limits
    let security: SessionSecurity
    let mailboxes: LoopMailboxes
    let loopCounters: LoopCounters
    let authentications: AuthenticationMetrics
    /// This connection's loop's counters (messages in and out), taken at `handlerAdded`.
    var counters: RouterCounters?
    /// This connection's loop: its mailbox (messages from realms on other loops) and the
    /// connections waiting for a flush.
    var loop: LoopMailbox?
    /// The mailbox of the joined realm's loop, when that is another loop.
    var realmMailbox: LoopMailbox?
    /// The shared logger: this connection's metadata is added per log statement (`logger`), so an
    /// idle session keeps no logger copy of its own (with its metadata, ~750 bytes).
    private let baseLogger: Logger
    /// The established session's id, for log metadata (0 before WELCOME).
    var loggedSessionID: UInt64 = 0
    var state: SessionStateMachine
    var realm: Realm?
    var context: ChannelHandlerContext?
    var loopBoundSelf: NIOLoopBound<SessionChannelHandler>?
    var peer: PeerHandle?
    private var goodbyeTimer: Scheduled<Void>?
    let outbound: SessionOutbound
    /// Runs from the transport handshake to WELCOME.
    var establishmentTimer: Scheduled<Void>?
    /// Whether this connection holds a place in `security.pendingSessions`.
    var holdsPendingPlace = false

    init(
        info: TransportInfo, limits: Limits, security: SessionSecurity, statistics: ServerStatistics,
        mailboxes: LoopMailboxes, counters: LoopCounters, authentications: AuthenticationMetrics, logger: Logger
    ) {
        self.loopCounters = counters
        self.authentications = authentications
        self.state = SessionStateMachine(environment: security.establishment)
        self.info = info
        self.limits = limits
        self.security = security
        self.mailboxes = mailboxes
        self.baseLogger = logger
        self.outbound = SessionOutbound(info: info, limits: limits, statistics: statistics)
    }

    /// The logger with this connection's metadata (peer, transport, session once established).
    var logger: Logger {
        var logger = self.baseLogger
        logger[metadataKey: "peer"] = .string(self.info.peer)
        logger[metadataKey: "transport"] = .string("\(self.info.kind.rawValue)/\(self.info.serializer)")
        if self.loggedSessionID != 0 { logger[metadataKey: "session"] = "\(self.loggedSessionID)" }
        return logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.outbound.allocator = context.channel.allocator
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.loopBoundSelf = loopBound
        // A loop outside the server's group (none in practice) gets a mailbox of its own.
        let loop = self.mailboxes.mailbox(for: context.eventLoop) ?? LoopMailbox(eventLoop: context.eventLoop)
        self.loop = loop
        let counters = self.loopCounters.counters(for: context.eventLoop) ?? RouterCounters()
        self.counters = counters
        self.outbound.counters = counters
        self.peer = PeerHandle(target: self, mailbox: loop)
        self.holdsPendingPlace = self.security.pendingSessions.enter()
        if !self.holdsPendingPlace {
            self.logger.warning(
                "too many connections without an established session; closing",
                metadata: ["limit": "\(self.security.pendingSessions.limit)"])
        }
        self.run(self.state.connectionOpened(pendingPlaceGranted: self.holdsPendingPlace))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.releasePendingPlace()
        self.run(self.state.transportClosed())
        self.context = nil
        self.outbound.outlet = nil
        self.loopBoundSelf = nil
        self.peer = nil
        self.goodbyeTimer?.cancel()
    }

    func releasePendingPlace() {
        self.establishmentTimer?.cancel()
        self.establishmentTimer = nil
        guard self.holdsPendingPlace else { return }
        self.holdsPendingPlace = false
        self.security.pendingSessions.leave()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.outbound.reading = true
        switch self.unwrapInboundIn(data) {
        case .message(let message):
            self.counters?.messagesIn.count(message.type)
            self.run(self.state.received(message, from: self))
        case .violation(let violation):
            self.logger.warning("protocol violation", metadata: ["error": "\(violation.message)"])
            self.run(self.state.receivedViolation(violation))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.outbound.reading = false
        self.flushIfPending()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? FrameOutletEvent {
            self.outbound.outlet = event.outlet
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.outbound.drain(context: context, logger: self.logger)
        context.fireChannelWritabilityChanged()
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

    // MARK: Called by the realm through `PeerHandle`, on this channel's event loop.

    func deliver(_ message: WAMPMessage) {
        guard let context = self.context, self.state.sessionID != nil else { return }
        self.handle(self.outbound.send(message, context: context, logger: self.logger))
    }

    func deliver(_ message: SharedMessage, fromOtherLoop: Bool) {
        guard let context = self.context, let loop = self.loop, self.state.sessionID != nil else { return }
        self.handle(
            self.outbound.send(
                message, fromOtherLoop: fromOtherLoop, memo: loop.sharedEncodings, context: context,
                logger: self.logger))
    }

    /// Flushes what was written since the last flush (called by `PendingFlushes`).
    func flushIfPending() {
        self.outbound.flushIfPending(context: self.context)
    }

    /// Registers for the loop tick's flush, or ends a session whose queue overflowed.
    private func handle(_ outcome: SessionOutbound.Outcome) {
        switch outcome {
        case .done: break
        case .flushDue: self.loop?.flushes.add(self)
        case .overflowed: self.run(self.state.routerAbort(SessionOutbound.overflowAbort), bypassQueue: true)
        }
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

    func run(_ action: SessionStateMachine.Action, bypassQueue: Bool = false) {
        switch action {
        case .none:
            break
        case .route(let message, let session):
            guard let realm = self.realm else { return }
            if let mailbox = self.realmMailbox {
                mailbox.post(.route(realm, message, session: session))
            } else {
                realm.receive(message, from: session)
            }
        case .send(let message):
            guard let context = self.context else { return }
            self.handle(self.outbound.send(message, context: context, logger: self.logger))
        case .sendAndClose(let message, let leave):
            self.leaveRealm(leave)
            guard let context = self.context else { return }
            self.outbound.sendFinal(message, bypassQueue: bypassQueue, context: context)
        case .close(let leave):
            self.leaveRealm(leave)
            self.context?.close(promise: nil)
        case .leave(let session):
            self.leaveRealm(session)
        case .scheduleHelloTimeout, .welcome, .lookUpLoginFailures, .verifyJWT, .callAuthenticator, .join, .refuse:
            self.runEstablishment(action)
        }
    }

    private func leaveRealm(_ session: UInt64?) {
        guard let session, let realm = self.realm else { return }
        if let mailbox = self.realmMailbox {
            mailbox.post(.leave(realm, session: session))
        } else {
            realm.leave(session: session)
        }
    }
}

@available(*, unavailable)
extension SessionChannelHandler: Sendable {}
