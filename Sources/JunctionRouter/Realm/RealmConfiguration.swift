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
    /// Which topics keep an event history for `wamp.subscription.get_events`; none by default.
    public var eventHistory: [EventHistoryRule]
    /// Whether callers and publishers may disclose themselves, or always are disclosed.
    public var disclosure: DisclosurePolicy
    /// Trust level (`INVOCATION.Details.trustlevel`, `EVENT.Details.trustlevel`) by the authrole
    /// of the caller or publisher; roles not listed get none.
    public var trustLevels: [String: Int]
    /// Who may join, and how they prove it; anonymous sessions are governed by `anonymousRole`.
    public var authentication: AuthenticationConfiguration

    public init(
        name: String, roles: [Role], anonymousRole: String? = "anonymous", uriRules: URIRules = .loose,
        slowConsumer: SlowConsumerPolicy = .drop, sessionLimits: SessionLimits = SessionLimits(),
        eventHistory: [EventHistoryRule] = [], disclosure: DisclosurePolicy = .onRequest,
        trustLevels: [String: Int] = [:], authentication: AuthenticationConfiguration = AuthenticationConfiguration()
    ) {
        self.authentication = authentication
        self.name = name
        self.roles = Dictionary(roles.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.anonymousRole = anonymousRole
        self.uriRules = uriRules
        self.slowConsumer = slowConsumer
        self.sessionLimits = sessionLimits
        self.eventHistory = eventHistory
        self.disclosure = disclosure
        self.trustLevels = trustLevels
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

/// Event history for the topics matching one pattern: the last `limit` events and/or those not
/// older than `maxAge` seconds (at least one of the two should be set; neither keeps 1000).
public struct EventHistoryRule: Sendable, Hashable {
    public var uri: String
    public var match: MatchPolicy
    public var limit: Int?
    public var maxAge: Int?

    public init(uri: String, match: MatchPolicy = .exact, limit: Int? = nil, maxAge: Int? = nil) {
        self.uri = uri
        self.match = match
        self.limit = limit
        self.maxAge = maxAge
    }

    /// The number of events kept when no limit is configured.
    public static let defaultLimit = 1000
}

/// Caller and publisher identification (`disclose_me`, `disclose_caller`).
public enum DisclosurePolicy: String, Sendable, Hashable, CaseIterable {
    /// Disclosed when the caller/publisher asks (`disclose_me`) or the callee asks (`disclose_caller`).
    case onRequest = "on_request"
    /// Never disclosed: `disclose_me: true` is refused with `wamp.error.disclose_me.not_allowed`
    /// (CALL) or `wamp.error.option_disallowed.disclose_me` (PUBLISH).
    case refuse
    /// Always disclosed, whatever the options say.
    case always
}
