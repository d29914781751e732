import JunctionRouter
import WAMPCore
import Yams

/// A configuration file that cannot be used, naming the offending key and line.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var line: Int?
    public var problem: String

    public var description: String {
        let location = self.line.map { " (line \($0))" } ?? ""
        return "\(self.key)\(location): \(self.problem)"
    }
}

/// Reads `JunctionConfiguration` from YAML (JSON is valid YAML, so it is accepted too).
///
/// Every key is checked: unknown keys are errors, so a typo never silently falls back to a default.
public enum ConfigurationLoader {
    public static func load(yaml text: String) throws(ConfigurationError) -> JunctionConfiguration {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigurationError(key: "(document)", line: nil, problem: "the file is empty")
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(key: "(document)", line: nil, problem: "not valid YAML or JSON: \(error)")
        }
        var reader = NodeReader(node: root, path: "")
        return try self.configuration(&reader)
    }

    private static func configuration(_ root: inout NodeReader) throws(ConfigurationError) -> JunctionConfiguration {
        try root.allowKeys(["router", "realms", "transports", "limits"])
        var configuration = JunctionConfiguration(realms: [], transports: [])
        var sessionLimits = SessionLimits()
        if var router = try root.optionalChild("router") {
            try router.allowKeys(["event_loops", "log_level"])
            configuration.eventLoops = try router.optionalInt("event_loops", range: 0...1024) ?? 0
            configuration.logLevel =
                try router.optionalString("log_level", oneOf: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
                ?? "info"
        }
        if var limits = try root.optionalChild("limits") {
            try limits.allowKeys([
                "max_message_size", "outbound_queue_bytes", "outbound_queue_messages", "max_pending_calls_per_session",
                "max_subscriptions_per_session", "max_registrations_per_session", "hello_timeout",
                "pre_session_max_message_size", "max_pending_sessions", "auth_failure_delay_ms", "max_auth_failures",
                "auth_failure_window",
            ])
            let defaults = configuration.limits
            configuration.limits.helloTimeout = try limits.optionalInt("hello_timeout", range: 1...3600) ?? defaults.helloTimeout
            configuration.limits.preSessionMaxMessageSize =
                try limits.optionalInt("pre_session_max_message_size", range: 512...(1 << 30))
                ?? defaults.preSessionMaxMessageSize
            configuration.limits.maxPendingSessions =
                try limits.optionalInt("max_pending_sessions", range: 1...10_000_000) ?? defaults.maxPendingSessions
            configuration.limits.authFailureDelayMilliseconds =
                try limits.optionalInt("auth_failure_delay_ms", range: 0...60_000) ?? defaults.authFailureDelayMilliseconds
            configuration.limits.maxAuthFailures =
                try limits.optionalInt("max_auth_failures", range: 1...1_000_000) ?? defaults.maxAuthFailures
            configuration.limits.authFailureWindow =
                try limits.optionalInt("auth_failure_window", range: 1...86_400) ?? defaults.authFailureWindow
            configuration.limits.maxMessageSize =
                try limits.optionalInt("max_message_size", range: 512...(1 << 30)) ?? configuration.limits.maxMessageSize
            configuration.limits.outboundQueueBytes =
                try limits.optionalInt("outbound_queue_bytes", range: 1024...(1 << 32))
                ?? configuration.limits.outboundQueueBytes
            configuration.limits.outboundQueueMessages =
                try limits.optionalInt("outbound_queue_messages", range: 1...(1 << 30))
                ?? configuration.limits.outboundQueueMessages
            sessionLimits.maxPendingCalls =
                try limits.optionalInt("max_pending_calls_per_session", range: 1...(1 << 30)) ?? sessionLimits.maxPendingCalls
            sessionLimits.maxSubscriptions =
                try limits.optionalInt("max_subscriptions_per_session", range: 1...(1 << 30))
                ?? sessionLimits.maxSubscriptions
            sessionLimits.maxRegistrations =
                try limits.optionalInt("max_registrations_per_session", range: 1...(1 << 30))
                ?? sessionLimits.maxRegistrations
        }
        for var realm in try root.list("realms", nonEmpty: true) {
            configuration.realms.append(try self.realm(&realm, sessionLimits: sessionLimits))
        }
        var names = Set<String>()
        for (index, realm) in configuration.realms.enumerated() where !names.insert(realm.name).inserted {
            throw ConfigurationError(key: "realms[\(index)].name", line: nil, problem: "duplicate realm '\(realm.name)'")
        }
        for var transport in try root.list("transports", nonEmpty: true) {
            configuration.transports.append(try self.transport(&transport))
        }
        return configuration
    }

    private static func realm(
        _ node: inout NodeReader, sessionLimits: SessionLimits
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
            try rule.allowKeys(["uri", "match", "limit", "max_age"])
            let match = try rule.optionalString("match", oneOf: ["exact", "prefix", "wildcard"]) ?? "exact"
            eventHistory.append(
                EventHistoryRule(
                    uri: try rule.string("uri"), match: MatchPolicy(rawValue: match)!,
                    limit: try rule.optionalInt("limit", range: 1...1_000_000),
                    maxAge: try rule.optionalInt("max_age", range: 1...(366 * 86_400))))
        }
        return RealmConfiguration(
            name: name, roles: roles, anonymousRole: anonymous.isEmpty ? nil : anonymous,
            uriRules: URIRules(rawValue: uriCheck)!, slowConsumer: SlowConsumerPolicy(rawValue: slowConsumer)!,
            sessionLimits: sessionLimits, eventHistory: eventHistory, disclosure: DisclosurePolicy(rawValue: disclosure)!,
            trustLevels: trustLevels, authentication: authentication)
    }

    private static func transport(_ node: inout NodeReader) throws(ConfigurationError) -> TransportConfiguration {
        let type = try node.string("type", oneOf: ["websocket", "rawsocket"])
        let serializerNames = try node.optionalStringList("serializers", oneOf: ["json", "msgpack", "cbor"])
        let serializers = serializerNames?.compactMap(SerializerKind.init(name:)) ?? SerializerKind.allCases
        let maxMessageSize = try node.optionalInt("max_message_size", range: 512...(1 << 30))
        var liveness = Liveness()
        liveness.pingInterval = try node.optionalInt("ping_interval", range: 0...86400) ?? liveness.pingInterval
        liveness.pingTimeout = try node.optionalInt("ping_timeout", range: 1...86400) ?? liveness.pingTimeout
        liveness.maxConnections = try node.optionalInt("max_connections", range: 1...10_000_000) ?? liveness.maxConnections
        let common: Set<String> = [
            "type", "host", "port", "serializers", "max_message_size", "ping_interval", "ping_timeout", "max_connections",
            "tls", "auth_methods",
        ]
        let authMethods = try node.optionalStringList("auth_methods", oneOf: Set(AuthMethod.allCases.map(\.rawValue)))
            .map { Set($0.compactMap(AuthMethod.init(rawValue:))) }
        var tls: TLSListenerConfiguration?
        if let tlsNode = try node.optionalChild("tls") {
            try tlsNode.allowKeys(["certificate", "key", "ca_certificates", "client_certificate"])
            var settings = TLSListenerConfiguration(
                certificatePath: try tlsNode.string("certificate"), keyPath: try tlsNode.string("key"),
                caCertificatesPath: try tlsNode.optionalString("ca_certificates"))
            let policies = TLSListenerConfiguration.ClientCertificatePolicy.allCases
            let policy = try tlsNode.optionalString("client_certificate", oneOf: Set(policies.map(\.rawValue))) ?? "none"
            settings.clientCertificate = TLSListenerConfiguration.ClientCertificatePolicy(rawValue: policy)!
            if settings.clientCertificate != .none, settings.caCertificatesPath == nil {
                throw tlsNode.error(
                    "client_certificate", "'\(policy)' needs 'ca_certificates' (the CAs client certificates must chain to)")
            }
            if let problem = TLSContextFactory.certificateProblem(at: settings.certificatePath) {
                throw tlsNode.error("certificate", problem)
            }
            if let problem = TLSContextFactory.privateKeyProblem(at: settings.keyPath) {
                throw tlsNode.error("key", problem)
            }
            if let path = settings.caCertificatesPath, let problem = TLSContextFactory.certificateProblem(at: path) {
                throw tlsNode.error("ca_certificates", problem)
            }
            if let problem = TLSContextFactory.contextProblem(settings) {
                throw node.error("tls", problem)
            }
            tls = settings
        }
        switch type {
        case "websocket":
            try node.allowKeys(common.union(["path"]))
            let path = try node.optionalString("path") ?? "/ws"
            guard path.hasPrefix("/") else { throw node.error("path", "must start with '/'") }
            var listener = WebSocketListener(
                host: try node.optionalString("host") ?? "127.0.0.1", port: try node.int("port", range: 0...65535),
                path: path, serializers: serializers, maxMessageSize: maxMessageSize)
            listener.liveness = liveness
            listener.tls = tls
            listener.authMethods = authMethods
            return .webSocket(listener)
        default:
            try node.allowKeys(common.union(["unix"]))
            let endpoint: RawSocketListener.Endpoint
            if let path = try node.optionalString("unix") {
                guard try node.optionalInt("port", range: 0...65535) == nil else {
                    throw node.error("unix", "a rawsocket transport has either 'unix' or 'port', not both")
                }
                endpoint = .unix(path: path)
                guard tls == nil else { throw node.error("tls", "TLS needs a TCP endpoint (host/port), not 'unix'") }
            } else {
                endpoint = .tcp(
                    host: try node.optionalString("host") ?? "127.0.0.1", port: try node.int("port", range: 0...65535))
            }
            var listener = RawSocketListener(endpoint: endpoint, serializers: serializers, maxMessageSize: maxMessageSize)
            listener.liveness = liveness
            listener.tls = tls
            listener.authMethods = authMethods
            return .rawSocket(listener)
        }
    }
}

/// Typed access to a YAML node that names the key path in every error.
struct NodeReader {
    let node: Node
    let path: String

    private func keyPath(_ key: String) -> String { self.path.isEmpty ? key : "\(self.path).\(key)" }

    func error(_ key: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(key: self.keyPath(key), line: self.value(key)?.mark.map { $0.line }, problem: problem)
    }

    private func value(_ key: String) -> Node? {
        self.node.mapping?[Node(key)]
    }

    func allowKeys(_ allowed: Set<String>) throws(ConfigurationError) {
        guard let mapping = self.node.mapping else {
            throw ConfigurationError(
                key: self.path.isEmpty ? "(document)" : self.path, line: self.node.mark?.line, problem: "expected a mapping")
        }
        for key in mapping.keys {
            guard let name = key.string, allowed.contains(name) else {
                throw ConfigurationError(
                    key: self.keyPath(key.string ?? "?"), line: key.mark?.line,
                    problem: "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    func optionalChild(_ key: String) throws(ConfigurationError) -> NodeReader? {
        guard let value = self.value(key) else { return nil }
        guard value.mapping != nil else { throw self.error(key, "expected a mapping") }
        return NodeReader(node: value, path: self.keyPath(key))
    }

    func list(_ key: String, nonEmpty: Bool) throws(ConfigurationError) -> [NodeReader] {
        guard let value = self.value(key) else {
            if nonEmpty { throw self.error(key, "missing") }
            return []
        }
        guard let sequence = value.sequence else { throw self.error(key, "expected a list") }
        if nonEmpty && sequence.isEmpty { throw self.error(key, "must not be empty") }
        return sequence.enumerated().map { NodeReader(node: $1, path: "\(self.keyPath(key))[\($0)]") }
    }

    func optionalString(_ key: String, oneOf allowed: Set<String>? = nil) throws(ConfigurationError) -> String? {
        guard let value = self.value(key) else { return nil }
        guard let scalar = value.scalar else { throw self.error(key, "expected a string") }
        if let allowed, !allowed.contains(scalar.string) {
            throw self.error(key, "'\(scalar.string)' is not one of \(allowed.sorted().joined(separator: ", "))")
        }
        return scalar.string
    }

    func string(_ key: String, oneOf allowed: Set<String>? = nil) throws(ConfigurationError) -> String {
        guard let value = try self.optionalString(key, oneOf: allowed) else { throw self.error(key, "missing") }
        return value
    }

    func optionalInt(_ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let value = self.value(key) else { return nil }
        guard let int = value.int else { throw self.error(key, "expected an integer") }
        guard range.contains(int) else {
            throw self.error(key, "\(int) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return int
    }

    func int(_ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let value = try self.optionalInt(key, range: range) else { throw self.error(key, "missing") }
        return value
    }

    func optionalStringList(_ key: String, oneOf allowed: Set<String>) throws(ConfigurationError) -> [String]? {
        guard let value = self.value(key) else { return nil }
        guard let sequence = value.sequence else { throw self.error(key, "expected a list") }
        var result: [String] = []
        for item in sequence {
            guard let string = item.string, allowed.contains(string) else {
                throw self.error(key, "each item must be one of \(allowed.sorted().joined(separator: ", "))")
            }
            result.append(string)
        }
        return result
    }

    func stringList(_ key: String, oneOf allowed: Set<String>) throws(ConfigurationError) -> [String] {
        guard let value = try self.optionalStringList(key, oneOf: allowed) else { throw self.error(key, "missing") }
        return value
    }
}
