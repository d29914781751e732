import Crypto
import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A configured key, parsed into jwt-kit's key types. Parsing is synchronous so a bad key fails
/// ``JWTVerifier/init(configuration:)``; turning it into a ``JWTAlgorithm`` goes through the
/// `JWTKeyCollection` actor and happens once, asynchronously, on first use.
enum ParsedJWTKey: Sendable {
    case hmac(HMACKey, DigestAlgorithm)
    case rsa(JWTKit.Insecure.RSA.PublicKey, DigestAlgorithm)
    case es256(ES256PublicKey)
    case es384(ES384PublicKey)
    case eddsa(EdDSA.PublicKey)

    /// Parses `configuration.key`. The thrown problem text never quotes the key.
    init(_ configuration: JWTKeyConfiguration) throws(JWTKeyProblem) {
        let algorithm = configuration.algorithm
        let name = algorithm.rawValue
        switch algorithm {
        case .hs256, .hs384, .hs512:
            let minimum = algorithm == .hs256 ? 32 : algorithm == .hs384 ? 48 : 64
            let count = configuration.key.utf8.count
            guard count > 0 else { throw JWTKeyProblem("\(name) secret is empty") }
            guard count >= minimum else {
                throw JWTKeyProblem(
                    "\(name) secret is \(count) bytes; RFC 7518 §3.2 requires at least \(minimum)")
            }
            let digest: DigestAlgorithm = algorithm == .hs256 ? .sha256 : algorithm == .hs384 ? .sha384 : .sha512
            self = .hmac(HMACKey(from: configuration.key), digest)
        case .rs256, .rs384, .rs512:
            let pem = try Self.publicPEM(configuration.key, algorithm: name)
            let key: JWTKit.Insecure.RSA.PublicKey
            do {
                key =
                    pem.contains("CERTIFICATE")
                    ? try JWTKit.Insecure.RSA.PublicKey(certificatePEM: pem)
                    : try JWTKit.Insecure.RSA.PublicKey(pem: pem)
            } catch {
                throw JWTKeyProblem(
                    "\(name) key is not a PEM RSA public key or certificate of at least 2048 bits")
            }
            let digest: DigestAlgorithm = algorithm == .rs256 ? .sha256 : algorithm == .rs384 ? .sha384 : .sha512
            self = .rsa(key, digest)
        case .es256:
            let pem = try Self.publicPEM(configuration.key, algorithm: name)
            do {
                self = .es256(
                    pem.contains("CERTIFICATE") ? try ES256PublicKey(certificate: pem) : try ES256PublicKey(pem: pem))
            } catch {
                throw JWTKeyProblem("ES256 key is not a PEM P-256 public key or certificate")
            }
        case .es384:
            let pem = try Self.publicPEM(configuration.key, algorithm: name)
            do {
                self = .es384(
                    pem.contains("CERTIFICATE") ? try ES384PublicKey(certificate: pem) : try ES384PublicKey(pem: pem))
            } catch {
                throw JWTKeyProblem("ES384 key is not a PEM P-384 public key or certificate")
            }
        case .eddsa:
            self = .eddsa(try Self.ed25519(configuration.key))
        }
    }

    /// The trimmed PEM text, refusing private keys (a verifier has no business holding one, and
    /// the operator should learn that before the file is copied further).
    private static func publicPEM(_ text: String, algorithm: String) throws(JWTKeyProblem) -> String {
        let pem = text.trimmingWhitespace()
        guard pem.hasPrefix("-----BEGIN ") else {
            throw JWTKeyProblem("\(algorithm) key must be PEM text starting with \"-----BEGIN \"")
        }
        guard !pem.contains("PRIVATE KEY") else {
            throw JWTKeyProblem("\(algorithm) key is a private key; configure the public key only")
        }
        return pem
    }

    /// Ed25519 public key from 64 hex digits, base64url (JWK `x`, padding optional) or PEM.
    private static func ed25519(_ text: String) throws(JWTKeyProblem) -> EdDSA.PublicKey {
        let trimmed = text.trimmingWhitespace()
        if trimmed.hasPrefix("-----BEGIN ") {
            let pem = try Self.publicPEM(trimmed, algorithm: "EdDSA")
            do { return try EdDSA.PublicKey(pem: pem) } catch {
                throw JWTKeyProblem("EdDSA key is not a PEM Ed25519 public key")
            }
        }
        var unpadded = Substring(trimmed)
        while unpadded.hasSuffix("=") { unpadded = unpadded.dropLast() }
        let bytes: [UInt8]? =
            trimmed.utf8.count == 64 ? Hex.decode(trimmed) : JWTBase64URL.decode(unpadded)
        guard let bytes, bytes.count == 32,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)
        else {
            throw JWTKeyProblem(
                "EdDSA key must be a 32-byte Ed25519 public key as 64 hex digits, base64url or PEM")
        }
        return EdDSA.PublicKey(backing: key)
    }

    /// The jwt-kit algorithm verifying signatures with this key, or nil if jwt-kit would hand back
    /// something other than `expected` (which would be a bug; such a key then verifies nothing).
    func algorithm(expected: JWTKeyConfiguration.Algorithm) async -> (any JWTAlgorithm)? {
        let collection = JWTKeyCollection()
        switch self {
        case .hmac(let key, let digest): await collection.add(hmac: key, digestAlgorithm: digest)
        case .rsa(let key, let digest): await collection.add(rsa: key, digestAlgorithm: digest)
        case .es256(let key): await collection.add(ecdsa: key)
        case .es384(let key): await collection.add(ecdsa: key)
        case .eddsa(let key): await collection.add(eddsa: key)
        }
        guard let algorithm = try? await collection.getKey(), algorithm.name == expected.rawValue else {
            return nil
        }
        return algorithm
    }
}

struct JWTKeyProblem: Error {
    var text: String
    init(_ text: String) { self.text = text }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        guard let start = self.firstIndex(where: { !$0.isWhitespace }),
            let end = self.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[start...end])
    }
}
