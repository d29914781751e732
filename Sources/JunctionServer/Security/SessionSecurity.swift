import JunctionRouter
import NIOCore

/// The security settings one connection's session handler applies before WELCOME.
struct SessionSecurity: Sendable {
    /// The authentication methods this listener permits (`auth_methods`).
    var allowedMethods: Set<AuthMethod>
    /// Time from the transport handshake to WELCOME.
    var helloTimeout: TimeAmount
    let failures: LoginFailureTracker
    let pendingSessions: PendingSessionGate

    /// The router-wide parts, shared by every listener.
    struct Shared: Sendable {
        let failures: LoginFailureTracker
        let pendingSessions: PendingSessionGate

        init(limits: Limits) {
            self.failures = LoginFailureTracker(
                policy: .init(
                    delayMilliseconds: Int64(limits.authFailureDelayMilliseconds), maxFailures: limits.maxAuthFailures,
                    windowMilliseconds: Int64(limits.authFailureWindow) * 1000))
            self.pendingSessions = PendingSessionGate(limit: limits.maxPendingSessions)
        }

        func forListener(authMethods: Set<AuthMethod>?, limits: Limits) -> SessionSecurity {
            SessionSecurity(
                allowedMethods: authMethods ?? Set(AuthMethod.allCases), helloTimeout: .seconds(Int64(limits.helloTimeout)),
                failures: self.failures, pendingSessions: self.pendingSessions)
        }
    }
}
