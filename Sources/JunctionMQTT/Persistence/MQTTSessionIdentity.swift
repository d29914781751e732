import WAMPCore

/// Who a persistent session's client was when the realm admitted it: what a stored session needs
/// to rejoin its realm at start, before its client is back (the realm re-checks the role against
/// the configuration then, so a session whose role is gone is not restored).
public struct MQTTSessionIdentity: Sendable, Hashable {
    public var authid: String
    public var authrole: String
    /// `AuthMethod`'s raw value (`anonymous`, `ticket`, `tls`, ...).
    public var authmethod: String
    public var authprovider: String

    public init(authid: String, authrole: String, authmethod: String, authprovider: String) {
        self.authid = authid
        self.authrole = authrole
        self.authmethod = authmethod
        self.authprovider = authprovider
    }

    /// The identity WELCOME's details name; nil when they lack one.
    public init?(welcome details: WAMPDict) {
        guard let authid = details["authid"]?.stringValue, let authrole = details["authrole"]?.stringValue,
            let authmethod = details["authmethod"]?.stringValue
        else { return nil }
        self.init(
            authid: authid,
            authrole: authrole,
            authmethod: authmethod,
            authprovider: details["authprovider"]?.stringValue ?? "static"
        )
    }
}
