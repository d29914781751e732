import JWTKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Verifies JWTs that WAMP clients present as their `ticket` (Centrifugo-style token auth).
///
/// Signatures are checked with jwt-kit's algorithms; the header, the key choice and the claims
/// are handled here so that: a key only ever checks its own `alg` (no `none`, no algorithm
/// confusion, no fallback from an unknown `kid` to some default key), claim types are strict,
/// and expiry is judged against the `now` the caller passes. Nothing here logs, and no error or
/// rejection carries the token or key text.
public final class JWTVerifier: Sendable {
    private struct Slot: Sendable {
        var algorithm: JWTKeyConfiguration.Algorithm
        var keyID: String?
        var verifier: (any JWTAlgorithm)?
    }

    private let configuration: JWTAuthConfiguration
    /// jwt-kit only hands out its algorithm objects through the `JWTKeyCollection` actor, so they
    /// are fetched once, asynchronously, after the keys were parsed synchronously in `init`.
    private let slots: Task<[Slot], Never>

    /// Parses every configured key, so a bad key fails at startup rather than at the first login.
    ///
    /// - Throws: ``JWTConfigurationError`` naming the first unusable key (by index) and why,
    ///   without quoting the key.
    public init(configuration: JWTAuthConfiguration) throws(JWTConfigurationError) {
        var parsed: [(JWTKeyConfiguration, ParsedJWTKey)] = []
        for (index, key) in configuration.keys.enumerated() {
            do {
                parsed.append((key, try ParsedJWTKey(key)))
            } catch {
                throw JWTConfigurationError(keyIndex: index, problem: error.text)
            }
            if let keyID = key.keyID, keyID.isEmpty {
                throw JWTConfigurationError(keyIndex: index, problem: "keyID is empty; omit it instead")
            }
        }
        self.configuration = configuration
        self.slots = Task {
            var slots: [Slot] = []
            for (key, parsedKey) in parsed {
                let verifier = await parsedKey.algorithm(expected: key.algorithm)
                slots.append(Slot(algorithm: key.algorithm, keyID: key.keyID, verifier: verifier))
            }
            return slots
        }
    }

    /// Verifies `token` and maps it to a WAMP identity.
    ///
    /// Order: header (`alg` must be one of ``JWTKeyConfiguration/Algorithm`` and match a key's
    /// algorithm; `kid`, when a key has one, must match it), signature, then `exp` / `nbf`
    /// against `now` with ``JWTAuthConfiguration/leeway``, `aud`, `iss`, `sub` → authid and the
    /// role claim → authrole. The claims are only read after the signature checked out.
    ///
    /// - Parameter now: the current time; tests pass a fixed one.
    public func verify(_ token: String, now: Date = Date()) async -> Result<JWTIdentity, JWTRejection> {
        guard let compact = JWTCompactToken(token),
            let alg = compact.header["alg"]?.string,
            compact.header["crit"] == nil
        else { return .failure(.malformed) }
        let kid: String?
        switch compact.header["kid"] {
        case nil, .null?: kid = nil
        case .string(let value)?: kid = value
        default: return .failure(.malformed)
        }
        // Exact, case-sensitive match: "none", "None", "PS256" and the like have no key.
        guard let algorithm = JWTKeyConfiguration.Algorithm(rawValue: alg) else { return .failure(.unknownKey) }

        let slots = await self.slots.value.filter { $0.algorithm == algorithm }
        // Keys naming this kid first, then the keys without a kid.
        let candidates =
            slots.filter { $0.keyID != nil && $0.keyID == kid } + slots.filter { $0.keyID == nil }
        guard !candidates.isEmpty else { return .failure(.unknownKey) }

        guard let signature = JWTBase64URL.decode(compact.encodedSignature) else { return .failure(.malformed) }
        let verified = candidates.contains { slot in
            (try? slot.verifier?.verify(signature, signs: compact.signingInput)) == true
        }
        guard verified else { return .failure(.badSignature) }

        guard let payloadBytes = JWTBase64URL.decode(compact.encodedPayload),
            case .object(let claims)? = JWTJSONValue.parse(payloadBytes)
        else { return .failure(.malformed) }
        return JWTClaimsCheck(configuration: self.configuration, now: now).identity(from: claims)
    }

    /// A cheap syntactic check: three dot-separated base64url segments, the first decoding to a
    /// JSON object with a string `alg`. No key or claim is looked at.
    ///
    /// WAMP's `ticket` method carries an opaque string, so a router offering both static tickets
    /// and JWTs has to tell them apart before choosing a verifier. Anything this accepts should
    /// be verified as a JWT (and refused if it fails) rather than compared as a static ticket;
    /// an empty signature segment (`alg: none`) still counts, so such tokens reach ``verify``
    /// and are refused there.
    public static func looksLikeJWT(_ ticket: String) -> Bool {
        guard let compact = JWTCompactToken(ticket), case .string? = compact.header["alg"] else { return false }
        return JWTBase64URL.decode(compact.encodedPayload) != nil
            && JWTBase64URL.decode(compact.encodedSignature) != nil
    }
}
