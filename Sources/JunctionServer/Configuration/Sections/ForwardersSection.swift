import JunctionRouter
import WAMPCore

/// `forwarders`: outgoing event forwarders, each POSTing the events of one topic to a URL
/// (`EventForwarder`).
enum ForwardersSection: ConfigurationSection {
    static let key = "forwarders"
    static let isRequired = false

    static func read(_ reader: inout NodeReader, into draft: inout ConfigurationDraft) throws(ConfigurationError) {
        var forwarders: [EventForwarderConfiguration] = []
        for item in try reader.items(nonEmpty: false) {
            forwarders.append(try self.forwarder(item, realms: draft.configuration.realms))
        }
        draft.configuration.forwarders = forwarders
    }

    private static func forwarder(
        _ node: NodeReader,
        realms: [RealmConfiguration]
    ) throws(ConfigurationError) -> EventForwarderConfiguration {
        try node.allowKeys([
            "realm", "role", "topic", "match", "url", "headers", "timeout", "max_retries", "backoff_initial_ms",
            "backoff_max_ms", "queue_size",
        ])
        let realmName = try node.string("realm")
        guard let realm = realms.first(where: { $0.name == realmName }) else {
            throw node.error("realm", "no realm '\(realmName)' is configured")
        }
        let role = try node.string("role")
        guard realm.roles[role] != nil else { throw node.error("role", "realm '\(realmName)' has no role '\(role)'") }
        let match =
            try node.optionalString("match", oneOf: Set(MatchPolicy.allCases.map(\.rawValue)))
            .flatMap(MatchPolicy.init(rawValue:)) ?? .exact
        let topic = try node.string("topic")
        guard
            URIValidation.isValid(
                topic,
                rules: realm.uriRules,
                allowEmptyComponents: match == .wildcard,
                allowTrailingDot: match == .prefix
            )
        else { throw node.error("topic", "'\(topic)' is not a valid topic for match \(match.rawValue)") }
        let url = try node.string("url")
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > "https://".count else {
            throw node.error("url", "must be an http:// or https:// URL")
        }
        var headers: [String: String] = [:]
        if let headerNode = try node.optionalChild("headers"), let mapping = headerNode.node.mapping {
            for (name, value) in mapping {
                guard let name = name.string, let value = value.string else {
                    throw node.error("headers", "names and values must be strings")
                }
                headers[name] = value
            }
        }
        let defaults = ForwarderRetryPolicy()
        let initial = try node.optionalInt("backoff_initial_ms", range: 1...3_600_000)
        let maximum = try node.optionalInt("backoff_max_ms", range: 1...3_600_000)
        return EventForwarderConfiguration(
            realm: realmName,
            role: role,
            topic: topic,
            match: match,
            url: url,
            headers: headers,
            timeoutSeconds: try node.optionalInt("timeout", range: 1...3600) ?? 10,
            retry: ForwarderRetryPolicy(
                maxRetries: try node.optionalInt("max_retries", range: 0...1000) ?? defaults.maxRetries,
                initialBackoff: initial.map { .milliseconds($0) } ?? defaults.initialBackoff,
                maxBackoff: maximum.map { .milliseconds($0) } ?? defaults.maxBackoff
            ),
            queueSize: try node.optionalInt("queue_size", range: 1...10_000_000) ?? 1000
        )
    }
}
