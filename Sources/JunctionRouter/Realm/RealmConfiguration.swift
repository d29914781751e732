import WAMPCore

/// How one realm behaves: who may join as what, and how strictly URIs are checked.
public struct RealmConfiguration: Sendable, Hashable {
    public var name: String
    /// Roles by name.
    public var roles: [String: Role]
    /// The role given to sessions that join without authentication; `nil` refuses them.
    public var anonymousRole: String?
    public var uriRules: URIRules

    public init(name: String, roles: [Role], anonymousRole: String? = "anonymous", uriRules: URIRules = .loose) {
        self.name = name
        self.roles = Dictionary(roles.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.anonymousRole = anonymousRole
        self.uriRules = uriRules
    }

    /// `realm1` with an `anonymous` role allowed everything: the built-in default.
    public static func openRealm(named name: String) -> RealmConfiguration {
        RealmConfiguration(name: name, roles: [.allowAll(name: "anonymous")])
    }
}
