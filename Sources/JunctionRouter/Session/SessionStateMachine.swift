import JunctionAuth
import NIOCore
import WAMPCore

/// The lifecycle of one WAMP session on one transport, as the router sees it: the one machine a
/// connection's handler drives, from the transport handshake to the close.
///
/// Pure: it never touches a channel or a realm. The channel handler feeds it what arrived and what
/// the realm decided, and executes the returned `Action`. Between HELLO and WELCOME it nests
/// `SessionEstablishment` (which nests `SessionAuthenticator`). The transport's lifetime is tied
/// to the session's (the spec allows either): after GOODBYE or ABORT the transport closes.
///
/// ```
/// awaitingHello --HELLO--> joining --joined--> established --GOODBYE--> closed
///       |                   |   ^                   |  \--router GOODBYE--> closing --GOODBYE--> closed
///       |          challenge|   |AUTHENTICATE       |
///       |                   v   |                   |
///       |                  challenged               |
///       +--anything else, timeout, violation, abort-+--------------------------------------> closed
/// ```
///
/// `joining` covers everything the router does between HELLO and its answer (choosing the
/// method, asking an authenticator, verifying a token, the failed-login delay); a client message
/// then is a violation.
public struct SessionStateMachine: Sendable {
    public enum State: Sendable, Hashable {
        case awaitingHello
        case joining
        /// CHALLENGE sent; waiting for AUTHENTICATE.
        case challenged
        case established(session: UInt64)
        /// The router sent GOODBYE and waits for the peer's reply.
        case closing(session: UInt64)
        case closed
    }

    public enum Action: Sendable, Equatable {
        case none
        /// Start the timer whose expiry is `establishmentTimedOut`.
        case scheduleHelloTimeout(TimeAmount)
        /// Hand an established session's message to its realm.
        case route(WAMPMessage, session: UInt64)
        case send(WAMPMessage)
        /// Send WELCOME: the session is established (stop the hello timer, give up the pending place).
        case welcome(WAMPMessage.Welcome)
        /// Send a final message (ABORT, GOODBYE reply), then close the transport. `leave` names the
        /// session the realm must forget, if it still knows it.
        case sendAndClose(WAMPMessage, leave: UInt64?)
        /// Close the transport without a message, telling the realm to forget `leave` if set.
        case close(leave: UInt64?)
        /// Tell the realm to forget a session whose transport is already gone.
        case leave(UInt64)
        /// Read the failed logins of the client's address, then call `loginFailuresLoaded`.
        case lookUpLoginFailures
        /// Verify the JWT, then call `jwtVerified`.
        case verifyJWT(SessionEstablishment.JWTCheck)
        /// Call the dynamic authenticator, then call `authenticatorAnswered`.
        case callAuthenticator(SessionEstablishment.AuthenticatorCall)
        /// Ask the realm to admit the session, then call `joined` or `joinRefused`.
        case join(SessionEstablishment.JoinRequest)
        /// Log the refusal, count the failed login if it says so, then send its ABORT and close:
        /// now, or after its delay by calling `failureDelayElapsed`.
        case refuse(SessionEstablishment.Refusal)
    }

    private enum Phase: Sendable {
        case awaitingHello
        case establishing(EstablishmentBox)
        case established(session: UInt64)
        case closing(session: UInt64)
        case closed
    }

    private let environment: EstablishmentEnvironment
    private var phase: Phase = .awaitingHello

    public init(environment: EstablishmentEnvironment) {
        self.environment = environment
    }

    public var state: State {
        switch self.phase {
        case .awaitingHello: return .awaitingHello
        case .establishing(let box): return box.value.isChallenged ? .challenged : .joining
        case .established(let session): return .established(session: session)
        case .closing(let session): return .closing(session: session)
        case .closed: return .closed
        }
    }

    /// The established session's id, if any.
    public var sessionID: UInt64? {
        switch self.phase {
        case .established(let id), .closing(let id): return id
        default: return nil
        }
    }

    // MARK: Transport events

    /// The transport is ready for WAMP. `pendingPlaceGranted`: the router-wide cap on connections
    /// without a session left room for this one.
    public mutating func connectionOpened(pendingPlaceGranted: Bool) -> Action {
        guard case .awaitingHello = self.phase else { return .none }
        guard pendingPlaceGranted else {
            self.phase = .closed
            return .close(leave: nil)
        }
        return .scheduleHelloTimeout(self.environment.helloTimeout)
    }

    /// A message from the client. `connection` describes the transport for the authenticator
    /// (asked only for a HELLO that needs it).
    public mutating func received(_ message: WAMPMessage, from connection: any EstablishingConnection) -> Action {
        switch self.phase {
        case .awaitingHello:
            switch message {
            case .hello(let hello):
                self.phase = .establishing(EstablishmentBox(SessionEstablishment(environment: self.environment)))
                return self.establishing { $0.helloReceived(hello, connection: connection) }
            case .abort:
                self.phase = .closed
                return .close(leave: nil)
            default:
                return self.violation("\(message.type) received before the session was established", leave: nil)
            }
        case .establishing(let box):
            switch message {
            case .abort:
                self.phase = .closed
                return .close(leave: nil)
            case .authenticate(let authenticate) where box.value.isChallenged:
                return self.establishing { $0.authenticateReceived(authenticate) }
            default:
                let expected = box.value.isChallenged ? "instead of AUTHENTICATE" : "before WELCOME"
                return self.violation("\(message.type) received \(expected)", leave: nil)
            }
        case .established(let session):
            return self.receivedWhileEstablished(message, session: session)
        case .closing(let session):
            switch message {
            case .goodbye, .abort:
                self.phase = .closed
                return .close(leave: session)
            default:
                // The spec lets the peer finish in-flight work while closing; nothing is routed
                // any more because the realm already let the session go.
                return .none
            }
        case .closed:
            return .none
        }
    }

    private mutating func receivedWhileEstablished(_ message: WAMPMessage, session: UInt64) -> Action {
        switch message {
        case .publish, .subscribe, .unsubscribe, .call, .cancel, .register, .unregister, .yield:
            return .route(message, session: session)
        case .error(let error):
            guard error.requestType == .invocation else {
                return self.violation("ERROR for a \(error.requestType) request cannot come from a client", leave: session)
            }
            return .route(message, session: session)
        case .goodbye:
            self.phase = .closed
            return .sendAndClose(.goodbye(.init(reason: WAMPErrorURI.goodbyeAndOut)), leave: session)
        case .abort:
            self.phase = .closed
            return .close(leave: session)
        case .hello:
            return self.violation("HELLO received on an established session", leave: session)
        default:
            return self.violation("\(message.type) is not a message a client may send", leave: session)
        }
    }

    /// The transport delivered bytes that are not a valid WAMP message.
    public mutating func receivedViolation(_ violation: ProtocolViolation) -> Action {
        switch self.phase {
        case .closed:
            return .none
        default:
            return self.violation(violation.message, leave: self.sessionID)
        }
    }

    /// The transport is gone (peer closed, network error).
    public mutating func transportClosed() -> Action {
        let session = self.sessionID
        self.phase = .closed
        return session.map { .leave($0) } ?? .none
    }

    // MARK: Establishment events

    /// The answer to `Action.lookUpLoginFailures`.
    public mutating func loginFailuresLoaded(_ history: LoginFailureHistory) -> Action {
        self.establishing { $0.loginFailuresLoaded(history) }
    }

    /// The answer to `Action.verifyJWT`.
    public mutating func jwtVerified(_ result: Result<JWTIdentity, JWTRejection>) -> Action {
        self.establishing { $0.jwtVerified(result) }
    }

    /// The answer to `Action.callAuthenticator`.
    public mutating func authenticatorAnswered(_ outcome: InternalCallOutcome) -> Action {
        self.establishing { $0.authenticatorAnswered(outcome) }
    }

    /// The delay of a `Refusal` passed.
    public mutating func failureDelayElapsed() -> Action {
        guard let abort = self.withEstablishment({ $0.failureDelayElapsed() }) ?? nil else { return .none }
        self.phase = .closed
        return .sendAndClose(.abort(abort), leave: nil)
    }

    /// The realm admitted the session.
    public mutating func joined(session: UInt64, details: WAMPDict) -> Action {
        guard case .establishing(let box) = self.phase, box.value.isJoining else {
            // The transport closed while the realm was deciding.
            return .leave(session)
        }
        self.phase = .established(session: session)
        return .welcome(.init(session: session, details: details))
    }

    /// The realm refused the session (`no_such_role`, `not_authorized`, shutting down).
    public mutating func joinRefused(_ abort: WAMPMessage.Abort) -> Action {
        guard case .establishing(let box) = self.phase, box.value.isJoining else { return .none }
        self.phase = .closed
        return .sendAndClose(.abort(abort), leave: nil)
    }

    /// The session was not established in time (no HELLO, no AUTHENTICATE, a slow authenticator).
    public mutating func establishmentTimedOut() -> Action {
        switch self.phase {
        case .awaitingHello, .establishing:
            self.phase = .closed
            return .sendAndClose(
                .abort(.init(reason: WAMPErrorURI.timeout, message: "the session was not established in time")),
                leave: nil)
        case .established, .closing, .closed:
            return .none
        }
    }

    // MARK: Router events

    /// The router ends the session politely (shutdown, kill): GOODBYE, then wait for the reply.
    public mutating func routerGoodbye(reason: String, message: String?) -> Action {
        switch self.phase {
        case .established(let session):
            self.phase = .closing(session: session)
            var details: WAMPDict = [:]
            if let message { details["message"] = .string(message) }
            return .send(.goodbye(.init(details: details, reason: reason)))
        case .awaitingHello, .establishing:
            self.phase = .closed
            return .close(leave: nil)
        case .closing, .closed:
            return .none
        }
    }

    /// The realm found a protocol violation while routing (for example a YIELD for an invocation it
    /// never sent) and already forgot the session.
    public mutating func routerAbort(_ abort: WAMPMessage.Abort) -> Action {
        if case .closed = self.phase { return .none }
        self.phase = .closed
        return .sendAndClose(.abort(abort), leave: nil)
    }

    /// The peer did not answer the router's GOODBYE in time.
    public mutating func closingTimedOut() -> Action {
        guard case .closing(let session) = self.phase else { return .none }
        self.phase = .closed
        return .close(leave: session)
    }

    // MARK: Helpers

    private mutating func violation(_ message: String, leave: UInt64?) -> Action {
        self.phase = .closed
        return .sendAndClose(
            .abort(.init(reason: WAMPErrorURI.protocolViolation, message: message)), leave: leave)
    }

    /// Runs an event of the nested establishment in place; `nil` outside establishment.
    private mutating func withEstablishment<Result>(_ event: (inout SessionEstablishment) -> Result) -> Result? {
        guard case .establishing(var box) = self.phase else { return nil }
        // Dropping the phase's reference first lets a box nobody else holds be changed in place.
        self.phase = .closed
        if !isKnownUniquelyReferenced(&box) { box = EstablishmentBox(box.value) }
        let result = event(&box.value)
        self.phase = .establishing(box)
        return result
    }

    /// Runs an establishment event and translates its action.
    private mutating func establishing(
        _ event: (inout SessionEstablishment) -> SessionEstablishment.Action?
    ) -> Action {
        guard let action = self.withEstablishment(event) ?? nil else { return .none }
        switch action {
        case .challenge(let challenge):
            return .send(.challenge(challenge))
        case .lookUpLoginFailures:
            return .lookUpLoginFailures
        case .verifyJWT(let check):
            return .verifyJWT(check)
        case .callAuthenticator(let call):
            return .callAuthenticator(call)
        case .join(let request):
            return .join(request)
        case .refuse(let refusal):
            if refusal.delay == nil { self.phase = .closed }
            return .refuse(refusal)
        }
    }
}

/// The establishment's state, held out of line from HELLO to WELCOME only: inline, the
/// authenticator (realm configuration, request, state) would make every connection's handler
/// ~500 bytes larger for the whole life of the session. Copied on write (see
/// `SessionStateMachine.withEstablishment`), so the machine keeps value semantics.
final class EstablishmentBox: @unchecked Sendable {
    var value: SessionEstablishment

    init(_ value: SessionEstablishment) {
        self.value = value
    }
}
