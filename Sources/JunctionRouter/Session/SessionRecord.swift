import WAMPCore

/// What a realm knows about one joined session.
final class SessionRecord {
    let id: UInt64
    let peer: any PeerConnection
    let authid: String
    /// Replaced when a configuration reload changes the role's permissions.
    var role: Role
    let authmethod: String
    let authprovider: String
    /// The features the client announced in `HELLO.Details.roles` that the router acts on (the
    /// whole roles dictionary, kept per session, cost ~400 bytes of every idle session).
    let features: ClientFeatures
    let transport: String
    /// More of `details.transport` than its type (an MQTT connection's client id and version).
    var transportDetails: WAMPDict?
    /// The realm's limits, or none for the router's own session.
    let limits: SessionLimits
    /// Left out of the meta API (lists, counts, kills, join/leave events): the router's own session.
    let unlisted: Bool
    /// When the realm admitted the session, in milliseconds since the Unix epoch (`joined` in the
    /// meta API, which dashboards show as "since").
    var joined: Int64 = 0
    var subscriptions: Set<UInt64> = []
    /// Testaments to publish when the session goes away, per scope, in the order they were added.
    var testaments: [TestamentScope: [Testament]] = [:]
    /// Waiting for a dynamic authorizer: new messages go to `deferred` until it answers.
    var suspended = false
    /// Messages that arrived while `suspended`, in order.
    var deferred: [WAMPMessage] = []
    /// The authorizer's answer for the message at the head of `deferred`, applied once.
    var pendingDecision: (action: Permission.Action, uri: String, decision: AuthorizationDecision)?

    init(
        id: UInt64, peer: any PeerConnection, authid: String, role: Role, authmethod: String, authprovider: String,
        clientRoles: WAMPDict, transport: String, limits: SessionLimits, unlisted: Bool = false
    ) {
        self.limits = limits
        self.unlisted = unlisted
        self.authprovider = authprovider
        self.id = id
        self.peer = peer
        self.authid = authid
        self.role = role
        self.authmethod = authmethod
        self.features = ClientFeatures(announcedIn: clientRoles)
        self.transport = transport
    }

    var authrole: String { self.role.name }

    /// Whether the client announced `feature`.
    @inline(__always)
    func supports(_ feature: ClientFeatures) -> Bool {
        self.features.contains(feature)
    }

    /// `wamp.session.get` / `wamp.session.on_join` details.
    var details: WAMPDict {
        var transport: WAMPDict = ["type": .string(self.transport)]
        if let extra = self.transportDetails { transport.merge(extra) { type, _ in type } }
        return [
            "session": .uint(self.id),
            "authid": .string(self.authid),
            "authrole": .string(self.authrole),
            "authmethod": .string(self.authmethod),
            "authprovider": .string(self.authprovider),
            "transport": .dict(transport),
            "joined": .string(WallClock.iso8601(self.joined)),
        ]
    }
}

/// When a testament is published (`wamp.session.add_testament`, kwarg `scope`).
enum TestamentScope: String, Hashable, CaseIterable {
    case detached, destroyed
}

/// A publication a session asked the router to make when it goes away.
struct Testament {
    var topic: String
    var payload: Payload
    var options: WAMPDict
}
