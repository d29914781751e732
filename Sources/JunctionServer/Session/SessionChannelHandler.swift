import JunctionAuth
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

    private let router: Router
    private let info: TransportInfo
    private let limits: Limits
    private let security: SessionSecurity
    private let mailboxes: LoopMailboxes
    /// This connection's loop: its mailbox (messages from realms on other loops) and the
    /// connections waiting for a flush.
    private var loop: LoopMailbox?
    /// The mailbox of the joined realm's loop, when that is another loop.
    private var realmMailbox: LoopMailbox?
    /// The shared logger: this connection's metadata is added per log statement (`logger`), so an
    /// idle session keeps no logger copy of its own (with its metadata, ~750 bytes).
    private let baseLogger: Logger
    /// The established session's id, for log metadata (0 before WELCOME).
    private var loggedSessionID: UInt64 = 0
    private var state = SessionStateMachine()
    private var realm: Realm?
    private var context: ChannelHandlerContext?
    private var loopBoundSelf: NIOLoopBound<SessionChannelHandler>?
    private var peer: PeerHandle?
    private var goodbyeTimer: Scheduled<Void>?
    private let outbound: SessionOutbound
    /// Between HELLO and WELCOME: the HELLO and the authentication under way.
    private var hello: WAMPMessage.Hello?
    private var authenticator: SessionAuthenticator? {
        get { self.authenticatorBox?.value }
        set {
            guard let newValue else {
                self.authenticatorBox = nil
                return
            }
            if let box = self.authenticatorBox { box.value = newValue } else { self.authenticatorBox = Box(newValue) }
        }
    }
    /// `authenticator`'s storage, allocated from HELLO to WELCOME only: held inline, the
    /// authenticator (realm configuration, request, state) made every handler ~500 bytes larger
    /// for the whole life of the session.
    private var authenticatorBox: Box<SessionAuthenticator>?
    private var pendingSessionID: UInt64 = 0
    /// Runs from the transport handshake to WELCOME.
    private var establishmentTimer: Scheduled<Void>?
    /// Whether this connection holds a place in `security.pendingSessions`.
    private var holdsPendingPlace = false

    init(
        router: Router, info: TransportInfo, limits: Limits, security: SessionSecurity, statistics: ServerStatistics,
        mailboxes: LoopMailboxes, logger: Logger
    ) {
        self.router = router
        self.info = info
        self.limits = limits
        self.security = security
        self.mailboxes = mailboxes
        self.baseLogger = logger
        self.outbound = SessionOutbound(info: info, limits: limits, statistics: statistics)
    }

    /// The logger with this connection's metadata (peer, transport, session once established).
    private var logger: Logger {
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
        self.peer = PeerHandle(target: self, mailbox: loop)
        guard self.security.pendingSessions.enter() else {
            self.logger.warning(
                "too many connections without an established session; closing",
                metadata: ["limit": "\(self.security.pendingSessions.limit)"])
            context.close(promise: nil)
            return
        }
        self.holdsPendingPlace = true
        self.establishmentTimer = context.eventLoop.scheduleTask(in: self.security.helloTimeout) {
            let handler = loopBound.value
            guard handler.state.sessionID == nil else { return }
            handler.logger.info("session not established in time; closing")
            handler.run(handler.state.establishmentTimedOut())
        }
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

    private func releasePendingPlace() {
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
            self.run(self.state.received(message))
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

    private func run(_ action: SessionStateMachine.Action, bypassQueue: Bool = false) {
        switch action {
        case .none:
            break
        case .join(let hello):
            self.join(hello)
        case .authenticate(let authenticate):
            self.continueAuthentication(self.authenticator?.authenticate(authenticate))
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

    // MARK: Establishing the session

    private func join(_ hello: WAMPMessage.Hello) {
        guard URIValidation.isValid(hello.realm) else {
            self.logger.info("HELLO for an invalid realm URI", metadata: ["realm": "\(hello.realm)"])
            self.run(
                self.state.joinRefused(
                    .init(reason: WAMPErrorURI.noSuchRealm, message: "'\(hello.realm)' is not a valid realm URI")))
            return
        }
        guard let realm = self.router.realm(named: hello.realm), let context = self.context else {
            self.logger.info("HELLO for an unknown realm", metadata: ["realm": "\(hello.realm)"])
            self.run(self.state.joinRefused(.init(reason: WAMPErrorURI.noSuchRealm, message: "no realm '\(hello.realm)'")))
            return
        }
        self.realm = realm
        if !realm.eventLoop.inEventLoop {
            self.realmMailbox = self.mailboxes.mailbox(for: realm.eventLoop) ?? LoopMailbox(eventLoop: realm.eventLoop)
        }
        self.hello = hello
        self.outbound.limit(self.limits, policy: realm.configuration.slowConsumer)
        let offersCredentials = (hello.details["authmethods"]?.listValue ?? []).contains {
            $0.stringValue != nil && $0.stringValue != AuthMethod.anonymous.rawValue
        }
        if offersCredentials, self.security.failures.isLockedOut(self.clientAddress, now: Self.now()) {
            self.refuseAuthentication(
                .init(reason: WAMPErrorURI.authenticationFailed, message: "authentication failed"),
                log: "too many failed logins from this address", countsAsFailure: false)
            return
        }
        self.pendingSessionID = WAMPID.random()
        var authenticator = SessionAuthenticator(realm: realm.name, configuration: realm.configuration.authentication)
        let request = AuthenticationRequest(
            hello: hello, sessionID: self.pendingSessionID, allowedMethods: self.security.allowedMethods,
            anonymousAllowed: realm.configuration.anonymousRole != nil,
            clientCertificate: context.channel.tlsClientIdentity().map {
                ClientCertificate(commonName: $0.commonName, sha256Fingerprint: $0.sha256Fingerprint)
            },
            transportDetails: self.transportDetails(context))
        let step = authenticator.start(request)
        self.authenticator = authenticator
        self.continueAuthentication(step)
    }

    /// Executes what the authenticator asked for.
    private func continueAuthentication(_ step: SessionAuthenticator.Step?) {
        guard let step, let realm = self.realm, let loopBound = self.loopBoundSelf else { return }
        switch step {
        case .accept(let identity):
            self.admit(identity, to: realm)
        case .challenge(let challenge):
            self.run(self.state.challenge(challenge))
        case .reject(let abort, let log):
            self.refuseAuthentication(abort, log: log, countsAsFailure: true)
        case .verifyJWT(let token):
            guard let verifier = realm.jwtVerifier else {
                self.continueAuthentication(self.authenticator?.jwtVerified(.failure(.unknownKey)))
                return
            }
            let promise = loopBound.eventLoop.makePromise(of: Result<JWTIdentity, JWTRejection>.self)
            promise.completeWithTask { await verifier.verify(token) }
            promise.futureResult.whenSuccess { result in
                loopBound.value.continueAuthentication(loopBound.value.authenticator?.jwtVerified(result))
            }
        case .callAuthenticator(let call):
            guard let target = self.router.realm(named: call.realm) else {
                self.continueAuthentication(
                    self.authenticator?.authenticatorAnswered(.unavailable("no realm '\(call.realm)'")))
                return
            }
            let answered: @Sendable (InternalCallOutcome) -> Void = { outcome in
                let answer: SessionAuthenticator.DynamicAnswer
                switch outcome {
                case .result(let payload): answer = .result(payload)
                case .error(let uri): answer = .error(uri)
                case .unavailable(let reason): answer = .unavailable(reason)
                }
                loopBound.eventLoop.execute {
                    loopBound.value.continueAuthentication(loopBound.value.authenticator?.authenticatorAnswered(answer))
                }
            }
            target.eventLoop.execute {
                target.callInternal(
                    procedure: call.procedure, args: call.args, timeoutMilliseconds: call.timeoutMilliseconds,
                    completion: answered)
            }
        }
    }

    /// Refuses the session after the failed-login delay (a wrong password costs the guesser time).
    private func refuseAuthentication(_ abort: WAMPMessage.Abort, log: String, countsAsFailure: Bool) {
        self.authenticator = nil
        let authid = self.hello?.details["authid"]?.stringValue ?? "-"
        self.logger.warning(
            "authentication failed", metadata: ["authid": "\(authid)", "reason": "\(log)", "abort": "\(abort.reason)"])
        if countsAsFailure, abort.reason == WAMPErrorURI.authenticationFailed {
            self.security.failures.recordFailure(self.clientAddress, now: Self.now())
        }
        guard let loopBound = self.loopBoundSelf else { return }
        let delay = self.security.failures.policy.delayMilliseconds
        guard delay > 0, abort.reason == WAMPErrorURI.authenticationFailed else {
            self.run(self.state.joinRefused(abort))
            return
        }
        loopBound.eventLoop.scheduleTask(in: .milliseconds(delay)) {
            loopBound.value.run(loopBound.value.state.joinRefused(abort))
        }
    }

    private func admit(_ identity: AuthenticatedIdentity, to realm: Realm) {
        self.authenticator = nil
        guard let hello = self.hello, let peer = self.peer, self.context != nil else { return }
        let transport = "\(self.info.kind.rawValue)/\(self.info.serializer) \(self.info.peer)"
        let preferredID = self.pendingSessionID
        if realm.eventLoop.inEventLoop {
            self.joinCompleted(
                realm.join(hello: hello, identity: identity, preferredID: preferredID, peer: peer, transport: transport))
        } else {
            // The outcome comes back through this loop's mailbox, the way everything the realm
            // sends this session after joining it does: WELCOME cannot be overtaken by them.
            realm.eventLoop.execute {
                peer.joinCompleted(
                    realm.join(
                        hello: hello, identity: identity, preferredID: preferredID, peer: peer, transport: transport))
            }
        }
    }

    func joinCompleted(_ outcome: Realm.JoinOutcome) {
        switch outcome {
        case .welcome(let session, let details):
            self.loggedSessionID = session
            self.hello = nil
            self.releasePendingPlace()
            self.run(self.state.joined(session: session, details: details))
            self.context?.triggerUserOutboundEvent(SessionEstablishedEvent(), promise: nil)
        case .abort(let abort):
            self.run(self.state.joinRefused(abort))
        }
    }

    /// `details.transport` for a dynamic authenticator.
    private func transportDetails(_ context: ChannelHandlerContext) -> WAMPDict {
        [
            "type": .string(self.info.kind.rawValue),
            "serializer": .string("\(self.info.serializer)"),
            "peer": .string(self.info.peer),
            "tls": .bool(context.channel.isTLSProtected()),
        ]
    }

    /// The peer's IP address without the port (failed logins are counted per address).
    private var clientAddress: String {
        self.context?.channel.remoteAddress?.ipAddress ?? self.info.peer
    }

    private static func now() -> Int64 {
        WallClock.system.now()
    }
}

@available(*, unavailable)
extension SessionChannelHandler: Sendable {}

/// A value kept out of line.
private final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}
