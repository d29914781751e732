import JunctionRouter
import NIOCore

/// The security settings one connection's session handler applies before WELCOME.
struct SessionSecurity: Sendable {
    /// What session establishment needs: the realm table, the listener's `auth_methods`, the
    /// hello timeout, the failed-login policy, the clock and the random source.
    let establishment: EstablishmentEnvironment
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

        func forListener(authMethods: Set<AuthMethod>?, limits: Limits, router: Router) -> SessionSecurity {
            let environment = EstablishmentEnvironment(
                realms: { router.realm(named: $0) }, allowedMethods: authMethods ?? Set(AuthMethod.allCases),
                helloTimeout: .seconds(Int64(limits.helloTimeout)), failurePolicy: self.failures.policy)
            return SessionSecurity(
                establishment: environment, failures: self.failures, pendingSessions: self.pendingSessions)
        }
    }
}
