import Foundation
import JunctionAuth
import JunctionRouter
import WAMPCore

/// A realm's `authentication` key: the principals of each method (ticket, wampcra, cryptosign,
/// tls, jwt) and the dynamic authenticator.
extension RealmsSection {
    static func authentication(_ node: inout NodeReader) throws(ConfigurationError) -> AuthenticationConfiguration {
        try node.allowKeys(["ticket", "wampcra", "cryptosign", "jwt", "tls", "dynamic"])
        let ticket = try self.principals("ticket", in: node, keys: ["authid", "ticket", "role"], self.ticketPrincipal)
        let wampcra = try self.principals(
            "wampcra",
            in: node,
            keys: ["authid", "secret", "role", "salt", "iterations", "keylen"],
            self.wampcraPrincipal
        )
        let cryptosign = try self.principals(
            "cryptosign",
            in: node,
            keys: ["authid", "pubkey", "pubkeys", "role"],
            self.cryptosignPrincipal
        )
        let tls = try self.principals(
            "tls",
            in: node,
            keys: ["authid", "role", "common_name", "fingerprint"],
            self.tlsPrincipal
        )
        var jwt: JWTAuthConfiguration?
        if var section = try node.optionalChild("jwt") {
            jwt = try self.jwt(&section)
        }
        var dynamic: DynamicAuthenticatorConfiguration?
        if let section = try node.optionalChild("dynamic") {
            dynamic = try self.dynamicAuthenticator(section)
        }
        return AuthenticationConfiguration(
            ticket: ticket,
            wampcra: wampcra,
            cryptosign: cryptosign,
            jwt: jwt,
            tls: tls,
            dynamic: dynamic
        )
    }

    /// The `principals` of method `key` (none if the method is absent), each checked against `keys`
    /// and read by `principal`.
    private static func principals<Principal>(
        _ key: String,
        in node: NodeReader,
        keys: Set<String>,
        _ principal: (NodeReader) throws(ConfigurationError) -> Principal
    ) throws(ConfigurationError) -> [Principal] {
        guard let section = try node.optionalChild(key) else { return [] }
        try section.allowKeys(["principals"])
        var principals: [Principal] = []
        for entry in try section.list("principals", nonEmpty: true) {
            try entry.allowKeys(keys)
            principals.append(try principal(entry))
        }
        return principals
    }

    private static func ticketPrincipal(_ principal: NodeReader) throws(ConfigurationError) -> TicketPrincipal {
        TicketPrincipal(
            authid: try principal.string("authid"),
            ticket: try principal.string("ticket"),
            role: try principal.string("role")
        )
    }

    private static func wampcraPrincipal(_ principal: NodeReader) throws(ConfigurationError) -> WAMPCRAPrincipal {
        var salt: WAMPCRA.Salt?
        if let text = try principal.optionalString("salt") {
            salt = WAMPCRA.Salt(
                salt: text,
                iterations: try principal.optionalInt("iterations", range: 1...1_000_000) ?? 1000,
                keylen: try principal.optionalInt("keylen", range: 1...1024) ?? 32
            )
        } else {
            let iterations = try principal.optionalInt("iterations", range: 0...Int.max)
            let keylen = try principal.optionalInt("keylen", range: 0...Int.max)
            if iterations != nil || keylen != nil {
                throw principal.error("salt", "'iterations' and 'keylen' need a 'salt'")
            }
        }
        return WAMPCRAPrincipal(
            authid: try principal.string("authid"),
            secret: try principal.string("secret"),
            role: try principal.string("role"),
            salt: salt
        )
    }

    private static func cryptosignPrincipal(_ principal: NodeReader) throws(ConfigurationError) -> CryptosignPrincipal {
        var keys = try principal.optionalFreeStringList("pubkeys") ?? []
        if let key = try principal.optionalString("pubkey") { keys.append(key) }
        guard !keys.isEmpty else { throw principal.error("pubkey", "missing ('pubkey' or 'pubkeys')") }
        for key in keys where key.utf8.count != 64 || Hex.decode(key) == nil {
            throw principal.error("pubkey", "an Ed25519 public key is 64 hex digits")
        }
        return CryptosignPrincipal(
            authid: try principal.string("authid"),
            publicKeys: keys,
            role: try principal.string("role")
        )
    }

    private static func tlsPrincipal(_ principal: NodeReader) throws(ConfigurationError) -> TLSPrincipal {
        let commonName = try principal.optionalString("common_name")
        let fingerprint = try principal.optionalString("fingerprint")
        guard commonName != nil || fingerprint != nil else {
            throw principal.error("common_name", "a tls principal needs 'common_name' or 'fingerprint'")
        }
        if let fingerprint {
            let digits = fingerprint.filter { $0 != ":" }
            guard digits.utf8.count == 64, Hex.decode(digits) != nil else {
                throw principal.error(
                    "fingerprint",
                    "a SHA-256 fingerprint is 64 hex digits (colons between bytes allowed)"
                )
            }
        }
        return TLSPrincipal(
            authid: try principal.optionalString("authid") ?? commonName ?? fingerprint!,
            role: try principal.string("role"),
            commonName: commonName,
            fingerprint: fingerprint
        )
    }

    private static func dynamicAuthenticator(
        _ section: NodeReader
    ) throws(ConfigurationError) -> DynamicAuthenticatorConfiguration {
        try section.allowKeys(["procedure", "realm", "methods", "timeout"])
        let procedure = try section.string("procedure")
        guard URIValidation.isValid(procedure) else { throw section.error("procedure", "not a valid URI") }
        let methods = try section.stringList(
            "methods",
            oneOf: Set(AuthMethod.allCases.filter { $0 != .anonymous }.map(\.rawValue))
        )
        return DynamicAuthenticatorConfiguration(
            procedure: procedure,
            realm: try section.optionalString("realm"),
            methods: Set(methods.compactMap(AuthMethod.init(rawValue:))),
            timeoutMilliseconds: (try section.optionalInt("timeout", range: 1...300) ?? 5) * 1000
        )
    }

    private static func jwt(_ node: inout NodeReader) throws(ConfigurationError) -> JWTAuthConfiguration {
        try node.allowKeys(["keys", "audience", "issuer", "role_claim", "default_role", "leeway", "require_exp"])
        var keys: [JWTKeyConfiguration] = []
        for key in try node.list("keys", nonEmpty: true) {
            try key.allowKeys(["algorithm", "secret", "public_key", "public_key_file", "kid"])
            let name = try key.string("algorithm", oneOf: Set(JWTKeyConfiguration.Algorithm.allCases.map(\.rawValue)))
            let algorithm = JWTKeyConfiguration.Algorithm(rawValue: name)!
            let material: String
            switch algorithm {
            case .hs256, .hs384, .hs512:
                material = try key.string("secret")
            default:
                if let path = try key.optionalString("public_key_file") {
                    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                        throw key.error("public_key_file", "cannot read '\(path)'")
                    }
                    material = text
                } else {
                    material = try key.string("public_key")
                }
            }
            keys.append(JWTKeyConfiguration(algorithm: algorithm, key: material, keyID: try key.optionalString("kid")))
        }
        var configuration = JWTAuthConfiguration(keys: keys)
        configuration.audience = try node.optionalString("audience")
        configuration.issuer = try node.optionalString("issuer")
        configuration.roleClaim = try node.optionalString("role_claim") ?? configuration.roleClaim
        configuration.defaultRole = try node.optionalString("default_role")
        configuration.leeway = try node.optionalInt("leeway", range: 0...3600) ?? configuration.leeway
        if let require = try node.optionalString("require_exp", oneOf: ["true", "false"]) {
            configuration.requireExpiry = require == "true"
        }
        do {
            _ = try JWTVerifier(configuration: configuration)
        } catch {
            throw ConfigurationError(key: "\(node.path).keys[\(error.keyIndex)]", line: nil, problem: error.problem)
        }
        return configuration
    }
}
