/// The client's view of a WAMP session lifecycle: HELLO → WELCOME → traffic → GOODBYE.
///
/// A pure state machine (every event returns an action, no I/O), so `WAMPClientHandler` only
/// performs what it is told and the lifecycle can be reasoned about in one place.
struct ClientSessionStateMachine {
    enum State: Equatable {
        case connecting
        case helloSent
        case established(session: UInt64)
        case closing
        case closed
    }

    enum Action: Equatable {
        case none
        case sendHello
        case established(session: UInt64)
        case deliver
        case sendGoodbye
        case replyGoodbyeAndClose
        case close
        case fail(String)
    }

    private(set) var state = State.connecting

    var isEstablished: Bool {
        if case .established = self.state { return true }
        return false
    }

    mutating func transportReady() -> Action {
        guard self.state == .connecting else { return .fail("transport ready twice") }
        self.state = .helloSent
        return .sendHello
    }

    mutating func welcome(session: UInt64) -> Action {
        guard self.state == .helloSent else { return self.fail("unexpected WELCOME") }
        self.state = .established(session: session)
        return .established(session: session)
    }

    mutating func abort(reason: String) -> Action {
        self.fail("ABORT \(reason)")
    }

    mutating func goodbye() -> Action {
        switch self.state {
        case .established:
            self.state = .closed
            return .replyGoodbyeAndClose
        case .closing:
            self.state = .closed
            return .close
        default:
            return self.fail("unexpected GOODBYE")
        }
    }

    /// Any other message; only delivered to the role while the session is established.
    mutating func message() -> Action {
        switch self.state {
        case .established: return .deliver
        case .closing, .closed: return .none
        default: return self.fail("message before WELCOME")
        }
    }

    /// The local side wants to leave.
    mutating func closeRequested() -> Action {
        switch self.state {
        case .established:
            self.state = .closing
            return .sendGoodbye
        case .closing, .closed:
            return .none
        default:
            self.state = .closed
            return .close
        }
    }

    mutating func connectionClosed() -> Action {
        let wasEstablishing = self.state == .connecting || self.state == .helloSent
        self.state = .closed
        return wasEstablishing ? .fail("connection closed before WELCOME") : .none
    }

    private mutating func fail(_ reason: String) -> Action {
        self.state = .closed
        return .fail(reason)
    }
}
