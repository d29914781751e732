import NIOConcurrencyHelpers

/// Ticket principals that exist while the router runs rather than in the configuration: the
/// router hands one out per start of a hosted component instance and revokes it when the instance
/// stops, so no secret is ever written to a file.
///
/// Read by session establishment on any event loop, written by the component supervisor: one lock
/// around a dictionary (authentication is not on the routing path).
public final class RuntimeTicketPrincipals: Sendable {
    private let principals = NIOLockedValueBox<[String: TicketPrincipal]>([:])

    public init() {}

    /// Adds (or replaces) the principal of `principal.authid`.
    public func grant(_ principal: TicketPrincipal) {
        self.principals.withLockedValue { $0[principal.authid] = principal }
    }

    /// Removes the principal of `authid`; sessions already joined stay joined.
    public func revoke(authid: String) {
        _ = self.principals.withLockedValue { $0.removeValue(forKey: authid) }
    }

    public func principal(for authid: String) -> TicketPrincipal? {
        self.principals.withLockedValue { $0[authid] }
    }

    public var isEmpty: Bool { self.principals.withLockedValue { $0.isEmpty } }
}
