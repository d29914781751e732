import JunctionAuth
import JunctionRouter
import MQTTCore
import NIOCore
import WAMPCore

/// CONNECT as a WAMP establishment: user name and password become a HELLO with `authid` and
/// `ticket` (a JWT password is checked as a JWT ticket; a dynamic authenticator sees it like any
/// ticket), a TLS client certificate `tls`, neither `anonymous`. `SessionStateMachine` decides;
/// its ABORT becomes the CONNACK code.
extension MQTTConnectionHandler {
    func authenticate(_ connect: MQTTConnect) {
        self.connect = connect
        var details: WAMPDict = ["roles": ["publisher": [:], "subscriber": [:]]]
        var methods: [WAMPValue] = []
        if let username = connect.username { details["authid"] = .string(username) }
        if connect.password != nil {
            methods.append("ticket")
        } else if let channel = self.context?.channel, self.shared.clientCertificate(channel) != nil {
            methods.append("tls")
        }
        methods.append("anonymous")
        details["authmethods"] = .list(methods)
        _ = self.wamp.connectionOpened(pendingPlaceGranted: true)
        self.runEstablishment(
            self.wamp.received(.hello(.init(realm: self.shared.endpoint.realm, details: details)), from: self)
        )
    }

    func runEstablishment(_ action: SessionStateMachine.Action) {
        guard let bound = self.loopBoundSelf else { return }
        switch action {
        case .none, .route, .scheduleHelloTimeout:
            break
        case .send(.challenge(let challenge)):
            guard let password = self.connect?.password else {
                self.runEstablishment(self.wamp.establishmentTimedOut())
                return
            }
            _ = challenge
            let signature = String(decoding: password, as: UTF8.self)
            self.runEstablishment(
                self.wamp.received(.authenticate(.init(signature: signature, extra: [:])), from: self)
            )
        case .send:
            break
        case .welcome(let welcome):
            self.identity = MQTTSessionIdentity(welcome: welcome.details)
            self.established(session: welcome.session)
        case .lookUpLoginFailures:
            self.runEstablishment(self.wamp.loginFailuresLoaded(self.shared.loginFailures(self.clientAddress)))
        case .verifyJWT(let check):
            let promise = bound.eventLoop.makePromise(of: Result<JWTIdentity, JWTRejection>.self)
            promise.completeWithTask { await check.verifier.verify(check.token) }
            promise.futureResult.whenSuccess { result in
                bound.value.runEstablishment(bound.value.wamp.jwtVerified(result))
            }
        case .callAuthenticator(let call):
            let target = call.realm
            target.eventLoop.execute {
                target.callInternal(
                    procedure: call.procedure,
                    args: call.args,
                    timeoutMilliseconds: call.timeoutMilliseconds
                ) { outcome in
                    bound.eventLoop.execute {
                        bound.value.runEstablishment(bound.value.wamp.authenticatorAnswered(outcome))
                    }
                }
            }
        case .join(let request):
            self.join(request)
        case .refuse(let refusal):
            self.logger.warning(
                "MQTT CONNECT refused",
                metadata: ["reason": "\(refusal.log)", "abort": "\(refusal.abort.reason)"]
            )
            if let time = refusal.failedLoginAt { self.shared.recordLoginFailure(self.clientAddress, time) }
            guard let delay = refusal.delay else {
                self.refuse(refusal.abort)
                return
            }
            bound.eventLoop.scheduleTask(in: delay) {
                bound.value.runEstablishment(bound.value.wamp.failureDelayElapsed())
            }
        case .sendAndClose(let message, let leave):
            if let leave { self.leaveJoined(leave) }
            if case .abort(let abort) = message {
                self.refuse(abort)
            } else {
                self.run(.close(reason: "establishment ended"))
            }
        case .close(let leave):
            if let leave { self.leaveJoined(leave) }
            self.run(.close(reason: "establishment ended"))
        case .leave(let session):
            self.leaveJoined(session)
        }
    }

    private func refuse(_ abort: WAMPMessage.Abort) {
        let code: MQTTReasonCode
        switch abort.reason {
        case WAMPErrorURI.authenticationFailed, "wamp.error.not_authenticated":
            code = self.connect?.password != nil ? .badUserNameOrPassword : .notAuthorized
        case WAMPErrorURI.notAuthorized, WAMPErrorURI.noSuchRole, WAMPErrorURI.noAuthMethod,
            WAMPErrorURI.noMatchingAuthMethod:
            code = .notAuthorized
        case WAMPErrorURI.systemShutdown, WAMPErrorURI.noSuchRealm:
            code = .serverUnavailable
        default:
            code = .notAuthorized
        }
        self.run(self.machine.refused(code, log: "\(abort.reason)"))
    }

    /// A session the realm admitted after the connection went away.
    private func leaveJoined(_ session: UInt64) {
        guard let realm = self.realm else { return }
        if let mailbox = self.realmMailbox {
            mailbox.post(.leave(realm, session: session))
        } else {
            realm.leave(session: session)
        }
    }

    private func join(_ request: SessionEstablishment.JoinRequest) {
        let realm = request.realm
        self.realm = realm
        if !realm.eventLoop.inEventLoop {
            self.realmMailbox =
                self.shared.mailboxes.mailbox(for: realm.eventLoop) ?? LoopMailbox(eventLoop: realm.eventLoop)
        }
        guard let peer = self.peer else { return }
        let transport = "mqtt"
        var details: WAMPDict = ["peer": .string(self.peerAddress)]
        if let connect = self.connect {
            details["mqtt_client_id"] = .string(connect.clientIdentifier)
            details["protocol_level"] = .string("\(connect.protocolVersion)")
        }
        if realm.eventLoop.inEventLoop {
            self.joinCompleted(
                realm.join(
                    hello: request.hello,
                    identity: request.identity,
                    preferredID: request.sessionID,
                    peer: peer,
                    transport: transport,
                    transportDetails: details
                )
            )
        } else {
            let transportDetails = details
            realm.eventLoop.execute {
                peer.joinCompleted(
                    realm.join(
                        hello: request.hello,
                        identity: request.identity,
                        preferredID: request.sessionID,
                        peer: peer,
                        transport: transport,
                        transportDetails: transportDetails
                    )
                )
            }
        }
    }

    var clientAddress: String {
        self.context?.channel.remoteAddress?.ipAddress ?? self.peerAddress
    }
}

extension MQTTConnectionHandler: EstablishingConnection {
    public func clientCertificate() -> ClientCertificate? {
        guard let channel = self.context?.channel else { return nil }
        return self.shared.clientCertificate(channel)
    }

    public func transportDetails() -> WAMPDict {
        var details: WAMPDict = [
            "type": "mqtt",
            "peer": .string(self.peerAddress),
            "tls": .bool(self.context.map { self.shared.isTLS($0.channel) } ?? false),
        ]
        if let connect = self.connect {
            details["mqtt_client_id"] = .string(connect.clientIdentifier)
            details["mqtt_protocol_level"] = .string("\(connect.protocolVersion)")
        }
        return details
    }
}
