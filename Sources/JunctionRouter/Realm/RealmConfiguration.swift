import WAMPCore

/// How one realm behaves: who may join as what, and how strictly URIs are checked.
public struct RealmConfiguration: Sendable, Hashable {
    public var name: String
    /// Roles by name.
    public var roles: [String: Role]
    /// The role given to sessions that join without authentication; `nil` refuses them.
    public var anonymousRole: String?
    public var uriRules: URIRules
    /// What happens to a subscriber whose outbound queue is full.
    public var slowConsumer: SlowConsumerPolicy
    public var sessionLimits: SessionLimits

    public init(
        name: String, roles: [Role], anonymousRole: String? = "anonymous", uriRules: URIRules = .loose,
        slowConsumer: SlowConsumerPolicy = .drop, sessionLimits: SessionLimits = SessionLimits()
    ) {
        self.name = name
        self.roles = Dictionary(roles.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.anonymousRole = anonymousRole
        self.uriRules = uriRules
        self.slowConsumer = slowConsumer
        self.sessionLimits = sessionLimits
    }

    /// `realm1` with an `anonymous` role allowed everything: the built-in default.
    public static func openRealm(named name: String) -> RealmConfiguration {
        RealmConfiguration(name: name, roles: [.allowAll(name: "anonymous")])
    }
}

/// What the router does when a session cannot keep up with the events addressed to it.
public enum SlowConsumerPolicy: String, Sendable, Hashable, CaseIterable {
    /// Drop events for that session (and count them); RPC traffic is never dropped silently.
    case drop
    /// End the session with ABORT and close its transport.
    case disconnect
}

/// Per-session limits a realm enforces, so one session cannot exhaust the router.
public struct SessionLimits: Sendable, Hashable {
    public var maxPendingCalls: Int = 1000
    public var maxSubscriptions: Int = 10_000
    public var maxRegistrations: Int = 1000

    public init() {}
}
