import Yams

/// Typed access to a YAML node that names the key path in every error.
struct NodeReader {
    let node: Node
    let path: String

    private func keyPath(_ key: String) -> String { self.path.isEmpty ? key : "\(self.path).\(key)" }

    func error(_ key: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(key: self.keyPath(key), line: self.value(key)?.mark.map { $0.line }, problem: problem)
    }

    /// An error about this node itself rather than one of its keys.
    private func ownError(_ problem: String) -> ConfigurationError {
        ConfigurationError(
            key: self.path.isEmpty ? "(document)" : self.path,
            line: self.node.mark?.line,
            problem: problem
        )
    }

    private func value(_ key: String) -> Node? {
        self.node.mapping?[Node(key)]
    }

    func allowKeys(_ allowed: Set<String>) throws(ConfigurationError) {
        guard let mapping = self.node.mapping else { throw self.ownError("expected a mapping") }
        for key in mapping.keys {
            guard let name = key.string, allowed.contains(name) else {
                throw ConfigurationError(
                    key: self.keyPath(key.string ?? "?"),
                    line: key.mark?.line,
                    problem: "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))"
                )
            }
        }
    }

    /// The value of `key`, whatever its kind (the section reading it checks that), or `nil`.
    func section(_ key: String) -> NodeReader? {
        self.value(key).map { NodeReader(node: $0, path: self.keyPath(key)) }
    }

    func optionalChild(_ key: String) throws(ConfigurationError) -> NodeReader? {
        guard let value = self.value(key) else { return nil }
        guard value.mapping != nil else { throw self.error(key, "expected a mapping") }
        return NodeReader(node: value, path: self.keyPath(key))
    }

    /// The items of this node, which must be a list.
    func items(nonEmpty: Bool) throws(ConfigurationError) -> [NodeReader] {
        guard let sequence = self.node.sequence else { throw self.ownError("expected a list") }
        if nonEmpty && sequence.isEmpty { throw self.ownError("must not be empty") }
        return sequence.enumerated().map { NodeReader(node: $1, path: "\(self.path)[\($0)]") }
    }

    func list(_ key: String, nonEmpty: Bool) throws(ConfigurationError) -> [NodeReader] {
        guard let list = self.section(key) else {
            if nonEmpty { throw self.error(key, "missing") }
            return []
        }
        return try list.items(nonEmpty: nonEmpty)
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

    /// A list of arbitrary strings.
    func optionalFreeStringList(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = self.value(key) else { return nil }
        guard let sequence = value.sequence else { throw self.error(key, "expected a list") }
        var result: [String] = []
        for item in sequence {
            guard let string = item.string else { throw self.error(key, "each item must be a string") }
            result.append(string)
        }
        return result
    }
}
