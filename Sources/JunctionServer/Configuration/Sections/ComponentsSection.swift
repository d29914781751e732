import JunctionComponents
import JunctionRouter
import WAMPCore

/// `components`: the executables the router starts and supervises (`JunctionComponents`). Each
/// entry's realm and role must exist; names are unique; `depends_on` names components and has no
/// cycle. Durations are seconds (fractions allowed).
enum ComponentsSection: ConfigurationSection {
    static let key = "components"
    static let isRequired = false

    private static let keys: Set<String> = [
        "name", "realm", "role", "exec", "env", "cwd", "instances", "restart", "backoff", "depends_on", "ready",
        "stop_timeout", "log_level",
    ]
    private static let logLevels: Set<String> = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    static func read(_ reader: inout NodeReader, into draft: inout ConfigurationDraft) throws(ConfigurationError) {
        var components: [ComponentConfiguration] = []
        for entry in try reader.items(nonEmpty: false) {
            let component = try self.component(entry, realms: draft.configuration.realms)
            if components.contains(where: { $0.name == component.name }) {
                throw entry.error("name", "duplicate component '\(component.name)'")
            }
            components.append(component)
        }
        if let problem = ComponentGraph(components).problem() {
            throw ConfigurationError(key: "components", line: reader.node.mark?.line, problem: problem)
        }
        draft.configuration.components = components
    }

    private static func component(
        _ node: NodeReader,
        realms: [RealmConfiguration]
    ) throws(ConfigurationError) -> ComponentConfiguration {
        try node.allowKeys(self.keys)
        let name = try node.string("name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw node.error("name", "use letters, digits, '-' and '_'")
        }
        let realmName = try node.string("realm")
        guard let realm = realms.first(where: { $0.name == realmName }) else {
            throw node.error("realm", "no realm '\(realmName)' in 'realms'")
        }
        let role = try node.string("role")
        guard realm.roles[role] != nil else { throw node.error("role", "realm '\(realmName)' has no role '\(role)'") }
        guard let exec = try node.optionalFreeStringList("exec"), !exec.isEmpty, !exec[0].isEmpty else {
            throw node.error("exec", "expected a non-empty list: the executable and its arguments")
        }
        var component = ComponentConfiguration(name: name, realm: realmName, role: role, exec: exec)
        component.env = try self.environment(node)
        component.cwd = try node.optionalString("cwd")
        component.instances = try node.optionalInt("instances", range: 1...1000) ?? 1
        if let restart = try node.optionalString("restart", oneOf: Set(RestartPolicy.allCases.map(\.rawValue))) {
            component.restart = RestartPolicy(rawValue: restart)!
        }
        if let backoff = try node.optionalChild("backoff") {
            component.backoff = try self.backoff(backoff)
        }
        component.dependsOn = try node.optionalFreeStringList("depends_on") ?? []
        if let ready = try node.optionalChild("ready") {
            try ready.allowKeys(["procedures", "timeout"])
            guard let procedures = try ready.optionalFreeStringList("procedures"), !procedures.isEmpty else {
                throw ready.error("procedures", "expected a non-empty list of procedure URIs")
            }
            for procedure in procedures where !URIValidation.isValid(procedure) {
                throw ready.error("procedures", "'\(procedure)' is not a valid URI")
            }
            component.ready = ReadinessCheck(
                procedures: procedures, timeout: try self.seconds(ready, "timeout") ?? .seconds(30))
        }
        component.stopTimeout = try self.seconds(node, "stop_timeout") ?? component.stopTimeout
        component.logLevel = try node.optionalString("log_level", oneOf: self.logLevels) ?? "info"
        return component
    }

    private static func environment(_ node: NodeReader) throws(ConfigurationError) -> [String: String] {
        guard let env = try node.optionalChild("env") else { return [:] }
        var environment: [String: String] = [:]
        for (key, value) in env.node.mapping ?? [:] {
            guard let name = key.string, !name.isEmpty, !name.contains("=") else {
                throw node.error("env", "variable names must be non-empty strings without '='")
            }
            guard let text = value.scalar?.string else { throw env.error(name, "expected a string") }
            environment[name] = text
        }
        return environment
    }

    private static func backoff(_ node: NodeReader) throws(ConfigurationError) -> BackoffPolicy {
        try node.allowKeys(["initial", "max", "multiplier", "max_restarts", "reset_after"])
        var backoff = BackoffPolicy()
        backoff.initial = try self.seconds(node, "initial") ?? backoff.initial
        backoff.max = try self.seconds(node, "max") ?? backoff.max
        backoff.multiplier = try node.optionalInt("multiplier", range: 1...100) ?? backoff.multiplier
        backoff.maxRestarts = try node.optionalInt("max_restarts", range: 0...1_000_000) ?? backoff.maxRestarts
        backoff.resetAfter = try self.seconds(node, "reset_after") ?? backoff.resetAfter
        guard backoff.initial <= backoff.max else { throw node.error("initial", "must not exceed 'max'") }
        return backoff
    }

    /// A duration in seconds, fractions allowed (`0.05` is 50 ms), at most a day.
    private static func seconds(_ node: NodeReader, _ key: String) throws(ConfigurationError) -> Duration? {
        guard let value = node.section(key) else { return nil }
        guard let seconds = value.node.float, seconds >= 0, seconds <= 86_400 else {
            throw node.error(key, "expected seconds between 0 and 86400")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
