/// Where the client's connection stands. Observe it with ``WAMPClient/connectionStates()``.
public enum ConnectionState: Sendable, Hashable {
    /// Opening the transport and joining the realm.
    case connecting
    /// Joined; registrations and subscriptions are being (or have been) restored.
    case joined(SessionDetails)
    /// The connection was lost; a reconnect follows if the policy allows.
    case disconnected
    /// Waiting `delay` before reconnect attempt `attempt` (1-based).
    case reconnecting(attempt: Int, delay: Duration)
    /// Closed for good: `leave()`/`close()` was called or the reconnect policy gave up.
    case closed
}
