import WAMPCore

/// Who a session turned out to be: what WELCOME and the meta API report.
public struct AuthenticatedIdentity: Sendable, Hashable {
    public var authid: String
    public var authrole: String
    public var authmethod: AuthMethod
    /// `static`, `dynamic` or `jwt`.
    public var authprovider: String
    /// Extra details for WELCOME (`authextra`), e.g. from a dynamic authenticator.
    public var authextra: WAMPDict?

    public init(
        authid: String, authrole: String, authmethod: AuthMethod, authprovider: String, authextra: WAMPDict? = nil
    ) {
        self.authid = authid
        self.authrole = authrole
        self.authmethod = authmethod
        self.authprovider = authprovider
        self.authextra = authextra
    }
}

/// What the authenticator needs to know about a HELLO beyond the message itself.
public struct AuthenticationRequest: Sendable {
    public var hello: WAMPMessage.Hello
    /// The id the session will get: WAMP-CRA challenges name it.
    public var sessionID: UInt64
    /// The methods the transport permits (`auth_methods` of the listener).
    public var allowedMethods: Set<AuthMethod>
    /// Whether the realm admits anonymous sessions.
    public var anonymousAllowed: Bool
    public var clientCertificate: ClientCertificate?
    /// `details.transport` for a dynamic authenticator (type, peer, ...).
    public var transportDetails: WAMPDict

    public init(
        hello: WAMPMessage.Hello, sessionID: UInt64, allowedMethods: Set<AuthMethod>, anonymousAllowed: Bool,
        clientCertificate: ClientCertificate?, transportDetails: WAMPDict
    ) {
        self.hello = hello
        self.sessionID = sessionID
        self.allowedMethods = allowedMethods
        self.anonymousAllowed = anonymousAllowed
        self.clientCertificate = clientCertificate
        self.transportDetails = transportDetails
    }
}
