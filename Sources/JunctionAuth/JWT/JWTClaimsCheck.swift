#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The claim checks of ``JWTVerifier/verify(_:now:)``, run on a payload whose signature already
/// verified. Written out here rather than with jwt-kit's claim types because the role claim's
/// name is configurable and the claim types must be strict (no string-to-number coercion).
struct JWTClaimsCheck {
    var configuration: JWTAuthConfiguration
    var now: Date

    func identity(from claims: [String: JWTJSONValue]) -> Result<JWTIdentity, JWTRejection> {
        let now = self.now.timeIntervalSince1970
        let leeway = Double(max(0, self.configuration.leeway))

        // RFC 7519 §4.1.4: the current time MUST be before `exp`, so a token is dead at `exp`.
        let expiry: Double?
        switch claims["exp"] {
        case nil, .null?: expiry = nil
        case .number(let value)?: expiry = value
        default: return .failure(.malformed)
        }
        if let expiry, now - leeway >= expiry { return .failure(.expired) }
        if expiry == nil, self.configuration.requireExpiry { return .failure(.missingExpiry) }

        // RFC 7519 §4.1.5: the current time MUST be at or after `nbf`.
        switch claims["nbf"] {
        case nil, .null?: break
        case .number(let notBefore)?: if now + leeway < notBefore { return .failure(.notYetValid) }
        default: return .failure(.malformed)
        }

        if let audience = self.configuration.audience {
            switch claims["aud"] {
            case .string(let value)?:
                guard value == audience else { return .failure(.wrongAudience) }
            case .array(let values)?:
                guard values.allSatisfy({ $0.string != nil }) else { return .failure(.malformed) }
                guard values.contains(where: { $0.string == audience }) else { return .failure(.wrongAudience) }
            case nil, .null?:
                return .failure(.wrongAudience)
            default:
                return .failure(.malformed)
            }
        }

        if let issuer = self.configuration.issuer, claims["iss"]?.string != issuer {
            return .failure(.wrongIssuer)
        }

        guard let authid = claims["sub"]?.string, !authid.isEmpty else { return .failure(.missingSubject) }

        let authrole: String
        switch claims[self.configuration.roleClaim] {
        case nil, .null?:
            guard let fallback = self.configuration.defaultRole, !fallback.isEmpty else {
                return .failure(.missingRole)
            }
            authrole = fallback
        case .string(let value)? where !value.isEmpty:
            authrole = value
        default:
            // Present but not a usable string: refused even with a default role, so a role the
            // issuer meant to grant in another shape (an array, a number) is never silently
            // replaced by the default.
            return .failure(.missingRole)
        }

        return .success(JWTIdentity(authid: authid, authrole: authrole, expiresAt: expiry.map(Self.unixSeconds)))
    }

    /// `value` rounded down, clamped to `Int64` (JSON allows an `exp` of 1e300).
    private static func unixSeconds(_ value: Double) -> Int64 {
        let floored = value.rounded(.down)
        if floored >= 9.2e18 { return .max }
        if floored <= -9.2e18 { return .min }
        return Int64(floored)
    }
}
