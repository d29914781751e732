import NIOCore

/// Decides, one timer tick at a time, whether a connection's peer is still alive.
///
/// Pure logic, shared by the WebSocket and RawSocket handlers (run by `DeadPeerTimer`). Inbound
/// traffic only sets a flag, so a busy connection costs nothing per message; the timer looks at
/// the flag once per interval.
struct LivenessStateMachine: Sendable {
    enum Action: Sendable, Hashable {
        /// The peer was heard from: check again after this long.
        case wait(TimeAmount)
        /// The peer was silent for a whole interval: ping it, then check after this long.
        case ping(thenWait: TimeAmount)
        /// The peer did not answer the ping in time: close the connection.
        case closeDeadPeer
    }

    private enum State: Sendable {
        case watching
        case awaitingAnswer
    }

    private var state: State = .watching
    private var heardFromPeer = false
    let configuration: PingConfiguration

    init(configuration: PingConfiguration) {
        self.configuration = configuration
    }

    /// When to run the first check after the connection is up.
    var firstDelay: TimeAmount { self.configuration.interval }

    /// Any frame arrived.
    mutating func inboundReceived() {
        self.heardFromPeer = true
    }

    mutating func timerFired() -> Action {
        defer { self.heardFromPeer = false }
        if self.heardFromPeer {
            self.state = .watching
            return .wait(self.configuration.interval)
        }
        switch self.state {
        case .watching:
            self.state = .awaitingAnswer
            return .ping(thenWait: self.configuration.timeout)
        case .awaitingAnswer:
            return .closeDeadPeer
        }
    }
}
