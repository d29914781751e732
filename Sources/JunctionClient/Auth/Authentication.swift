import Crypto
import JunctionAuth
import WAMPCore

/// How a client authenticates when it joins a realm.
///
/// The method decides what goes into `HELLO.Details` (`authmethods`, `authid`, `authextra`) and how
/// a `CHALLENGE` is answered (see ``Authentication/respond(to:)``). The derivations follow
/// autobahn-python (`autobahn/wamp/auth.py`, `cryptosign.py`), which is what Crossbar.io verifies.
public struct Authentication: Sendable {
    enum Method: Sendable {
        case anonymous
        case ticket(String)
        case wampcra(secret: String)
        /// The Ed25519 seed (32 bytes); the key type itself is not `Sendable`.
        case cryptosign(seed: [UInt8])
        /// The TLS client certificate (configured in `ClientConfiguration.tls`) is the credential.
        case tls
    }

    let method: Method
    /// The principal to authenticate as (`HELLO.Details.authid`).
    public var authid: String?
    /// Extra `HELLO.Details.authextra` entries (cryptosign adds `pubkey` itself).
    public var authextra: WAMPDict

    init(method: Method, authid: String?, authextra: WAMPDict = [:]) {
        self.method = method
        self.authid = authid
        self.authextra = authextra
    }

    /// No authentication: the router assigns its anonymous role (if it allows anonymous access).
    public static let anonymous = Authentication(method: .anonymous, authid: nil)

    /// TLS client-certificate authentication (`authmethod` `tls`): the certificate presented in
    /// the TLS handshake (`ClientConfiguration.tls.certificateChain`/`privateKey`) identifies
    /// the client; there is no CHALLENGE.
    public static let tls = Authentication(method: .tls, authid: nil)

    /// Ticket authentication: `ticket` is sent verbatim in `AUTHENTICATE`. Use it over TLS.
    public static func ticket(authid: String, ticket: String) -> Authentication {
        Authentication(method: .ticket(ticket), authid: authid)
    }

    /// WAMP-CRA: an HMAC-SHA256 over the router's challenge keyed with `secret`, or with the PBKDF2
    /// key derived from it when the router sends `salt`, `iterations` and `keylen` (salted secrets).
    public static func wampcra(authid: String, secret: String) -> Authentication {
        Authentication(method: .wampcra(secret: secret), authid: authid)
    }

    /// WAMP-Cryptosign: the router's 32-byte challenge is signed with an Ed25519 key.
    public static func cryptosign(authid: String?, privateKey: Curve25519.Signing.PrivateKey) -> Authentication {
        let pubkey = Hex.encode(Array(privateKey.publicKey.rawRepresentation))
        return Authentication(
            method: .cryptosign(seed: Array(privateKey.rawRepresentation)), authid: authid,
            authextra: ["pubkey": .string(pubkey)])
    }

    /// WAMP-Cryptosign with the private key as 64 hex digits (the 32-byte seed, as autobahn and
    /// Crossbar write it).
    public static func cryptosign(authid: String?, privateKeyHex: String) throws(WAMPClientError) -> Authentication {
        guard let seed = Hex.decode(privateKeyHex), seed.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else {
            throw WAMPClientError(.authentication, "the cryptosign private key must be 64 hex digits")
        }
        return Self.cryptosign(authid: authid, privateKey: key)
    }

    /// The `authmethods` value announced in HELLO.
    public var methodName: String {
        switch self.method {
        case .anonymous: return "anonymous"
        case .ticket: return "ticket"
        case .wampcra: return "wampcra"
        case .cryptosign: return "cryptosign"
        case .tls: return "tls"
        }
    }

    /// The authentication entries of `HELLO.Details`.
    var helloDetails: WAMPDict {
        var details: WAMPDict = ["authmethods": .list([.string(self.methodName)])]
        if let authid = self.authid { details["authid"] = .string(authid) }
        if !self.authextra.isEmpty { details["authextra"] = .dict(self.authextra) }
        return details
    }

    /// Answers a `CHALLENGE`.
    ///
    /// - Throws: `WAMPClientError` `.authentication` if the challenge is for another method or is
    ///   malformed; the session then sends ABORT.
    public func respond(to challenge: WAMPMessage.Challenge) throws(WAMPClientError) -> WAMPMessage.Authenticate {
        guard challenge.authMethod == self.methodName else {
            throw WAMPClientError(
                .authentication, "router challenged for '\(challenge.authMethod)', we offered '\(self.methodName)'")
        }
        switch self.method {
        case .anonymous, .tls:
            throw WAMPClientError(.authentication, "unexpected challenge for \(self.methodName) authentication")
        case .ticket(let ticket):
            return .init(signature: ticket, extra: [:])
        case .wampcra(let secret):
            guard let text = challenge.extra["challenge"]?.stringValue else {
                throw WAMPClientError(.authentication, "wampcra challenge without a 'challenge' string")
            }
            var salt: WAMPCRA.Salt?
            if let saltText = challenge.extra["salt"]?.stringValue {
                let parameters = WAMPCRA.Salt(
                    salt: saltText, iterations: Int(challenge.extra["iterations"]?.signedInteger ?? 1000),
                    keylen: Int(challenge.extra["keylen"]?.signedInteger ?? 32))
                guard parameters.isReasonable else {
                    throw WAMPClientError(.authentication, "wampcra challenge with invalid iterations or keylen")
                }
                salt = parameters
            }
            return .init(signature: WAMPCRA.signature(secret: secret, salt: salt, challenge: text), extra: [:])
        case .cryptosign(let seed):
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
                throw WAMPClientError(.authentication, "invalid Ed25519 key")
            }
            guard let hex = challenge.extra["challenge"]?.stringValue,
                let signature = Cryptosign.signature(key: key, challengeHex: hex)
            else {
                throw WAMPClientError(.authentication, "cryptosign challenge must be 64 hex digits")
            }
            return .init(signature: signature, extra: [:])
        }
    }
}
