import JunctionAuth
import JunctionRouter
import JunctionTransport
import Logging
import NIOCore
import WAMPCore

/// Runs what `SessionEstablishment` (inside `SessionStateMachine`) asks for between the
/// transport handshake and WELCOME: timers, the failed-login table, JWT verification, the
/// dynamic authenticator call and the realm join. Every decision is the machine's; each answer
/// goes back to it as an event on this connection's loop.
extension SessionChannelHandler {
    func runEstablishment(_ action: SessionStateMachine.Action) {
        guard let loopBound = self.loopBoundSelf else { return }
        switch action {
        case .scheduleHelloTimeout(let timeout):
            self.establishmentTimer = loopBound.eventLoop.scheduleTask(in: timeout) {
                let handler = loopBound.value
                let action = handler.state.establishmentTimedOut()
                if action != .none { handler.logger.info("session not established in time; closing") }
                handler.run(action)
            }
        case .welcome(let welcome):
            self.authentications.succeeded(method: welcome.details["authmethod"]?.stringValue ?? "other")
            self.loggedSessionID = welcome.session
            self.releasePendingPlace()
            self.run(.send(.welcome(welcome)))
            self.context?.triggerUserOutboundEvent(SessionEstablishedEvent(), promise: nil)
        case .lookUpLoginFailures:
            self.run(self.state.loginFailuresLoaded(self.security.failures.history(of: self.clientAddress)))
        case .verifyJWT(let check):
            let promise = loopBound.eventLoop.makePromise(of: Result<JWTIdentity, JWTRejection>.self)
            promise.completeWithTask { await check.verifier.verify(check.token) }
            promise.futureResult.whenSuccess { result in
                loopBound.value.run(loopBound.value.state.jwtVerified(result))
            }
        case .callAuthenticator(let call):
            let target = call.realm
            target.eventLoop.execute {
                target.callInternal(
                    procedure: call.procedure, args: call.args, timeoutMilliseconds: call.timeoutMilliseconds
                ) { outcome in
                    loopBound.eventLoop.execute {
                        loopBound.value.run(loopBound.value.state.authenticatorAnswered(outcome))
                    }
                }
            }
        case .join(let request):
            self.join(request)
        case .refuse(let refusal):
            let authenticationFailed = refusal.abort.reason == WAMPErrorURI.authenticationFailed
            self.logger.log(
                level: authenticationFailed ? .warning : .info,
                authenticationFailed ? "authentication failed" : "session refused",
                metadata: [
                    "reason": "\(refusal.log)", "abort": "\(refusal.abort.reason)",
                    "authid": "\(refusal.authid ?? "-")",
                ])
            if authenticationFailed { self.authentications.failed(method: refusal.authmethod) }
            if let time = refusal.failedLoginAt { self.security.failures.recordFailure(self.clientAddress, at: time) }
            guard let delay = refusal.delay else {
                self.run(.sendAndClose(.abort(refusal.abort), leave: nil))
                return
            }
            loopBound.eventLoop.scheduleTask(in: delay) {
                loopBound.value.run(loopBound.value.state.failureDelayElapsed())
            }
        case .none, .route, .send, .sendAndClose, .close, .leave:
            self.run(action)
        }
    }

    /// Asks the realm to admit the session; its answer comes back through `joinCompleted`.
    private func join(_ request: SessionEstablishment.JoinRequest) {
        let realm = request.realm
        self.realm = realm
        if !realm.eventLoop.inEventLoop {
            self.realmMailbox = self.mailboxes.mailbox(for: realm.eventLoop) ?? LoopMailbox(eventLoop: realm.eventLoop)
        }
        self.outbound.limit(self.limits, policy: realm.admission.slowConsumer)
        guard let peer = self.peer, self.context != nil else { return }
        let transport = "\(self.info.kind.rawValue)/\(self.info.serializer) \(self.info.peer)"
        if realm.eventLoop.inEventLoop {
            self.joinCompleted(
                realm.join(
                    hello: request.hello, identity: request.identity, preferredID: request.sessionID, peer: peer,
                    transport: transport))
        } else {
            // The outcome comes back through this loop's mailbox, the way everything the realm
            // sends this session after joining it does: WELCOME cannot be overtaken by them.
            realm.eventLoop.execute {
                peer.joinCompleted(
                    realm.join(
                        hello: request.hello, identity: request.identity, preferredID: request.sessionID, peer: peer,
                        transport: transport))
            }
        }
    }

    func joinCompleted(_ outcome: Realm.JoinOutcome) {
        switch outcome {
        case .welcome(let session, let details):
            self.run(self.state.joined(session: session, details: details))
        case .abort(let abort):
            self.run(self.state.joinRefused(abort))
        }
    }

    /// The peer's IP address without the port (failed logins are counted per address).
    private var clientAddress: String {
        self.context?.channel.remoteAddress?.ipAddress ?? self.info.peer
    }
}

extension SessionChannelHandler: EstablishingConnection {
    func clientCertificate() -> ClientCertificate? {
        self.context?.channel.tlsClientCertificate()
    }

    func transportDetails() -> WAMPDict {
        [
            "type": .string(self.info.kind.rawValue),
            "serializer": .string("\(self.info.serializer)"),
            "peer": .string(self.info.peer),
            "tls": .bool(self.context?.channel.isTLSProtected() ?? false),
        ]
    }
}
