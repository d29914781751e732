import JunctionAuth

/// A WAMP authentication method (`HELLO.Details.authmethods`).
public enum AuthMethod: String, Sendable, Hashable, CaseIterable {
    case anonymous, ticket, wampcra, cryptosign, tls
}

/// Who may join a realm as what, per authentication method. Principals are static (from the
/// configuration); `dynamic` covers the authids (or keys) the static lists do not know.
public struct AuthenticationConfiguration: Sendable, Hashable {
    /// Ticket principals by authid.
    public var ticket: [String: TicketPrincipal]
    /// WAMP-CRA principals by authid.
    public var wampcra: [String: WAMPCRAPrincipal]
    public var cryptosign: [CryptosignPrincipal]
    /// JWTs presented as tickets (`authmethod` ticket, the token as the ticket).
    public var jwt: JWTAuthConfiguration?
    /// Client-certificate principals (`authmethod` tls).
    public var tls: [TLSPrincipal]
    public var dynamic: DynamicAuthenticatorConfiguration?

    public init(
        ticket: [TicketPrincipal] = [], wampcra: [WAMPCRAPrincipal] = [], cryptosign: [CryptosignPrincipal] = [],
        jwt: JWTAuthConfiguration? = nil, tls: [TLSPrincipal] = [], dynamic: DynamicAuthenticatorConfiguration? = nil
    ) {
        self.ticket = Dictionary(ticket.map { ($0.authid, $0) }, uniquingKeysWith: { _, last in last })
        self.wampcra = Dictionary(wampcra.map { ($0.authid, $0) }, uniquingKeysWith: { _, last in last })
        self.cryptosign = cryptosign
        self.jwt = jwt
        self.tls = tls
        self.dynamic = dynamic
    }

    /// Whether `method` can succeed at all on this realm (anonymous is decided by the realm's
    /// anonymous role, not here).
    public func offers(_ method: AuthMethod) -> Bool {
        if self.dynamic?.methods.contains(method) == true { return true }
        switch method {
        case .anonymous: return false
        case .ticket: return !self.ticket.isEmpty || self.jwt != nil
        case .wampcra: return !self.wampcra.isEmpty
        case .cryptosign: return !self.cryptosign.isEmpty
        case .tls: return !self.tls.isEmpty
        }
    }
}

public struct TicketPrincipal: Sendable, Hashable {
    public var authid: String
    public var ticket: String
    public var role: String

    public init(authid: String, ticket: String, role: String) {
        self.authid = authid
        self.ticket = ticket
        self.role = role
    }
}

public struct WAMPCRAPrincipal: Sendable, Hashable {
    public var authid: String
    public var secret: String
    public var role: String
    /// Salted secrets: the client derives the key with PBKDF2 from these parameters.
    public var salt: WAMPCRA.Salt?

    public init(authid: String, secret: String, role: String, salt: WAMPCRA.Salt? = nil) {
        self.authid = authid
        self.secret = secret
        self.role = role
        self.salt = salt
    }
}

public struct CryptosignPrincipal: Sendable, Hashable {
    public var authid: String
    /// Ed25519 public keys (64 lower-case hex digits) this principal may sign with.
    public var publicKeys: [String]
    public var role: String

    public init(authid: String, publicKeys: [String], role: String) {
        self.authid = authid
        self.publicKeys = publicKeys.map { $0.lowercased() }
        self.role = role
    }
}

/// A client certificate principal, matched by SHA-256 fingerprint or subject common name.
public struct TLSPrincipal: Sendable, Hashable {
    public var authid: String
    public var role: String
    public var commonName: String?
    /// Lower-case hex, no separators.
    public var fingerprint: String?

    public init(authid: String, role: String, commonName: String? = nil, fingerprint: String? = nil) {
        self.authid = authid
        self.role = role
        self.commonName = commonName
        self.fingerprint = fingerprint.map { $0.lowercased().replacingColons() }
    }

    func matches(_ certificate: ClientCertificate) -> Bool {
        if let fingerprint = self.fingerprint { return ConstantTime.equals(fingerprint, certificate.sha256Fingerprint) }
        if let commonName = self.commonName { return commonName == certificate.commonName }
        return false
    }
}

/// A dynamic authenticator: a procedure a trusted component registers, called as
/// `authenticate(realm, authid, details)` (Crossbar's convention) for the methods listed.
public struct DynamicAuthenticatorConfiguration: Sendable, Hashable {
    public var procedure: String
    /// The realm the procedure is registered in; `nil`: the realm being joined.
    public var realm: String?
    public var methods: Set<AuthMethod>
    public var timeoutMilliseconds: Int

    public init(procedure: String, realm: String? = nil, methods: Set<AuthMethod>, timeoutMilliseconds: Int = 5000) {
        self.procedure = procedure
        self.realm = realm
        self.methods = methods
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

extension String {
    fileprivate func replacingColons() -> String {
        String(self.filter { $0 != ":" })
    }
}
