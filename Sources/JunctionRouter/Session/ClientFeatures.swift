import WAMPCore

/// The client features the router acts on, read once from `HELLO.Details.roles` into bits, so
/// asking about one while routing a CALL or PUBLISH is a mask test, not a string search.
///
/// A feature the spec and autobahn spell two ways (`call_canceling`/`call_cancelling`,
/// `payload_passthru_mode`/`payload_transparency`) is one bit, set by either spelling.
struct ClientFeatures: OptionSet, Sendable, Hashable {
    let rawValue: UInt16

    static let publisherPassthru = ClientFeatures(rawValue: 1 << 0)
    static let subscriberRevocation = ClientFeatures(rawValue: 1 << 1)
    static let callerProgressiveCallInvocations = ClientFeatures(rawValue: 1 << 2)
    static let callerPassthru = ClientFeatures(rawValue: 1 << 3)
    static let calleeProgressiveCallInvocations = ClientFeatures(rawValue: 1 << 4)
    static let calleeProgressiveCallResults = ClientFeatures(rawValue: 1 << 5)
    static let calleeCallCanceling = ClientFeatures(rawValue: 1 << 6)
    static let calleeCallTimeout = ClientFeatures(rawValue: 1 << 7)
    static let calleeRegistrationRevocation = ClientFeatures(rawValue: 1 << 8)
    static let calleePassthru = ClientFeatures(rawValue: 1 << 9)

    /// Which `roles.<role>.features.<feature> = true` sets which bit.
    static let announcements: [(role: String, feature: String, bit: ClientFeatures)] = [
        ("publisher", "payload_passthru_mode", .publisherPassthru),
        ("publisher", "payload_transparency", .publisherPassthru),
        ("subscriber", "subscription_revocation", .subscriberRevocation),
        ("caller", "progressive_call_invocations", .callerProgressiveCallInvocations),
        ("caller", "payload_passthru_mode", .callerPassthru),
        ("caller", "payload_transparency", .callerPassthru),
        ("callee", "progressive_call_invocations", .calleeProgressiveCallInvocations),
        ("callee", "progressive_call_results", .calleeProgressiveCallResults),
        ("callee", "call_canceling", .calleeCallCanceling),
        ("callee", "call_cancelling", .calleeCallCanceling),
        ("callee", "call_timeout", .calleeCallTimeout),
        ("callee", "registration_revocation", .calleeRegistrationRevocation),
        ("callee", "payload_passthru_mode", .calleePassthru),
        ("callee", "payload_transparency", .calleePassthru),
    ]

    init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The features announced in `HELLO.Details.roles`; anything not `true` is not announced.
    init(announcedIn roles: WAMPDict) {
        self = []
        for announcement in Self.announcements
        where roles[announcement.role]?["features"]?[announcement.feature]?.boolValue == true {
            self.insert(announcement.bit)
        }
    }
}
