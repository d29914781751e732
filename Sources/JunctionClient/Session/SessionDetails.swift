import WAMPCore

/// What the router told us in `WELCOME` about the session it accepted.
public struct SessionDetails: Sendable, Hashable {
    /// The session ID; a new one after every reconnect.
    public var sessionID: UInt64
    public var realm: String
    /// `WELCOME.Details|dict` as received (`authid`, `authrole`, `authmethod`, `roles`, …).
    public var details: WAMPDict

    public init(sessionID: UInt64, realm: String, details: WAMPDict) {
        self.sessionID = sessionID
        self.realm = realm
        self.details = details
    }

    public var authid: String? { self.details["authid"]?.stringValue }
    public var authrole: String? { self.details["authrole"]?.stringValue }
    public var authmethod: String? { self.details["authmethod"]?.stringValue }

    /// Whether the router's dealer announced `feature` (for example `call_canceling`).
    public func dealerSupports(_ feature: String) -> Bool {
        self.details["roles"]?["dealer"]?["features"]?[feature]?.boolValue ?? false
    }

    /// Whether the router's broker announced `feature` (for example `pattern_based_subscription`).
    public func brokerSupports(_ feature: String) -> Bool {
        self.details["roles"]?["broker"]?["features"]?[feature]?.boolValue ?? false
    }
}
