import WAMPCore

/// The lifecycle of one WAMP session on one transport, as the router sees it.
///
/// Pure: it never touches a channel or a realm. The channel handler feeds it what arrived and what
/// the realm decided, and executes the returned `Action`. The transport's lifetime is tied to the
/// session's (the spec allows either): after GOODBYE or ABORT the transport closes.
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
/// method, asking an authenticator, verifying a token); a client message then is a violation.
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

    public enum Action: Sendable, Hashable {
        case none
        /// Authenticate the HELLO and ask the realm it names to admit the session.
        case join(WAMPMessage.Hello)
        /// Check the client's answer to the CHALLENGE.
        case authenticate(WAMPMessage.Authenticate)
        /// Hand an established session's message to its realm.
        case route(WAMPMessage, session: UInt64)
        case send(WAMPMessage)
        /// Send a final message (ABORT, GOODBYE reply), then close the transport. `leave` names the
        /// session the realm must forget, if it still knows it.
        case sendAndClose(WAMPMessage, leave: UInt64?)
        /// Close the transport without a message, telling the realm to forget `leave` if set.
        case close(leave: UInt64?)
        /// Tell the realm to forget a session whose transport is already gone.
        case leave(UInt64)
    }

    public private(set) var state: State = .awaitingHello

    public init() {}

    /// The established session's id, if any.
    public var sessionID: UInt64? {
        switch self.state {
        case .established(let id), .closing(let id): return id
        default: return nil
        }
    }

    public mutating func received(_ message: WAMPMessage) -> Action {
        switch self.state {
        case .awaitingHello:
            switch message {
            case .hello(let hello):
                self.state = .joining
                return .join(hello)
            case .abort:
                self.state = .closed
                return .close(leave: nil)
            default:
                return self.violation("\(message.type) received before the session was established", leave: nil)
            }
        case .joining:
            if case .abort = message {
                self.state = .closed
                return .close(leave: nil)
            }
            return self.violation("\(message.type) received before WELCOME", leave: nil)
        case .challenged:
            switch message {
            case .authenticate(let authenticate):
                self.state = .joining
                return .authenticate(authenticate)
            case .abort:
                self.state = .closed
                return .close(leave: nil)
            default:
                return self.violation("\(message.type) received instead of AUTHENTICATE", leave: nil)
            }
        case .established(let session):
            return self.receivedWhileEstablished(message, session: session)
        case .closing(let session):
            switch message {
            case .goodbye, .abort:
                self.state = .closed
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
            self.state = .closed
            return .sendAndClose(.goodbye(.init(reason: WAMPErrorURI.goodbyeAndOut)), leave: session)
        case .abort:
            self.state = .closed
            return .close(leave: session)
        case .hello:
            return self.violation("HELLO received on an established session", leave: session)
        default:
            return self.violation("\(message.type) is not a message a client may send", leave: session)
        }
    }

    /// The transport delivered bytes that are not a valid WAMP message.
    public mutating func receivedViolation(_ violation: ProtocolViolation) -> Action {
        switch self.state {
        case .closed:
            return .none
        default:
            return self.violation(violation.message, leave: self.sessionID)
        }
    }

    /// The realm admitted the session.
    public mutating func joined(session: UInt64, details: WAMPDict) -> Action {
        guard case .joining = self.state else {
            // The transport closed while the realm was deciding.
            return .leave(session)
        }
        self.state = .established(session: session)
        return .send(.welcome(.init(session: session, details: details)))
    }

    /// The router challenges the client (CHALLENGE).
    public mutating func challenge(_ challenge: WAMPMessage.Challenge) -> Action {
        guard case .joining = self.state else { return .none }
        self.state = .challenged
        return .send(.challenge(challenge))
    }

    /// The session was not established in time (no HELLO, no AUTHENTICATE, a slow authenticator).
    public mutating func establishmentTimedOut() -> Action {
        switch self.state {
        case .awaitingHello, .joining, .challenged:
            self.state = .closed
            return .sendAndClose(
                .abort(.init(reason: WAMPErrorURI.timeout, message: "the session was not established in time")),
                leave: nil)
        case .established, .closing, .closed:
            return .none
        }
    }

    /// The realm or the authenticator refused the session (no such realm, authentication
    /// failed, not authorized, ...).
    public mutating func joinRefused(_ abort: WAMPMessage.Abort) -> Action {
        guard case .joining = self.state else { return .none }
        self.state = .closed
        return .sendAndClose(.abort(abort), leave: nil)
    }

    /// The router ends the session politely (shutdown, kill): GOODBYE, then wait for the reply.
    public mutating func routerGoodbye(reason: String, message: String?) -> Action {
        switch self.state {
        case .established(let session):
            self.state = .closing(session: session)
            var details: WAMPDict = [:]
            if let message { details["message"] = .string(message) }
            return .send(.goodbye(.init(details: details, reason: reason)))
        case .awaitingHello, .joining, .challenged:
            self.state = .closed
            return .close(leave: nil)
        case .closing, .closed:
            return .none
        }
    }

    /// The realm found a protocol violation while routing (for example a YIELD for an invocation it
    /// never sent) and already forgot the session.
    public mutating func routerAbort(_ abort: WAMPMessage.Abort) -> Action {
        guard self.state != .closed else { return .none }
        self.state = .closed
        return .sendAndClose(.abort(abort), leave: nil)
    }

    /// The peer did not answer the router's GOODBYE in time.
    public mutating func closingTimedOut() -> Action {
        guard case .closing(let session) = self.state else { return .none }
        self.state = .closed
        return .close(leave: session)
    }

    /// The transport is gone (peer closed, network error).
    public mutating func transportClosed() -> Action {
        let session = self.sessionID
        self.state = .closed
        return session.map { .leave($0) } ?? .none
    }

    private mutating func violation(_ message: String, leave: UInt64?) -> Action {
        self.state = .closed
        return .sendAndClose(
            .abort(.init(reason: WAMPErrorURI.protocolViolation, message: message)), leave: leave)
    }
}
