/// One key the router accepts JWT signatures from.
///
/// `description`, `debugDescription` and the reflection mirror leave out ``key``, so logging a
/// configuration (or a value holding one) never prints an HMAC secret.
public struct JWTKeyConfiguration: Sendable, Hashable {
    /// The JWS `alg` values the router accepts. A token's `alg` header must name exactly the
    /// algorithm of the key that verifies it; `none` and the RSASSA-PSS / ES512 variants are not
    /// accepted.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case hs256 = "HS256", hs384 = "HS384", hs512 = "HS512"
        case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
        case es256 = "ES256", es384 = "ES384"
        case eddsa = "EdDSA"
    }

    public var algorithm: Algorithm
    /// The key material:
    /// - HS256/384/512: the shared secret as UTF-8 text, used verbatim (not trimmed). RFC 7518 §3.2
    ///   requires at least as many bytes as the hash output (32, 48 or 64); shorter secrets are
    ///   refused at configuration time, since they are brute-forcible and jwt-kit asserts on them.
    /// - RS*: a PEM RSA public key (`-----BEGIN PUBLIC KEY-----`, at least 2048 bits) or a PEM
    ///   certificate carrying one (`-----BEGIN CERTIFICATE-----`).
    /// - ES256/ES384: a PEM P-256 / P-384 public key, or a PEM certificate carrying one.
    /// - EdDSA: the 32-byte Ed25519 public key as 64 hex digits, as base64url (the JWK `x` value,
    ///   padding optional), or as a PEM public key.
    ///
    /// Private keys are refused: the router only verifies.
    public var key: String
    /// Optional `kid`. When set, only tokens whose header names this `kid` are checked with this
    /// key. Keys without a `kid` are tried for every token of their algorithm, with or without a
    /// `kid` header, so a single-key setup works whatever the issuer puts in the header.
    public var keyID: String?

    public init(algorithm: Algorithm, key: String, keyID: String? = nil) {
        self.algorithm = algorithm
        self.key = key
        self.keyID = keyID
    }
}

extension JWTKeyConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let keyID = self.keyID.map { "\"\($0)\"" } ?? "nil"
        return "JWTKeyConfiguration(algorithm: \(self.algorithm.rawValue), keyID: \(keyID), key: <redacted>)"
    }

    public var debugDescription: String { self.description }

    public var customMirror: Mirror {
        Mirror(self, children: ["algorithm": self.algorithm, "keyID": self.keyID as Any, "key": "<redacted>"])
    }
}

/// How the router verifies JWTs presented as WAMP tickets: which keys sign them and which claims
/// they must carry. The defaults follow Centrifugo: `aud` and `iss` are only checked when
/// configured, `exp` is checked when present but not required.
public struct JWTAuthConfiguration: Sendable, Hashable {
    /// The keys tokens may be signed with. An empty list makes every token fail with
    /// ``JWTRejection/unknownKey``.
    public var keys: [JWTKeyConfiguration]
    /// When set, the token's `aud` (a string or an array of strings) must contain it; a token
    /// without `aud` is refused. When nil, `aud` is ignored.
    public var audience: String?
    /// When set, the token's `iss` must equal it exactly. When nil, `iss` is ignored.
    public var issuer: String?
    /// The top-level claim naming the authrole (default `"role"`). Nested paths are not
    /// supported; the claim's value must be a non-empty string.
    public var roleClaim: String
    /// The authrole for tokens that do not carry the role claim (absent or `null`); nil means
    /// such tokens are refused. A role claim that is present but not a string is always refused,
    /// so a malformed role never falls back to this default.
    public var defaultRole: String?
    /// Seconds of clock skew tolerated for `exp` and `nbf` (default 5; negative values count as
    /// 0). A few seconds absorbs the skew between the issuer's and the router's clocks — a token
    /// minted with `nbf = now` on a clock that runs slightly ahead would otherwise be refused as
    /// not yet valid — while keeping expiry meaningful.
    public var leeway: Int
    /// Whether a token must carry `exp` (default true: a bearer token that never expires cannot be
    /// taken back short of rotating the key). False accepts tokens without `exp`, as Centrifugo does.
    public var requireExpiry: Bool = true

    public init(
        keys: [JWTKeyConfiguration],
        audience: String? = nil,
        issuer: String? = nil,
        roleClaim: String = "role",
        defaultRole: String? = nil,
        leeway: Int = 5
    ) {
        self.keys = keys
        self.audience = audience
        self.issuer = issuer
        self.roleClaim = roleClaim
        self.defaultRole = defaultRole
        self.leeway = leeway
    }
}

/// Who a verified token says the session is.
public struct JWTIdentity: Sendable, Hashable {
    /// The token's `sub` claim.
    public var authid: String
    /// The role claim's value, or ``JWTAuthConfiguration/defaultRole`` when the token has none.
    public var authrole: String
    /// The token's `exp` claim in unix seconds (rounded down, leeway not added), or nil when the
    /// token does not expire. The router may end the session then.
    public var expiresAt: Int64?

    public init(authid: String, authrole: String, expiresAt: Int64?) {
        self.authid = authid
        self.authrole = authrole
        self.expiresAt = expiresAt
    }
}

/// Why a token was refused. The descriptions name the failed check only; they never contain the
/// token, its claims or key material, so they are safe to log and to send in an ABORT.
///
/// There is no "missing expiry" case: like Centrifugo, tokens without `exp` are accepted (and
/// ``JWTIdentity/expiresAt`` is nil). Issuers that want bounded sessions should set `exp`.
public enum JWTRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not a compact JWS, or its header / payload is not the expected JSON (including claims of
    /// the wrong type such as a non-numeric `exp`, and headers with `crit` extensions).
    case malformed
    /// No configured key matches the token's `alg` (and `kid`). `alg: none` and algorithms not
    /// listed in ``JWTKeyConfiguration/Algorithm`` always end here.
    case unknownKey
    /// A key matched the token's `alg`/`kid` but none verified the signature.
    case badSignature
    case expired
    /// The token has no `exp` and ``JWTAuthConfiguration/requireExpiry`` is set.
    case missingExpiry
    case notYetValid
    case wrongAudience
    case wrongIssuer
    /// `sub` is absent, not a string, or empty.
    case missingSubject
    /// The role claim is absent (with no ``JWTAuthConfiguration/defaultRole``), not a string, or
    /// empty.
    case missingRole

    public var description: String {
        switch self {
        case .malformed: "the token is not a well-formed JWT"
        case .unknownKey: "no configured key matches the token's algorithm and key id"
        case .badSignature: "the token's signature is invalid"
        case .expired: "the token has expired"
        case .missingExpiry: "the token has no expiry (exp)"
        case .notYetValid: "the token is not valid yet"
        case .wrongAudience: "the token's audience does not match"
        case .wrongIssuer: "the token's issuer does not match"
        case .missingSubject: "the token has no string subject (sub)"
        case .missingRole: "the token has no usable string role claim"
        }
    }
}

/// A configured key could not be used. ``problem`` says why without quoting the key.
public struct JWTConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key's position in ``JWTAuthConfiguration/keys`` (0-based).
    public var keyIndex: Int
    public var problem: String

    public init(keyIndex: Int, problem: String) {
        self.keyIndex = keyIndex
        self.problem = problem
    }

    public var description: String { "JWT keys[\(self.keyIndex)]: \(self.problem)" }
}
