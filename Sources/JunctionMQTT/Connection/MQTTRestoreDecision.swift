import JunctionRouter

extension MQTTSessionIdentity {
    /// The identity the realm admits the rejoined session under; nil for an unknown method.
    public var authenticated: AuthenticatedIdentity? {
        guard let method = AuthMethod(rawValue: self.authmethod) else { return nil }
        return AuthenticatedIdentity(
            authid: self.authid, authrole: self.authrole, authmethod: method, authprovider: self.authprovider)
    }
}

/// Whether a stored session rejoins its realm at start. Pure: the realm's configuration (nil:
/// the realm is gone) is all it looks at; the realm checks the role again when it admits the
/// session.
public enum MQTTRestoreDecision: Sendable, Hashable {
    /// Rejoin under this role.
    case rejoin(role: String)
    /// Dropped (removed from disk, logged) for `reason`.
    case drop(reason: String)

    public static func decide(identity: MQTTSessionIdentity, realm: RealmConfiguration?) -> MQTTRestoreDecision {
        guard let realm else { return .drop(reason: "its realm is gone") }
        guard let method = AuthMethod(rawValue: identity.authmethod) else {
            return .drop(reason: "unknown authentication method '\(identity.authmethod)'")
        }
        let role: String
        if method == .anonymous {
            guard let anonymous = realm.anonymousRole else {
                return .drop(reason: "the realm no longer admits anonymous sessions")
            }
            role = anonymous
        } else {
            role = identity.authrole
        }
        guard realm.roles[role] != nil else { return .drop(reason: "its role '\(role)' is gone") }
        return .rejoin(role: role)
    }
}
