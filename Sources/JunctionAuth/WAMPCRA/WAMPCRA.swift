import Crypto
import Foundation
import WAMPCore
import _CryptoExtras

/// WAMP-CRA (challenge-response authentication), computed exactly as autobahn-python does, so the
/// router accepts autobahn clients and the Junction client is accepted by Crossbar.
///
/// - plain: `base64(HMAC-SHA256(key: secret, message: challenge))`;
/// - salted (the challenge carries `salt`, `iterations`, `keylen`): the key is
///   `base64(PBKDF2-HMAC-SHA256(secret, salt, iterations, keylen))` — the Base64 *text* is the HMAC
///   key, exactly as `autobahn.wamp.auth.derive_key` returns it.
public enum WAMPCRA {
    /// PBKDF2 parameters of a salted secret.
    public struct Salt: Sendable, Hashable {
        public var salt: String
        public var iterations: Int
        public var keylen: Int

        public init(salt: String, iterations: Int = 1000, keylen: Int = 32) {
            self.salt = salt
            self.iterations = iterations
            self.keylen = keylen
        }

        /// Bounds that keep a hostile challenge (client side) or a bad config (router side) from
        /// burning CPU or memory.
        public var isReasonable: Bool {
            (1...1_000_000).contains(self.iterations) && (1...1024).contains(self.keylen)
        }
    }

    /// The AUTHENTICATE signature for `challenge`: the secret (or its salted derivation) keys an
    /// HMAC-SHA256 over the challenge text.
    public static func signature(secret: String, salt: Salt?, challenge: String) -> String {
        let key: [UInt8]
        if let salt {
            key = Array(Self.deriveKey(secret: secret, salt: salt).utf8)
        } else {
            key = Array(secret.utf8)
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(challenge.utf8), using: SymmetricKey(data: key))
        return Data(mac).base64EncodedString()
    }

    /// Whether `signature` answers `challenge` for this secret, compared in constant time.
    public static func verify(signature: String, secret: String, salt: Salt?, challenge: String) -> Bool {
        ConstantTime.equals(signature, Self.signature(secret: secret, salt: salt, challenge: challenge))
    }

    /// `autobahn.wamp.auth.derive_key`: Base64 of the PBKDF2-HMAC-SHA256 key.
    public static func deriveKey(secret: String, salt: Salt) -> String {
        let derived = try! KDF.Insecure.PBKDF2.deriveKey(
            from: Array(secret.utf8), salt: Array(salt.salt.utf8), using: .sha256, outputByteCount: salt.keylen,
            unsafeUncheckedRounds: salt.iterations)
        return derived.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// `autobahn.wamp.auth.derive_key` with loose parameters, for callers that got them from a peer.
    public static func deriveKey(secret: String, salt: String, iterations: Int, keylen: Int) -> String {
        Self.deriveKey(secret: secret, salt: Salt(salt: salt, iterations: iterations, keylen: keylen))
    }

    /// The challenge text the router signs over: a JSON object naming the session and a nonce, in
    /// the shape Crossbar uses (autobahn only needs it to be a string).
    public static func challenge(
        authid: String, authrole: String, authprovider: String, session: UInt64, nonce: String, timestamp: String
    ) -> String {
        let object: WAMPValue = [
            "authid": .string(authid), "authrole": .string(authrole), "authmethod": "wampcra",
            "authprovider": .string(authprovider), "nonce": .string(nonce), "timestamp": .string(timestamp),
            "session": .uint(session),
        ]
        return String(decoding: SerializerKind.json.serializer.encode(object), as: UTF8.self)
    }

    /// A fresh random nonce (16 bytes, Base64).
    public static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Self.nonce(using: &generator)
    }

    /// A nonce drawn from `generator` (deterministic in tests).
    public static func nonce(using generator: inout some RandomNumberGenerator) -> String {
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}
