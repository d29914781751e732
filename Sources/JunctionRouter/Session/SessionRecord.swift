import WAMPCore

/// What a realm knows about one joined session.
final class SessionRecord {
    let id: UInt64
    let peer: any PeerConnection
    let authid: String
    let role: Role
    let authmethod: String
    let authprovider: String
    /// Which of `knownFeatures` the client announced in `HELLO.Details.roles`, one bit each (the
    /// whole roles dictionary, kept per session, cost ~400 bytes of every idle session).
    private let clientFeatures: UInt32
    let transport: String
    /// The realm's limits, or none for the router's own session.
    let limits: SessionLimits
    /// Left out of the meta API (lists, counts, kills, join/leave events): the router's own session.
    let unlisted: Bool
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
        self.clientFeatures = Self.features(announcedIn: clientRoles)
        self.transport = transport
    }

    var authrole: String { self.role.name }

    /// Whether the client announced `HELLO.Details.roles.<role>.features.<feature> = true`.
    /// Only the pairs in `knownFeatures` are kept.
    func supports(_ feature: String, as role: String) -> Bool {
        guard let index = Self.knownFeatures.firstIndex(where: { $0.role == role && $0.feature == feature }) else {
            assertionFailure("client feature \(role).\(feature) is not in SessionRecord.knownFeatures")
            return false
        }
        return self.clientFeatures & (1 << index) != 0
    }

    /// Every client feature the router asks about (`supports`); at most 32.
    static let knownFeatures: [(role: String, feature: String)] = [
        ("publisher", "payload_passthru_mode"), ("publisher", "payload_transparency"),
        ("subscriber", "subscription_revocation"),
        ("caller", "progressive_call_invocations"),
        ("caller", "payload_passthru_mode"), ("caller", "payload_transparency"),
        ("callee", "progressive_call_invocations"), ("callee", "progressive_call_results"),
        ("callee", "call_canceling"), ("callee", "call_cancelling"), ("callee", "call_timeout"),
        ("callee", "registration_revocation"),
        ("callee", "payload_passthru_mode"), ("callee", "payload_transparency"),
    ]

    static func features(announcedIn roles: WAMPDict) -> UInt32 {
        var bits: UInt32 = 0
        for (index, known) in Self.knownFeatures.enumerated()
        where roles[known.role]?["features"]?[known.feature]?.boolValue == true {
            bits |= 1 << index
        }
        return bits
    }

    /// Call canceling, under the spec's spelling and the one its progressive-invocations section uses.
    var calleeSupportsCanceling: Bool {
        self.supports("call_canceling", as: "callee") || self.supports("call_cancelling", as: "callee")
    }

    /// Payload passthru mode under its spec name or autobahn's older `payload_transparency`.
    func supportsPassthru(as role: String) -> Bool {
        self.supports("payload_passthru_mode", as: role) || self.supports("payload_transparency", as: role)
    }

    /// `wamp.session.get` / `wamp.session.on_join` details.
    var details: WAMPDict {
        [
            "session": .uint(self.id),
            "authid": .string(self.authid),
            "authrole": .string(self.authrole),
            "authmethod": .string(self.authmethod),
            "authprovider": .string(self.authprovider),
            "transport": ["type": .string(self.transport)],
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
