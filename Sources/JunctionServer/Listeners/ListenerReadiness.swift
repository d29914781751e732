import NIOConcurrencyHelpers

/// Whether every configured listener is bound, for the `ready` probe: ready once all are
/// listening, not ready again as soon as one stops (shutdown stops the listeners first).
public final class ListenerReadiness: Sendable {
    public struct State: Sendable, Hashable {
        public var expected: Int
        public var bound: Int
        /// A listener stopped: the router is shutting down.
        public var stopping: Bool

        public var isReady: Bool { !self.stopping && self.bound >= self.expected }
    }

    private let box: NIOLockedValueBox<State>

    public init(expected: Int) {
        self.box = NIOLockedValueBox(State(expected: expected, bound: 0, stopping: false))
    }

    public var state: State { self.box.withLockedValue { $0 } }

    func listenerBound() {
        self.box.withLockedValue { $0.bound += 1 }
    }

    func listenerStopped() {
        self.box.withLockedValue { state in
            state.bound -= 1
            state.stopping = true
        }
    }
}
