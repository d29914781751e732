import Crypto

/// WAMP-Cryptosign: the client proves it holds an Ed25519 key by signing the router's 32-byte
/// challenge.
///
/// The AUTHENTICATE signature is `hex(signature) + hex(challenge)` (96 bytes as 192 hex digits),
/// as autobahn-python's `_sign_challenge` produces; the router also accepts the bare 64-byte
/// signature. TLS channel binding is not used (swift-nio-ssl exposes no `tls-unique` value).
public enum Cryptosign {
    /// A fresh random challenge: 32 bytes.
    public static func newChallenge() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return Self.newChallenge(using: &generator)
    }

    /// A challenge drawn from `generator` (deterministic in tests).
    public static func newChallenge(using generator: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Signs `challenge` (64 hex digits) the way autobahn does.
    public static func signature(key: Curve25519.Signing.PrivateKey, challengeHex: String) -> String? {
        guard challengeHex.utf8.count == 64, let challenge = Hex.decode(challengeHex),
            let signature = try? key.signature(for: challenge)
        else { return nil }
        return Hex.encode(Array(signature)) + Hex.encode(challenge)
    }

    /// Whether `signatureHex` is a valid signature of `challenge` by `publicKeyHex`. A signature
    /// carrying the challenge after it must carry exactly this challenge.
    public static func verify(signatureHex: String, challenge: [UInt8], publicKeyHex: String) -> Bool {
        guard let publicKeyBytes = Hex.decode(publicKeyHex), publicKeyBytes.count == 32,
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKeyBytes),
            let bytes = Hex.decode(signatureHex)
        else { return false }
        switch bytes.count {
        case 64:
            return publicKey.isValidSignature(bytes, for: challenge)
        case 96:
            guard ConstantTime.equals(Array(bytes[64...]), challenge) else { return false }
            return publicKey.isValidSignature(Array(bytes[..<64]), for: challenge)
        default:
            return false
        }
    }
}
