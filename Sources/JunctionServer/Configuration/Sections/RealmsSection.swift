import JunctionRouter
import WAMPCore

/// `realms`: one entry per realm, with its roles (`RealmsSection+Roles`), authentication
/// (`RealmsSection+Authentication`), URI rules, slow-consumer policy and event history.
enum RealmsSection: ConfigurationSection {
    static let key = "realms"
    static let isRequired = true

    static func read(_ reader: inout NodeReader, into draft: inout ConfigurationDraft) throws(ConfigurationError) {
        var realms: [RealmConfiguration] = []
        for var realm in try reader.items(nonEmpty: true) {
            realms.append(try self.realm(&realm, sessionLimits: draft.sessionLimits))
        }
        var names = Set<String>()
        for (index, realm) in realms.enumerated() where !names.insert(realm.name).inserted {
            throw ConfigurationError(
                key: "realms[\(index)].name",
                line: nil,
                problem: "duplicate realm '\(realm.name)'"
            )
        }
        draft.configuration.realms = realms
    }

    private static func realm(
        _ node: inout NodeReader,
        sessionLimits: SessionLimits
    ) throws(ConfigurationError) -> RealmConfiguration {
        try node.allowKeys([
            "name", "roles", "anonymous_role", "uri_check", "slow_consumer", "disclosure", "event_history",
            "authentication",
        ])
        let name = try node.string("name")
        guard URIValidation.isValid(name) else {
            throw node.error("name", "'\(name)' is not a valid realm URI")
        }
        var roles: [Role] = []
        var trustLevels: [String: Int] = [:]
        for var roleNode in try node.list("roles", nonEmpty: false) {
            let (role, trustLevel) = try self.role(&roleNode)
            roles.append(role)
            if let trustLevel { trustLevels[role.name] = trustLevel }
        }
        var authentication = AuthenticationConfiguration()
        if var section = try node.optionalChild("authentication") {
            authentication = try self.authentication(&section)
        }
        let anonymous = try node.optionalString("anonymous_role") ?? "anonymous"
        let uriCheck = try node.optionalString("uri_check", oneOf: ["loose", "strict"]) ?? "loose"
        let slowConsumer = try node.optionalString("slow_consumer", oneOf: ["drop", "disconnect"]) ?? "drop"
        let disclosure =
            try node.optionalString("disclosure", oneOf: Set(DisclosurePolicy.allCases.map(\.rawValue))) ?? "on_request"
        var eventHistory: [EventHistoryRule] = []
        for var rule in try node.list("event_history", nonEmpty: false) {
            eventHistory.append(try self.eventHistoryRule(&rule))
        }
        return RealmConfiguration(
            name: name,
            roles: roles,
            anonymousRole: anonymous.isEmpty ? nil : anonymous,
            uriRules: URIRules(rawValue: uriCheck)!,
            slowConsumer: SlowConsumerPolicy(rawValue: slowConsumer)!,
            sessionLimits: sessionLimits,
            eventHistory: eventHistory,
            disclosure: DisclosurePolicy(rawValue: disclosure)!,
            trustLevels: trustLevels,
            authentication: authentication
        )
    }

    /// One `event_history` entry: which topics keep their last events, how many and how long.
    private static func eventHistoryRule(_ rule: inout NodeReader) throws(ConfigurationError) -> EventHistoryRule {
        try rule.allowKeys(["uri", "match", "limit", "max_age"])
        let match = try rule.optionalString("match", oneOf: ["exact", "prefix", "wildcard"]) ?? "exact"
        return EventHistoryRule(
            uri: try rule.string("uri"),
            match: MatchPolicy(rawValue: match)!,
            limit: try rule.optionalInt("limit", range: 1...1_000_000),
            maxAge: try rule.optionalInt("max_age", range: 1...(366 * 86_400))
        )
    }
}
