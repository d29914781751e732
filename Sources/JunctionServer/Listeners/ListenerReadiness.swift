import NIOConcurrencyHelpers

/// Whether the router serves, for the `ready` probe: ready once the listener supervisor has bound
/// every configured listener, not ready again from the moment graceful shutdown begins. A reload
/// that closes or adds listeners does not change it (the router keeps serving meanwhile).
public final class ListenerReadiness: Sendable {
    public struct State: Sendable, Hashable {
        /// Listeners bound at start.
        public var listeners: Int = 0
        public var started = false
        /// Graceful shutdown has begun.
        public var stopping = false

        public var isReady: Bool { self.started && !self.stopping }
    }

    private let box = NIOLockedValueBox(State())

    public init() {}

    public var state: State { self.box.withLockedValue { $0 } }

    func started(listeners: Int) {
        self.box.withLockedValue {
            $0.listeners = listeners
            $0.started = true
        }
    }

    func stopping() {
        self.box.withLockedValue { $0.stopping = true }
    }
}
