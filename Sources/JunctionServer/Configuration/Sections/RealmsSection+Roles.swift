import JunctionRouter
import WAMPCore

/// A realm's `roles`: what each role may do, as `permissions` (with `disclose`) or an `authorizer`.
extension RealmsSection {
    /// One role: `permissions` (each with `uri`, `match`, `allow`, `disclose`) or an `authorizer`.
    static func role(_ node: inout NodeReader) throws(ConfigurationError) -> (Role, trustLevel: Int?) {
        try node.allowKeys(["name", "permissions", "trust_level", "authorizer"])
        let name = try node.string("name")
        var permissions: [Permission] = []
        for permission in try node.list("permissions", nonEmpty: false) {
            try permission.allowKeys(["uri", "match", "allow", "disclose"])
            let uri = try permission.string("uri")
            let match = try permission.optionalString("match", oneOf: ["exact", "prefix", "wildcard"]) ?? "exact"
            let allow = try permission.stringList("allow", oneOf: Set(Permission.Action.allCases.map(\.rawValue)))
            let disclose =
                try permission.optionalStringList(
                    "disclose",
                    oneOf: Set(Permission.Disclosure.allCases.map(\.rawValue))
                ) ?? []
            permissions.append(
                Permission(
                    uri: uri,
                    match: MatchPolicy(rawValue: match)!,
                    allow: Set(allow.compactMap(Permission.Action.init(rawValue:))),
                    disclose: Set(disclose.compactMap(Permission.Disclosure.init(rawValue:)))
                )
            )
        }
        var authorizer: AuthorizerConfiguration?
        if let section = try node.optionalChild("authorizer") {
            try section.allowKeys(["procedure", "cache_ttl", "timeout"])
            let procedure = try section.string("procedure")
            guard URIValidation.isValid(procedure) else { throw section.error("procedure", "not a valid URI") }
            authorizer = AuthorizerConfiguration(
                procedure: procedure,
                cacheTTLSeconds: try section.optionalInt("cache_ttl", range: 0...86_400) ?? 60,
                timeoutMilliseconds: (try section.optionalInt("timeout", range: 1...300) ?? 5) * 1000
            )
            if !permissions.isEmpty {
                throw node.error("authorizer", "a role has either 'permissions' or an 'authorizer', not both")
            }
        }
        let trustLevel = try node.optionalInt("trust_level", range: 0...Int(Int32.max))
        return (Role(name: name, permissions: permissions, authorizer: authorizer), trustLevel)
    }
}
