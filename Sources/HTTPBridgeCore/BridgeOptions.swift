/// The `options` of a Crossbar-compatible HTTP bridge path (`publisher`, `caller`, `webhook`): the
/// same names and meanings as Crossbar's, so a configuration carries over.
public struct BridgeOptions: Sendable, Hashable {
    /// With `secret`: requests must be signed with this key (`key` query parameter).
    public var key: String?
    /// With `key`: the HMAC-SHA256 secret of signed requests. `nil`: requests need no signature.
    public var secret: String?
    /// Largest request body in bytes; `0`: the listener's `max_message_size`.
    public var postBodyLimit: Int
    /// Seconds a request's `timestamp` may differ from the router's clock; `0`: any. Replayed
    /// nonces are refused for this long (300 s when `0`).
    public var timestampDeltaLimit: Int
    /// When not empty, only clients from these networks are served.
    public var requireIP: [IPNetwork]
    /// Only requests that arrived over TLS are served.
    public var requireTLS: Bool

    public init(
        key: String? = nil,
        secret: String? = nil,
        postBodyLimit: Int = 0,
        timestampDeltaLimit: Int = 300,
        requireIP: [IPNetwork] = [],
        requireTLS: Bool = false
    ) {
        self.key = key
        self.secret = secret
        self.postBodyLimit = postBodyLimit
        self.timestampDeltaLimit = timestampDeltaLimit
        self.requireIP = requireIP
        self.requireTLS = requireTLS
    }

    /// Whether requests must carry `key`, `timestamp`, `seq`, `nonce` and `signature`.
    public var requiresSignature: Bool { self.secret != nil }

    /// How long a nonce is remembered: as long as its timestamp is acceptable.
    var replayWindowSeconds: Double { Double(self.timestampDeltaLimit > 0 ? self.timestampDeltaLimit : 300) }
}
