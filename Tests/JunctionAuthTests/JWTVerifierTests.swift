import Crypto
import Foundation
import JWTKit
import JunctionAuth
import Testing
import _CryptoExtras

// MARK: - Fixtures

/// The fixed "now" every test verifies against: 2027-01-15T08:00:00Z.
private let now = Date(timeIntervalSince1970: 1_800_000_000)
private let nowSeconds: Int64 = 1_800_000_000

/// Claims as an issuer would send them; nil fields are left out of the JSON.
private struct Claims: JWTPayload {
    var sub: String? = "alice"
    var role: String? = "user"
    var wampRole: String? = nil
    var exp: Int64? = nowSeconds + 3600
    var nbf: Int64? = nil
    var aud: [String]? = nil
    var iss: String? = nil

    enum CodingKeys: String, CodingKey {
        case sub, role, wampRole = "wamp_role", exp, nbf, aud, iss
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A signing key in jwt-kit plus the configuration the router would hold for its public half.
private struct Fixture: Sendable {
    var config: JWTKeyConfiguration
    var signer: JWTKeyCollection

    func sign(_ claims: Claims = Claims(), kid: String? = nil) async throws -> String {
        try await self.signer.sign(claims, kid: kid.map { JWKIdentifier(string: $0) })
    }

    static func hmac(_ secret: String = "0123456789abcdef0123456789abcdef-junction", keyID: String? = nil) async
        -> Fixture
    {
        let signer = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return Fixture(config: .init(algorithm: .hs256, key: secret, keyID: keyID), signer: signer)
    }

    static func rsa(_ key: _RSA.Signing.PrivateKey) async throws -> Fixture {
        let signer = await JWTKeyCollection().add(
            rsa: try JWTKit.Insecure.RSA.PrivateKey(backing: key), digestAlgorithm: .sha256)
        return Fixture(config: .init(algorithm: .rs256, key: key.publicKey.pemRepresentation), signer: signer)
    }

    static func es256() async -> Fixture {
        let key = ES256PrivateKey()
        let signer = await JWTKeyCollection().add(ecdsa: key)
        return Fixture(config: .init(algorithm: .es256, key: key.publicKey.pemRepresentation), signer: signer)
    }

    static func eddsa(base64url: Bool = false) async -> Fixture {
        let key = Curve25519.Signing.PrivateKey()
        let raw = Array(key.publicKey.rawRepresentation)
        let text = base64url ? base64URL(raw) : Hex.encode(raw)
        let signer = await JWTKeyCollection().add(eddsa: EdDSA.PrivateKey(backing: key))
        return Fixture(config: .init(algorithm: .eddsa, key: text), signer: signer)
    }

    static func make(_ algorithm: JWTKeyConfiguration.Algorithm) async throws -> Fixture {
        switch algorithm {
        case .hs256: await .hmac()
        case .rs256: try await .rsa(RSAKeys.first)
        case .es256: await .es256()
        case .eddsa: await .eddsa()
        default: throw FixtureError.unsupported
        }
    }

    /// Another key of the same algorithm.
    static func other(_ algorithm: JWTKeyConfiguration.Algorithm) async throws -> Fixture {
        switch algorithm {
        case .hs256: await .hmac("another-secret-that-is-long-enough-for-hs256")
        case .rs256: try await .rsa(RSAKeys.second)
        default: try await .make(algorithm)
        }
    }
}

private enum FixtureError: Error { case unsupported }

/// RSA key generation is slow in debug builds; two keys are made once and shared.
private enum RSAKeys {
    static let first = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let second = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
}

private func base64URL(_ bytes: some Sequence<UInt8>) -> String {
    Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

private func base64URL(_ text: String) -> String { base64URL(Array(text.utf8)) }

/// An HS256 token built by hand, byte for byte the way PyJWT builds one, so the verifier is not
/// only ever fed jwt-kit's own output. `header` and `payload` are raw JSON text.
private func handMadeHS256(
    header: String = #"{"alg":"HS256","typ":"JWT"}"#, payload: String, secret: String = hmacSecret
) -> String {
    let signingInput = base64URL(header) + "." + base64URL(payload)
    let mac = HMAC<SHA256>.authenticationCode(
        for: Array(signingInput.utf8), using: SymmetricKey(data: Array(secret.utf8)))
    return signingInput + "." + base64URL(Array(mac))
}

private let hmacSecret = "0123456789abcdef0123456789abcdef-junction"

/// The successful result `verify` should return.
private func accepted(_ authid: String = "alice", _ authrole: String = "user", expiresAt: Int64? = nowSeconds + 3600)
    -> Result<JWTIdentity, JWTRejection>
{
    .success(JWTIdentity(authid: authid, authrole: authrole, expiresAt: expiresAt))
}

private func makeVerifier(_ keys: [JWTKeyConfiguration], configure: (inout JWTAuthConfiguration) -> Void = { _ in })
    throws -> JWTVerifier
{
    var configuration = JWTAuthConfiguration(keys: keys)
    // Most tests are about other claims; `requireExpiryIsTheDefault` covers `exp` being required.
    configuration.requireExpiry = false
    configure(&configuration)
    return try JWTVerifier(configuration: configuration)
}

private func hs256Verifier(configure: (inout JWTAuthConfiguration) -> Void = { _ in }) throws -> JWTVerifier {
    try makeVerifier([.init(algorithm: .hs256, key: hmacSecret)], configure: configure)
}

/// Replaces one character in the middle of segment `index` (0 header, 1 payload, 2 signature).
private func tamper(_ token: String, segment index: Int) -> String {
    var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    var characters = Array(parts[index])
    let middle = characters.count / 2
    characters[middle] = characters[middle] == "A" ? "B" : "A"
    parts[index] = String(characters)
    return parts.joined(separator: ".")
}

private func segments(_ token: String) -> [String] {
    token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
}

// MARK: - Signatures

@Suite struct JWTSignatureTests {
    static let algorithms: [JWTKeyConfiguration.Algorithm] = [.hs256, .rs256, .es256, .eddsa]

    @Test(arguments: algorithms)
    func acceptsValidTokenAndMapsClaims(_ algorithm: JWTKeyConfiguration.Algorithm) async throws {
        let fixture = try await Fixture.make(algorithm)
        let token = try await fixture.sign(Claims(sub: "alice", role: "user", exp: nowSeconds + 60))
        let result = try await makeVerifier([fixture.config]).verify(token, now: now)
        #expect(result == accepted("alice", "user", expiresAt: nowSeconds + 60))
    }

    @Test(arguments: algorithms)
    func refusesOtherKeyAndTampering(_ algorithm: JWTKeyConfiguration.Algorithm) async throws {
        let fixture = try await Fixture.make(algorithm)
        let verifier = try makeVerifier([fixture.config])
        let token = try await fixture.sign()

        let foreign = try await Fixture.other(algorithm).sign()
        #expect(await verifier.verify(foreign, now: now) == .failure(.badSignature))

        // Swap in a payload granting another role, keeping the original signature.
        var parts = segments(token)
        parts[1] = base64URL(#"{"sub":"alice","role":"admin"}"#)
        #expect(await verifier.verify(parts.joined(separator: "."), now: now) == .failure(.badSignature))

        #expect(await verifier.verify(tamper(token, segment: 1), now: now) == .failure(.badSignature))
        #expect(await verifier.verify(tamper(token, segment: 2), now: now) == .failure(.badSignature))
        // A signature from an empty or truncated segment.
        parts = segments(token)
        parts[2] = ""
        #expect(await verifier.verify(parts.joined(separator: "."), now: now) == .failure(.badSignature))
    }

    @Test func eddsaKeyAcceptedAsHexAndBase64URL() async throws {
        for base64url in [false, true] {
            let fixture = await Fixture.eddsa(base64url: base64url)
            #expect(fixture.config.key.utf8.count == (base64url ? 43 : 64))
            let result = try await makeVerifier([fixture.config]).verify(try await fixture.sign(), now: now)
            #expect(result == accepted("alice", "user"))
        }
    }

    @Test func pemKeyMayCarrySurroundingWhitespace() async throws {
        let fixture = try await Fixture.rsa(RSAKeys.first)
        var config = fixture.config
        config.key = "\n  " + config.key + "\n\n"
        let result = try await makeVerifier([config]).verify(try await fixture.sign(), now: now)
        #expect(result.isSuccess)
    }

    @Test func refusesAlgNoneAndUnknownAlgorithms() async throws {
        let verifier = try hs256Verifier()
        let payload = base64URL(#"{"sub":"alice","role":"user"}"#)
        for alg in ["none", "None", "NONE", "hs256", "PS256", "ES512"] {
            let header = base64URL(#"{"alg":"\#(alg)","typ":"JWT"}"#)
            #expect(await verifier.verify(header + "." + payload + ".", now: now) == .failure(.unknownKey))
        }
        // A "none" token carrying a valid HS256 signature over its bytes is still refused.
        let token = handMadeHS256(header: #"{"alg":"none"}"#, payload: #"{"sub":"alice","role":"user"}"#)
        #expect(await verifier.verify(token, now: now) == .failure(.unknownKey))
    }

    @Test func refusesAlgorithmMismatchAndKeyConfusion() async throws {
        let rsa = try await Fixture.rsa(RSAKeys.first)
        // Classic confusion: the RSA public key text used as an HMAC secret.
        let confused = handMadeHS256(payload: #"{"sub":"mallory","role":"admin"}"#, secret: rsa.config.key)
        #expect(try await makeVerifier([rsa.config]).verify(confused, now: now) == .failure(.unknownKey))

        // An HS256-signed token labelled HS512 is not checked with the HS256 key.
        let relabelled = handMadeHS256(header: #"{"alg":"HS512"}"#, payload: #"{"sub":"alice","role":"user"}"#)
        #expect(try await hs256Verifier().verify(relabelled, now: now) == .failure(.unknownKey))
    }

    @Test func verifiesHandMadePyJWTStyleTokens() async throws {
        // Built with Python's hmac/hashlib/base64 exactly as PyJWT 2 serialises (compact JSON).
        let fixed =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJib2IiLCJyb2xlIjoiZnJvbnRlbmQiLCJleHAiOjQxMDI0NDQ4MDAsImF1ZCI6Imp1bmN0aW9uIiwiaXNzIjoiaHR0cHM6Ly9hdXRoLmV4YW1wbGUifQ.VF_9Bw8NCo2XBJ0uIEBjrzo2mFFHltBLIgWY98S30Ps"
        let secret = "pyjwt-interop-secret-0123456789abcdef"
        let verifier = try makeVerifier([.init(algorithm: .hs256, key: secret)]) {
            $0.audience = "junction"
            $0.issuer = "https://auth.example"
        }
        #expect(await verifier.verify(fixed, now: now) == accepted("bob", "frontend", expiresAt: 4_102_444_800))
        #expect(await verifier.verify(tamper(fixed, segment: 2), now: now) == .failure(.badSignature))
        // The last character carries 4 signature bits and 2 unused ones: "s" → "t" only sets an
        // unused bit. A lenient base64url decoder would yield the same bytes and accept it.
        #expect(fixed.hasSuffix("s"))
        #expect(await verifier.verify(String(fixed.dropLast()) + "t", now: now) == .failure(.malformed))

        // The same construction in Swift, with swift-crypto's HMAC.
        let token = handMadeHS256(
            payload: #"{"sub":"carol","role":"backend","exp":\#(nowSeconds + 10),"aud":["x","junction"],"iss":"https://auth.example"}"#,
            secret: secret)
        #expect(await verifier.verify(token, now: now) == accepted("carol", "backend", expiresAt: nowSeconds + 10))
        let otherSecret = handMadeHS256(payload: #"{"sub":"carol","role":"backend"}"#)
        #expect(await verifier.verify(otherSecret, now: now) == .failure(.badSignature))
    }
}

// MARK: - Keys and kid

@Suite struct JWTKeySelectionTests {
    @Test func selectsKeyByKid() async throws {
        let a = await Fixture.hmac("secret-a-0123456789abcdef0123456789", keyID: "a")
        let b = await Fixture.hmac("secret-b-0123456789abcdef0123456789", keyID: "b")
        let verifier = try makeVerifier([a.config, b.config])

        let byB = try await b.sign(kid: "b")
        #expect(await verifier.verify(byB, now: now).isSuccess)
        // Signed by b but naming a: only key a is tried.
        let misnamed = try await b.sign(kid: "a")
        #expect(await verifier.verify(misnamed, now: now) == .failure(.badSignature))
        // No key is named c, and keys with a kid never check tokens without one.
        #expect(await verifier.verify(try await b.sign(kid: "c"), now: now) == .failure(.unknownKey))
        #expect(await verifier.verify(try await b.sign(), now: now) == .failure(.unknownKey))
    }

    @Test func keyWithoutKidChecksEveryToken() async throws {
        let plain = await Fixture.hmac()
        let named = await Fixture.hmac("secret-b-0123456789abcdef0123456789", keyID: "b")
        let verifier = try makeVerifier([named.config, plain.config])
        #expect(await verifier.verify(try await plain.sign(kid: "rotated-2026"), now: now).isSuccess)
        #expect(await verifier.verify(try await plain.sign(kid: "b"), now: now).isSuccess)
        #expect(await verifier.verify(try await plain.sign(), now: now).isSuccess)
        #expect(await verifier.verify(try await named.sign(kid: "b"), now: now).isSuccess)
    }

    @Test func mixedAlgorithmsEachCheckTheirOwnTokens() async throws {
        let ec = await Fixture.es256()
        let ed = await Fixture.eddsa()
        let verifier = try makeVerifier([ec.config, ed.config])
        #expect(await verifier.verify(try await ec.sign(), now: now).isSuccess)
        #expect(await verifier.verify(try await ed.sign(), now: now).isSuccess)
        #expect(await verifier.verify(try await Fixture.hmac().sign(), now: now) == .failure(.unknownKey))
        let noKeys = try hs256Verifier { $0.keys = [] }
        #expect(await noKeys.verify(try await Fixture.hmac().sign(), now: now) == .failure(.unknownKey))
    }

    @Test func invalidKeyMaterialThrowsWithoutQuotingIt() throws {
        let rsaPublic = RSAKeys.first.publicKey.pemRepresentation
        let bad: [JWTKeyConfiguration] = [
            .init(algorithm: .hs256, key: "too-short-secret"),
            .init(algorithm: .hs512, key: hmacSecret),  // 41 bytes < 64
            .init(algorithm: .hs256, key: ""),
            .init(algorithm: .rs256, key: "not a pem at all"),
            .init(algorithm: .rs256, key: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
            .init(algorithm: .rs256, key: RSAKeys.first.pemRepresentation),  // a private key
            .init(algorithm: .es256, key: rsaPublic),
            .init(algorithm: .es384, key: ES256PrivateKey().publicKey.pemRepresentation),
            .init(algorithm: .eddsa, key: String(repeating: "ab", count: 31)),
            .init(algorithm: .eddsa, key: "zz" + String(repeating: "ab", count: 31)),
            .init(algorithm: .eddsa, key: rsaPublic),
            .init(algorithm: .hs256, key: hmacSecret, keyID: ""),
        ]
        for key in bad {
            let good = JWTKeyConfiguration(algorithm: .hs256, key: hmacSecret)
            do {
                _ = try JWTVerifier(configuration: .init(keys: [good, key]))
                Issue.record("accepted \(key)")
            } catch {
                #expect(error.keyIndex == 1)
                #expect(!error.problem.isEmpty)
                if !key.key.isEmpty {
                    #expect(!error.description.contains(key.key))
                }
                #expect(!error.description.contains("AAAA"))
            }
        }
    }

    @Test func keyConfigurationDescriptionRedactsTheKey() {
        let config = JWTKeyConfiguration(algorithm: .hs256, key: hmacSecret, keyID: "k1")
        #expect(!String(describing: config).contains(hmacSecret))
        #expect(!String(reflecting: config).contains(hmacSecret))
        #expect(!String(describing: JWTAuthConfiguration(keys: [config])).contains(hmacSecret))
        var dumped = ""
        dump(config, to: &dumped)
        #expect(!dumped.contains(hmacSecret))
        #expect(String(describing: config).contains("k1"))
    }
}

// MARK: - Claims

@Suite struct JWTClaimTests {
    fileprivate let fixture: Fixture

    init() async { self.fixture = await Fixture.hmac() }

    fileprivate func check(_ claims: Claims, configure: (inout JWTAuthConfiguration) -> Void = { _ in }) async throws
        -> Result<JWTIdentity, JWTRejection>
    {
        let verifier = try makeVerifier([self.fixture.config], configure: configure)
        return await verifier.verify(try await self.fixture.sign(claims), now: now)
    }

    @Test func expiryRespectsLeeway() async throws {
        let leeway5: (inout JWTAuthConfiguration) -> Void = { $0.leeway = 5 }
        let leeway0: (inout JWTAuthConfiguration) -> Void = { $0.leeway = 0 }
        #expect(try await check(Claims(exp: nowSeconds - 10), configure: leeway5) == .failure(.expired))
        #expect(try await check(Claims(exp: nowSeconds - 3), configure: leeway5).isSuccess)
        #expect(try await check(Claims(exp: nowSeconds - 5), configure: leeway5) == .failure(.expired))
        #expect(try await check(Claims(exp: nowSeconds), configure: leeway0) == .failure(.expired))
        #expect(try await check(Claims(exp: nowSeconds + 1), configure: leeway0).isSuccess)
        #expect(try await check(Claims(exp: nowSeconds - 1), configure: { $0.leeway = -30 }) == .failure(.expired))
        // The default leeway is 5 seconds.
        #expect(JWTAuthConfiguration(keys: []).leeway == 5)
        #expect(try await check(Claims(exp: nowSeconds - 4)).isSuccess)
        // No exp: accepted, no expiry reported.
        #expect(try await check(Claims(exp: nil)) == accepted("alice", "user", expiresAt: nil))
    }

    @Test func notBeforeRespectsLeeway() async throws {
        #expect(try await check(Claims(nbf: nowSeconds + 10), configure: { $0.leeway = 5 }) == .failure(.notYetValid))
        #expect(try await check(Claims(nbf: nowSeconds + 3), configure: { $0.leeway = 5 }).isSuccess)
        #expect(try await check(Claims(nbf: nowSeconds + 1), configure: { $0.leeway = 0 }) == .failure(.notYetValid))
        #expect(try await check(Claims(nbf: nowSeconds), configure: { $0.leeway = 0 }).isSuccess)
    }

    @Test func verifiesAgainstTheGivenNowOnly() async throws {
        let verifier = try makeVerifier([self.fixture.config])
        let token = try await self.fixture.sign(Claims(exp: nowSeconds + 60, nbf: nowSeconds - 60))
        #expect(await verifier.verify(token, now: now).isSuccess)
        #expect(await verifier.verify(token, now: now.addingTimeInterval(3600)) == .failure(.expired))
        #expect(await verifier.verify(token, now: now.addingTimeInterval(-3600)) == .failure(.notYetValid))
    }

    @Test func audienceWhenConfigured() async throws {
        let junction: (inout JWTAuthConfiguration) -> Void = { $0.audience = "junction" }
        #expect(try await check(Claims(aud: ["junction"]), configure: junction).isSuccess)
        #expect(try await check(Claims(aud: ["centrifugo", "junction"]), configure: junction).isSuccess)
        #expect(try await check(Claims(aud: ["centrifugo"]), configure: junction) == .failure(.wrongAudience))
        #expect(try await check(Claims(aud: []), configure: junction) == .failure(.wrongAudience))
        #expect(try await check(Claims(aud: nil), configure: junction) == .failure(.wrongAudience))
        // Not configured: aud is ignored.
        #expect(try await check(Claims(aud: ["centrifugo"])).isSuccess)

        // aud as a plain string (hand-made, jwt-kit would send an array here).
        let verifier = try hs256Verifier(configure: junction)
        let single = handMadeHS256(payload: #"{"sub":"alice","role":"user","aud":"junction"}"#)
        #expect(await verifier.verify(single, now: now).isSuccess)
        let wrong = handMadeHS256(payload: #"{"sub":"alice","role":"user","aud":"junction2"}"#)
        #expect(await verifier.verify(wrong, now: now) == .failure(.wrongAudience))
    }

    @Test func issuerWhenConfigured() async throws {
        let issuer: (inout JWTAuthConfiguration) -> Void = { $0.issuer = "https://auth.example" }
        #expect(try await check(Claims(iss: "https://auth.example"), configure: issuer).isSuccess)
        #expect(try await check(Claims(iss: "https://evil.example"), configure: issuer) == .failure(.wrongIssuer))
        #expect(try await check(Claims(iss: nil), configure: issuer) == .failure(.wrongIssuer))
        #expect(try await check(Claims(iss: "https://evil.example")).isSuccess)
    }

    @Test func subjectMustBeAString() async throws {
        #expect(try await check(Claims(sub: nil)) == .failure(.missingSubject))
        #expect(try await check(Claims(sub: "")) == .failure(.missingSubject))
        let verifier = try hs256Verifier()
        for sub in ["42", "true", "null", #"["alice"]"#, #"{"id":"alice"}"#] {
            let token = handMadeHS256(payload: #"{"sub":\#(sub),"role":"user"}"#)
            #expect(await verifier.verify(token, now: now) == .failure(.missingSubject))
        }
    }

    @Test func roleClaimAndDefaultRole() async throws {
        #expect(try await check(Claims(role: nil)) == .failure(.missingRole))
        #expect(try await check(Claims(role: "")) == .failure(.missingRole))
        let withDefault: (inout JWTAuthConfiguration) -> Void = { $0.defaultRole = "anonymous" }
        #expect(try await check(Claims(role: nil), configure: withDefault) == accepted("alice", "anonymous"))
        #expect(try await check(Claims(role: "user"), configure: withDefault) == accepted("alice", "user"))

        // Present but not a string: refused, with or without a default.
        for defaultRole in [nil, "anonymous"] as [String?] {
            let verifier = try hs256Verifier { $0.defaultRole = defaultRole }
            for role in ["1", "true", #"["admin"]"#, #"{"name":"admin"}"#] {
                let token = handMadeHS256(payload: #"{"sub":"alice","role":\#(role)}"#)
                #expect(await verifier.verify(token, now: now) == .failure(.missingRole))
            }
            let null = handMadeHS256(payload: #"{"sub":"alice","role":null}"#)
            let expected = defaultRole == nil ? .failure(.missingRole) : accepted("alice", "anonymous", expiresAt: nil)
            #expect(await verifier.verify(null, now: now) == expected)
        }
    }

    @Test func roleClaimIsConfigurable() async throws {
        let wamp: (inout JWTAuthConfiguration) -> Void = { $0.roleClaim = "wamp_role" }
        #expect(try await check(Claims(role: "user", wampRole: "admin"), configure: wamp) == accepted("alice", "admin"))
        #expect(try await check(Claims(role: "user", wampRole: nil), configure: wamp) == .failure(.missingRole))
        #expect(try await check(Claims(role: "user", wampRole: "admin")) == accepted("alice", "user"))
    }

    @Test func malformedTokensAndClaims() async throws {
        let verifier = try hs256Verifier()
        let payloads = [
            #"{"sub":"alice","role":"user","exp":"1900000000"}"#,
            #"{"sub":"alice","role":"user","exp":true}"#,
            #"{"sub":"alice","role":"user","nbf":"0"}"#,
            #"["sub","alice"]"#,
            "not json",
        ]
        for payload in payloads {
            #expect(await verifier.verify(handMadeHS256(payload: payload), now: now) == .failure(.malformed))
        }
        let audience = try hs256Verifier { $0.audience = "junction" }
        let badAudience = handMadeHS256(payload: #"{"sub":"alice","role":"user","aud":42}"#)
        #expect(await audience.verify(badAudience, now: now) == .failure(.malformed))

        let crit = handMadeHS256(
            header: #"{"alg":"HS256","crit":["b64"],"b64":false}"#, payload: #"{"sub":"a","role":"r"}"#)
        #expect(await verifier.verify(crit, now: now) == .failure(.malformed))
        let numericKid = handMadeHS256(header: #"{"alg":"HS256","kid":7}"#, payload: #"{"sub":"a","role":"r"}"#)
        #expect(await verifier.verify(numericKid, now: now) == .failure(.malformed))

        let good = handMadeHS256(payload: #"{"sub":"alice","role":"user"}"#)
        #expect(await verifier.verify(good, now: now).isSuccess)
        let garbage = [
            "", "ticket", "a.b", "a.b.c", good + ".x", good + "=", "." + good,
            good.replacingOccurrences(of: "_", with: "/"),
        ]
        for token in garbage where token != good {
            #expect(await verifier.verify(token, now: now) == .failure(.malformed), "\(token)")
        }
        let padding = String(repeating: "x", count: 70_000)
        let huge = handMadeHS256(payload: #"{"sub":"alice","role":"user","pad":"\#(padding)"}"#)
        #expect(await verifier.verify(huge, now: now) == .failure(.malformed))
    }

    @Test func fractionalAndHugeExpiry() async throws {
        let verifier = try hs256Verifier()
        let fractional = handMadeHS256(payload: #"{"sub":"a","role":"r","exp":\#(nowSeconds + 100).75}"#)
        #expect(await verifier.verify(fractional, now: now) == accepted("a", "r", expiresAt: nowSeconds + 100))
        let huge = handMadeHS256(payload: #"{"sub":"a","role":"r","exp":1e300}"#)
        #expect(await verifier.verify(huge, now: now) == accepted("a", "r", expiresAt: .max))
    }
}

// MARK: - looksLikeJWT

@Suite struct JWTLooksLikeTests {
    @Test func recognisesJWTs() async throws {
        #expect(JWTVerifier.looksLikeJWT(try await Fixture.hmac().sign()))
        #expect(JWTVerifier.looksLikeJWT(try await Fixture.eddsa().sign()))
        #expect(JWTVerifier.looksLikeJWT(handMadeHS256(payload: #"{"sub":"a"}"#)))
        // alg none (empty signature) still counts, so the router refuses it as a JWT.
        #expect(JWTVerifier.looksLikeJWT(base64URL(#"{"alg":"none"}"#) + "." + base64URL("{}") + "."))
    }

    @Test func rejectsOtherTickets() {
        let payload = base64URL(#"{"sub":"a"}"#)
        for ticket in [
            "", "secret", "my.static.ticket", "a.b", "...",
            base64URL(#"{"typ":"JWT"}"#) + "." + payload + ".sig",  // no alg
            base64URL(#"{"alg":256}"#) + "." + payload + ".sig",  // alg not a string
            base64URL(#"["alg"]"#) + "." + payload + ".sig",  // not an object
            base64URL(#"{"alg":"HS256"}"#) + "." + payload + ".sig.extra",
            base64URL(#"{"alg":"HS256"}"#) + "." + payload + ".si+g",
            base64URL(#"{"alg":"HS256"}"#) + "." + payload + "=.sig",
            base64URL(#"{"alg":"HS256"}"#) + "=." + payload + ".sig",
        ] {
            #expect(!JWTVerifier.looksLikeJWT(ticket), "\(ticket)")
        }
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { true } else { false }
    }
}

@Suite struct JWTExpiryRequirementTests {
    @Test func requireExpiryIsTheDefault() async throws {
        let key = JWTKeyConfiguration(algorithm: .hs256, key: hmacSecret)
        let strict = try JWTVerifier(configuration: JWTAuthConfiguration(keys: [key]))
        let token = handMadeHS256(payload: #"{"sub":"ann","role":"user"}"#)
        #expect(await strict.verify(token) == .failure(.missingExpiry))
        var relaxed = JWTAuthConfiguration(keys: [key])
        relaxed.requireExpiry = false
        #expect(try await JWTVerifier(configuration: relaxed).verify(token).isSuccess)
    }
}
