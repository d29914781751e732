import JunctionAuth
import WAMPCore

/// The authentication of one HELLO, from the method choice to an identity or a refusal.
///
/// Pure: it never touches a channel or a realm, and its clock and randomness are injected.
/// `SessionEstablishment` nests it, feeds it the HELLO, the AUTHENTICATE and the answers of the
/// slow helpers it asked for (JWT verification, a dynamic authenticator call) and turns each
/// `Step` into actions.
///
/// Failures never say which part was wrong: an unknown authid gets the same CHALLENGE (with a
/// secret nobody knows) as a known one, and every wrong answer is the same
/// `wamp.error.authentication_failed`. What really happened goes to `Step.reject`'s log text.
public struct SessionAuthenticator: Sendable {
    public enum Step: Sendable {
        case accept(AuthenticatedIdentity)
        case challenge(WAMPMessage.Challenge)
        /// ABORT with `abort`; `log` says why, for the router's log only.
        case reject(WAMPMessage.Abort, log: String)
        /// Verify a JWT presented as a ticket, then call `jwtVerified`.
        case verifyJWT(String)
        /// Call the dynamic authenticator, then call `authenticatorAnswered`.
        case callAuthenticator(DynamicAuthenticatorCall)
    }

    /// A call to a dynamic authenticator: `procedure(realm, authid, details)`.
    public struct DynamicAuthenticatorCall: Sendable {
        public var realm: String
        public var procedure: String
        public var args: [WAMPValue]
        public var timeoutMilliseconds: Int
    }

    /// How the dynamic authenticator answered.
    public enum DynamicAnswer: Sendable {
        case result(Payload)
        case error(String)
        /// Not registered, timed out, or the authenticator went away.
        case unavailable(String)
    }

    private enum Pending: Sendable {
        case ticket(authid: String?)
        /// `secret` nil: the authid is unknown and no answer can succeed.
        case wampcra(identity: AuthenticatedIdentity, secret: String?, salt: WAMPCRA.Salt?, challenge: String)
        case cryptosign(identity: AuthenticatedIdentity, publicKey: String?, challenge: [UInt8])
    }

    private enum DynamicPurpose: Sendable {
        case ticket(authid: String?)
        case wampcra(authid: String)
        case cryptosign(authid: String?, publicKey: String)
        case tls(ClientCertificate)
    }

    private enum State: Sendable {
        case idle
        case challenged(Pending)
        case verifyingJWT(requestedAuthid: String?)
        case awaitingAuthenticator(DynamicPurpose)
        case finished
    }

    public let realm: String
    public let configuration: AuthenticationConfiguration
    /// Principals granted while the router runs (hosted components), checked after the static ones.
    private let runtimeTickets: RuntimeTicketPrincipals?
    private let random: RandomSource
    /// WAMP-CRA challenges carry a timestamp.
    private let clock: WallClock
    private var state: State = .idle
    private var request: AuthenticationRequest?

    public init(
        realm: String, configuration: AuthenticationConfiguration, random: RandomSource = .system,
        clock: WallClock = .system, runtimeTickets: RuntimeTicketPrincipals? = nil
    ) {
        self.realm = realm
        self.configuration = configuration
        self.runtimeTickets = runtimeTickets
        self.random = random
        self.clock = clock
    }

    /// Whether a CHALLENGE is out and the client's AUTHENTICATE is due.
    public var isChallenged: Bool {
        if case .challenged = self.state { return true }
        return false
    }

    // MARK: Events

    /// The HELLO: picks the first method in the client's order that the transport allows, the
    /// realm can check and the HELLO can use (cryptosign needs `authextra.pubkey`, WAMP-CRA an
    /// authid, tls a client certificate); a method that fails these is skipped, not refused.
    public mutating func start(_ request: AuthenticationRequest) -> Step {
        guard case .idle = self.state else { return self.fail("HELLO while authenticating") }
        self.request = request
        let offered = request.hello.details["authmethods"]?.listValue?.compactMap(\.stringValue) ?? []
        let requestedAuthid = request.hello.details["authid"]?.stringValue
        if offered.isEmpty {
            return self.anonymous(request, authid: requestedAuthid)
        }
        for name in offered {
            guard let method = AuthMethod(rawValue: name), request.allowedMethods.contains(method) else { continue }
            switch method {
            case .anonymous:
                if request.anonymousAllowed { return self.anonymous(request, authid: requestedAuthid) }
            case .ticket:
                guard self.configuration.offers(.ticket) || self.runtimeTickets?.isEmpty == false else { continue }
                self.state = .challenged(.ticket(authid: requestedAuthid))
                return .challenge(.init(authMethod: "ticket", extra: [:]))
            case .wampcra:
                guard self.configuration.offers(.wampcra), let authid = requestedAuthid else { continue }
                return self.startWAMPCRA(authid: authid)
            case .cryptosign:
                guard self.configuration.offers(.cryptosign), let publicKey = Self.publicKey(of: request.hello) else {
                    continue
                }
                return self.startCryptosign(authid: requestedAuthid, publicKey: publicKey)
            case .tls:
                guard self.configuration.offers(.tls), let certificate = request.clientCertificate else { continue }
                return self.startTLS(certificate)
            }
        }
        if offered.allSatisfy({ $0 == AuthMethod.anonymous.rawValue }) {
            return self.anonymous(request, authid: requestedAuthid)
        }
        self.state = .finished
        return .reject(
            .init(reason: WAMPErrorURI.noMatchingAuthMethod, message: "none of the offered authentication methods is accepted"),
            log: "no acceptable authmethod among \(offered)")
    }

    /// The client's AUTHENTICATE.
    public mutating func authenticate(_ message: WAMPMessage.Authenticate) -> Step {
        guard case .challenged(let pending) = self.state else {
            return self.fail("AUTHENTICATE without a pending challenge")
        }
        switch pending {
        case .ticket(let authid):
            return self.checkTicket(message.signature, authid: authid)
        case .wampcra(let identity, let secret, let salt, let challenge):
            guard let secret,
                WAMPCRA.verify(signature: message.signature, secret: secret, salt: salt, challenge: challenge)
            else {
                return self.fail(secret == nil ? "wampcra: unknown authid" : "wampcra: wrong signature")
            }
            return self.accepted(identity)
        case .cryptosign(let identity, let publicKey, let challenge):
            guard let publicKey,
                Cryptosign.verify(signatureHex: message.signature, challenge: challenge, publicKeyHex: publicKey)
            else {
                return self.fail(publicKey == nil ? "cryptosign: unknown public key" : "cryptosign: invalid signature")
            }
            return self.accepted(identity)
        }
    }

    /// The answer to `Step.verifyJWT`.
    public mutating func jwtVerified(_ result: Result<JWTIdentity, JWTRejection>) -> Step {
        guard case .verifyingJWT(let requestedAuthid) = self.state else { return self.fail("unexpected JWT result") }
        switch result {
        case .failure(let rejection):
            return self.fail("jwt: \(rejection)")
        case .success(let token):
            if let requestedAuthid, requestedAuthid != token.authid {
                return self.fail("jwt: HELLO authid differs from the token's subject")
            }
            return self.accepted(
                AuthenticatedIdentity(
                    authid: token.authid, authrole: token.authrole, authmethod: .ticket, authprovider: "jwt"))
        }
    }

    /// The answer to `Step.callAuthenticator`.
    public mutating func authenticatorAnswered(_ answer: DynamicAnswer) -> Step {
        guard case .awaitingAuthenticator(let purpose) = self.state else {
            return self.fail("unexpected authenticator answer")
        }
        let payload: Payload
        switch answer {
        case .unavailable(let reason):
            return self.fail("dynamic authenticator unavailable: \(reason)")
        case .error(let uri):
            // The authenticator's explicit refusals pass through; anything else fails closed.
            let reason =
                [WAMPErrorURI.notAuthorized, WAMPErrorURI.noSuchRole].contains(uri)
                ? uri : WAMPErrorURI.authenticationFailed
            self.state = .finished
            return .reject(.init(reason: reason, message: "authentication refused"), log: "dynamic authenticator: \(uri)")
        case .result(let result):
            payload = result
        }
        guard let answer = DynamicAuthenticatorAnswer(payload) else {
            return self.fail("dynamic authenticator answered neither a role nor a dict with 'role'")
        }
        switch purpose {
        case .ticket(let authid):
            guard let authid = answer.authid ?? authid else { return self.fail("ticket: no authid") }
            return self.accepted(self.dynamicIdentity(answer, authid: authid, method: .ticket))
        case .tls(let certificate):
            let authid = answer.authid ?? certificate.commonName ?? certificate.sha256Fingerprint
            return self.accepted(self.dynamicIdentity(answer, authid: authid, method: .tls))
        case .wampcra(let authid):
            guard let secret = answer.secret else { return self.fail("wampcra: authenticator gave no secret") }
            if let salt = answer.salt, !salt.isReasonable {
                return self.fail("wampcra: authenticator gave unusable salt parameters")
            }
            let identity = self.dynamicIdentity(answer, authid: answer.authid ?? authid, method: .wampcra)
            return self.challengeWAMPCRA(identity: identity, secret: secret, salt: answer.salt)
        case .cryptosign(let authid, let publicKey):
            if let keys = answer.publicKeys, !keys.contains(publicKey) {
                return self.fail("cryptosign: authenticator did not vouch for the offered key")
            }
            guard let authid = answer.authid ?? authid else { return self.fail("cryptosign: no authid") }
            let identity = self.dynamicIdentity(answer, authid: authid, method: .cryptosign)
            return self.challengeCryptosign(identity: identity, publicKey: publicKey)
        }
    }

    // MARK: Methods

    private mutating func anonymous(_ request: AuthenticationRequest, authid: String?) -> Step {
        guard request.anonymousAllowed, request.allowedMethods.contains(.anonymous) else {
            self.state = .finished
            return .reject(
                .init(reason: WAMPErrorURI.notAuthorized, message: "anonymous access is not allowed"),
                log: "anonymous access refused")
        }
        // The realm fills in the anonymous role.
        return self.accepted(
            AuthenticatedIdentity(
                authid: authid ?? Self.randomAuthID(using: self.random), authrole: "", authmethod: .anonymous,
                authprovider: "static"))
    }

    private mutating func checkTicket(_ ticket: String, authid: String?) -> Step {
        if let authid,
            let principal = self.configuration.ticket[authid] ?? self.runtimeTickets?.principal(for: authid)
        {
            guard ConstantTime.equals(ticket, principal.ticket) else { return self.fail("ticket: wrong ticket") }
            return self.accepted(
                AuthenticatedIdentity(
                    authid: authid, authrole: principal.role, authmethod: .ticket, authprovider: "static"))
        }
        if self.configuration.jwt != nil, JWTVerifier.looksLikeJWT(ticket) {
            self.state = .verifyingJWT(requestedAuthid: authid)
            return .verifyJWT(ticket)
        }
        if let dynamic = self.configuration.dynamic, dynamic.methods.contains(.ticket) {
            return self.callAuthenticator(
                dynamic, purpose: .ticket(authid: authid), authid: authid, method: .ticket,
                extra: ["ticket": .string(ticket)])
        }
        return self.fail(authid == nil ? "ticket: no authid" : "ticket: unknown authid")
    }

    private mutating func startWAMPCRA(authid: String) -> Step {
        if let principal = self.configuration.wampcra[authid] {
            return self.challengeWAMPCRA(
                identity: .init(authid: authid, authrole: principal.role, authmethod: .wampcra, authprovider: "static"),
                secret: principal.secret, salt: principal.salt)
        }
        if let dynamic = self.configuration.dynamic, dynamic.methods.contains(.wampcra) {
            return self.callAuthenticator(dynamic, purpose: .wampcra(authid: authid), authid: authid, method: .wampcra)
        }
        // Unknown authid: challenge anyway, so the answer looks like a wrong secret.
        return self.challengeWAMPCRA(
            identity: .init(authid: authid, authrole: "", authmethod: .wampcra, authprovider: "static"),
            secret: nil, salt: nil)
    }

    private mutating func challengeWAMPCRA(identity: AuthenticatedIdentity, secret: String?, salt: WAMPCRA.Salt?)
        -> Step
    {
        let challenge = WAMPCRA.challenge(
            authid: identity.authid, authrole: identity.authrole, authprovider: identity.authprovider,
            session: self.request?.sessionID ?? 0, nonce: self.nonce(), timestamp: WallClock.iso8601(self.clock.now()))
        var extra: WAMPDict = ["challenge": .string(challenge)]
        if let salt {
            extra["salt"] = .string(salt.salt)
            extra["iterations"] = .uint(UInt64(salt.iterations))
            extra["keylen"] = .uint(UInt64(salt.keylen))
        }
        self.state = .challenged(.wampcra(identity: identity, secret: secret, salt: salt, challenge: challenge))
        return .challenge(.init(authMethod: "wampcra", extra: extra))
    }

    /// `authextra.pubkey` if it is an Ed25519 public key (64 hex digits), lower-cased.
    private static func publicKey(of hello: WAMPMessage.Hello) -> String? {
        guard let key = hello.details["authextra"]?["pubkey"]?.stringValue?.lowercased(), key.utf8.count == 64,
            Hex.decode(key) != nil
        else { return nil }
        return key
    }

    private mutating func startCryptosign(authid: String?, publicKey: String) -> Step {
        if let principal = self.configuration.cryptosign.first(where: {
            $0.publicKeys.contains(publicKey) && (authid == nil || authid == $0.authid)
        }) {
            return self.challengeCryptosign(
                identity: .init(
                    authid: principal.authid, authrole: principal.role, authmethod: .cryptosign, authprovider: "static"),
                publicKey: publicKey)
        }
        if let dynamic = self.configuration.dynamic, dynamic.methods.contains(.cryptosign) {
            return self.callAuthenticator(
                dynamic, purpose: .cryptosign(authid: authid, publicKey: publicKey), authid: authid, method: .cryptosign)
        }
        return self.challengeCryptosign(
            identity: .init(authid: authid ?? "", authrole: "", authmethod: .cryptosign, authprovider: "static"),
            publicKey: nil)
    }

    private mutating func challengeCryptosign(identity: AuthenticatedIdentity, publicKey: String?) -> Step {
        var generator = self.random.generator
        let challenge = Cryptosign.newChallenge(using: &generator)
        self.state = .challenged(.cryptosign(identity: identity, publicKey: publicKey, challenge: challenge))
        return .challenge(.init(authMethod: "cryptosign", extra: ["challenge": .string(Hex.encode(challenge))]))
    }

    private mutating func startTLS(_ certificate: ClientCertificate) -> Step {
        if let principal = self.configuration.tls.first(where: { $0.matches(certificate) }) {
            return self.accepted(
                .init(authid: principal.authid, authrole: principal.role, authmethod: .tls, authprovider: "static"))
        }
        if let dynamic = self.configuration.dynamic, dynamic.methods.contains(.tls) {
            let cert: WAMPDict = [
                "sha256": .string(certificate.sha256Fingerprint),
                "cn": certificate.commonName.map { .string($0) } ?? .null,
            ]
            return self.callAuthenticator(
                dynamic, purpose: .tls(certificate), authid: certificate.commonName, method: .tls,
                extra: ["client_cert": .dict(cert)])
        }
        return self.fail("tls: no principal for the client certificate")
    }

    // MARK: Helpers

    private mutating func callAuthenticator(
        _ dynamic: DynamicAuthenticatorConfiguration, purpose: DynamicPurpose, authid: String?, method: AuthMethod,
        extra: WAMPDict = [:]
    ) -> Step {
        var details: WAMPDict = [
            "authmethod": .string(method.rawValue),
            "transport": .dict(self.request?.transportDetails ?? [:]),
            "session": .uint(self.request?.sessionID ?? 0),
            "authextra": self.request?.hello.details["authextra"] ?? .dict([:]),
        ]
        for (key, value) in extra { details[key] = value }
        self.state = .awaitingAuthenticator(purpose)
        return .callAuthenticator(
            .init(
                realm: dynamic.realm ?? self.realm, procedure: dynamic.procedure,
                args: [.string(self.realm), authid.map { .string($0) } ?? .null, .dict(details)],
                timeoutMilliseconds: dynamic.timeoutMilliseconds))
    }

    private func dynamicIdentity(_ answer: DynamicAuthenticatorAnswer, authid: String, method: AuthMethod)
        -> AuthenticatedIdentity
    {
        AuthenticatedIdentity(
            authid: authid, authrole: answer.role, authmethod: method, authprovider: "dynamic", authextra: answer.extra)
    }

    private mutating func accepted(_ identity: AuthenticatedIdentity) -> Step {
        self.state = .finished
        return .accept(identity)
    }

    private mutating func fail(_ log: String) -> Step {
        self.state = .finished
        return .reject(.init(reason: WAMPErrorURI.authenticationFailed, message: "authentication failed"), log: log)
    }

    private static let authIDAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    /// An authid for an anonymous session that named none: four groups of four, `ABCD-EFGH-...`.
    /// Two 64-bit draws give eight characters each (36^8 < 2^64, the modulo bias is ~1e-7): one
    /// draw per character made anonymous connections pay sixteen `getrandom` calls.
    static func randomAuthID(using random: RandomSource = .system) -> String {
        let alphabet = Self.authIDAlphabet
        var bytes: [UInt8] = []
        bytes.reserveCapacity(19)
        for half in 0..<2 {
            var bits = random.next()
            for index in 0..<8 {
                if half + index > 0, index % 4 == 0 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(alphabet[Int(bits % 36)])
                bits /= 36
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func nonce() -> String {
        var generator = self.random.generator
        return WAMPCRA.nonce(using: &generator)
    }
}

/// A dynamic authenticator's result: a role name, or a dict with `role` and optionally `authid`,
/// `secret` (+ `salt`, `iterations`, `keylen`) for WAMP-CRA, `pubkey`/`pubkeys` for cryptosign,
/// and `extra` for WELCOME's `authextra`.
struct DynamicAuthenticatorAnswer {
    var role: String
    var authid: String?
    var secret: String?
    var salt: WAMPCRA.Salt?
    var publicKeys: [String]?
    var extra: WAMPDict?

    init?(_ payload: Payload) {
        guard let first = payload.args?.first else { return nil }
        if let role = first.stringValue {
            self.role = role
            return
        }
        guard let dict = first.dictValue, let role = dict["role"]?.stringValue else { return nil }
        self.role = role
        self.authid = dict["authid"]?.stringValue
        self.secret = dict["secret"]?.stringValue
        if let salt = dict["salt"]?.stringValue {
            self.salt = WAMPCRA.Salt(
                salt: salt, iterations: Int(dict["iterations"]?.signedInteger ?? 1000),
                keylen: Int(dict["keylen"]?.signedInteger ?? 32))
        }
        if let key = dict["pubkey"]?.stringValue {
            self.publicKeys = [key.lowercased()]
        } else if let keys = dict["pubkeys"]?.listValue {
            self.publicKeys = keys.compactMap { $0.stringValue?.lowercased() }
        }
        self.extra = dict["extra"]?.dictValue
    }
}
