import Crypto
import Foundation
import WAMPCore
import _CryptoExtras

/// WAMP-CRA (challenge-response authentication), as autobahn-python computes it.
///
/// - plain: `base64(HMAC-SHA256(key: secret, message: challenge))`;
/// - salted (the challenge carries `salt`, `iterations`, `keylen`): the key is
///   `base64(PBKDF2-HMAC-SHA256(secret, salt, iterations, keylen))` — the Base64 *text* is the HMAC
///   key, exactly as `autobahn.wamp.auth.derive_key` returns it.
enum WAMPCRA {
    static func signature(secret: String, challenge extra: WAMPDict) throws(WAMPClientError) -> String {
        guard let challenge = extra["challenge"]?.stringValue else {
            throw WAMPClientError(.authentication, "wampcra challenge without a 'challenge' string")
        }
        var key = Array(secret.utf8)
        if let salt = extra["salt"]?.stringValue {
            let iterations = extra["iterations"]?.signedInteger ?? 1000
            let keylen = extra["keylen"]?.signedInteger ?? 32
            guard iterations > 0, keylen > 0, keylen <= 1024 else {
                throw WAMPClientError(.authentication, "wampcra challenge with invalid iterations or keylen")
            }
            key = Array(Self.deriveKey(secret: secret, salt: salt, iterations: Int(iterations), keylen: Int(keylen)).utf8)
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(challenge.utf8), using: SymmetricKey(data: key))
        return Data(mac).base64EncodedString()
    }

    /// `autobahn.wamp.auth.derive_key`: Base64 of the PBKDF2-HMAC-SHA256 key.
    static func deriveKey(secret: String, salt: String, iterations: Int, keylen: Int) -> String {
        let derived = try! KDF.Insecure.PBKDF2.deriveKey(
            from: Array(secret.utf8), salt: Array(salt.utf8), using: .sha256, outputByteCount: keylen,
            unsafeUncheckedRounds: iterations)
        return derived.withUnsafeBytes { Data($0).base64EncodedString() }
    }
}
