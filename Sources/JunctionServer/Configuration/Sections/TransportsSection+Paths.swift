import HTTPBridgeCore
import JunctionRouter
import WAMPCore
import Yams

/// A `websocket` listener's `paths`: each key an HTTP path (`/publish`; Crossbar's `publish`
/// without the slash is accepted too), each value a service with a `type` and its settings.
extension TransportsSection {
    static func paths(
        _ listener: NodeReader,
        realms: [RealmConfiguration]
    ) throws(ConfigurationError) -> [String: HTTPPathService] {
        guard let reader = listener.section("paths") else { return [:] }
        guard let mapping = reader.node.mapping else { throw listener.error("paths", "expected a mapping") }
        guard !mapping.isEmpty else { throw listener.error("paths", "must not be empty") }
        var paths: [String: HTTPPathService] = [:]
        for (keyNode, _) in mapping {
            guard let key = keyNode.string else { throw listener.error("paths", "every key must be a path") }
            let path = key.hasPrefix("/") ? key : "/" + key
            guard !path.contains("?"), !path.contains("#"), path == "/" || !path.hasSuffix("/") else {
                throw reader.error(key, "a path has no query, fragment or trailing '/'")
            }
            guard paths[path] == nil else { throw reader.error(key, "path \(path) is given twice") }
            guard let service = try reader.optionalChild(key) else { throw reader.error(key, "expected a mapping") }
            paths[path] = try self.pathService(service, realms: realms)
        }
        return paths
    }

    private static func pathService(
        _ node: NodeReader,
        realms: [RealmConfiguration]
    ) throws(ConfigurationError) -> HTTPPathService {
        let type = try node.string("type", oneOf: Set(HTTPPathService.typeNames))
        switch type {
        case "wamp":
            try node.allowKeys(["type"])
            return .wamp
        case "mqtt":
            var node = node
            try node.allowKeys(["type", "realm", "limits", "payload"])
            return .mqtt(try self.mqttEndpoint(&node))
        case "publisher", "caller":
            try node.allowKeys(["type", "realm", "role", "options"])
            let bridge = try self.bridge(node, realms: realms, extraOptions: [])
            return type == "publisher" ? .publisher(bridge) : .caller(bridge)
        case "webhook":
            try node.allowKeys(["type", "realm", "role", "options"])
            let bridge = try self.bridge(
                node,
                realms: realms,
                extraOptions: ["topic", "success_response", "error_response"]
            )
            guard let options = try node.optionalChild("options") else {
                throw node.error("options", "missing (needs 'topic')")
            }
            let topic = try options.string("topic")
            let rules = realms.first { $0.name == bridge.realm }?.uriRules ?? .loose
            guard URIValidation.isValid(topic, rules: rules) else {
                throw options.error("topic", "'\(topic)' is not a valid topic URI")
            }
            return .webhook(
                WebhookPath(
                    bridge: bridge,
                    topic: topic,
                    successResponse: try options.optionalString("success_response") ?? "OK",
                    errorResponse: try options.optionalString("error_response") ?? "NOT OK"
                )
            )
        case "metrics", "health", "ready":
            try node.allowKeys(["type"])
            return type == "metrics" ? .metrics : type == "health" ? .health : .ready
        case "dashboard":
            try node.allowKeys(["type", "directory"])
            return .dashboard(directory: try node.optionalString("directory"))
        default:
            try node.allowKeys(["type", "directory"])
            return .static(directory: try node.string("directory"))
        }
    }

    private static func bridge(
        _ node: NodeReader,
        realms: [RealmConfiguration],
        extraOptions: Set<String>
    ) throws(ConfigurationError) -> BridgePath {
        let realmName = try node.string("realm")
        guard let realm = realms.first(where: { $0.name == realmName }) else {
            throw node.error("realm", "no realm '\(realmName)' is configured")
        }
        let role = try node.string("role")
        guard realm.roles[role] != nil else {
            throw node.error("role", "realm '\(realmName)' has no role '\(role)'")
        }
        var options = BridgeOptions()
        if let reader = try node.optionalChild("options") {
            try reader.allowKeys(
                Set(["key", "secret", "post_body_limit", "timestamp_delta_limit", "require_ip", "require_tls"])
                    .union(extraOptions)
            )
            options.key = try reader.optionalString("key")
            options.secret = try reader.optionalString("secret")
            guard (options.key == nil) == (options.secret == nil) else {
                throw reader.error(
                    options.key == nil ? "key" : "secret",
                    "signed requests need both 'key' and 'secret'"
                )
            }
            options.postBodyLimit = try reader.optionalInt("post_body_limit", range: 0...(1 << 30)) ?? 0
            options.timestampDeltaLimit =
                try reader.optionalInt("timestamp_delta_limit", range: 0...(365 * 86400)) ?? 300
            for network in try reader.optionalFreeStringList("require_ip") ?? [] {
                guard let parsed = IPNetwork(cidr: network) else {
                    throw reader.error("require_ip", "'\(network)' is not an IP network (a.b.c.d/n, x::y/n)")
                }
                options.requireIP.append(parsed)
            }
            options.requireTLS = try reader.optionalBool("require_tls") ?? false
        }
        return BridgePath(realm: realmName, role: role, options: options)
    }
}

extension NodeReader {
    func optionalBool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = self.section(key) else { return nil }
        guard let flag = value.node.bool else { throw self.error(key, "expected true or false") }
        return flag
    }
}
