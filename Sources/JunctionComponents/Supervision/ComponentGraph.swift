/// The `depends_on` relation of a set of components: which may start, which wait for whom.
public struct ComponentGraph: Sendable {
    private let dependencies: [String: [String]]

    public init(_ components: [ComponentConfiguration]) {
        self.dependencies = Dictionary(
            components.map { ($0.name, $0.dependsOn) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    /// The dependencies of `name` that are not in `ready`, in configuration order.
    public func unmetDependencies(of name: String, ready: Set<String>) -> [String] {
        (self.dependencies[name] ?? []).filter { !ready.contains($0) }
    }

    /// The components that (directly) depend on `name`.
    public func dependents(of name: String) -> [String] {
        self.dependencies.filter { $0.value.contains(name) }.map(\.key).sorted()
    }

    /// Why this graph cannot be started: a dependency that names no component, or a cycle.
    public func problem() -> String? {
        for (name, dependencies) in self.dependencies.sorted(by: { $0.key < $1.key }) {
            for dependency in dependencies where self.dependencies[dependency] == nil {
                return "component '\(name)' depends on '\(dependency)', which is not a component"
            }
        }
        var done = Set<String>()
        var path: [String] = []
        func visit(_ name: String) -> [String]? {
            if let index = path.firstIndex(of: name) { return Array(path[index...]) + [name] }
            if done.contains(name) { return nil }
            path.append(name)
            for dependency in self.dependencies[name] ?? [] {
                if let cycle = visit(dependency) { return cycle }
            }
            path.removeLast()
            done.insert(name)
            return nil
        }
        for name in self.dependencies.keys.sorted() {
            if let cycle = visit(name) { return "depends_on forms a cycle: \(cycle.joined(separator: " -> "))" }
        }
        return nil
    }
}

/// What a configuration change does to the running components: only entries that changed are
/// touched. Reload (SIGHUP) hands the old and new `components:` lists to
/// `ComponentSupervisor.apply(old:new:)`, which runs this plan.
public struct ComponentChanges: Sendable, Hashable {
    /// New names: started.
    public var added: [String] = []
    /// Names no longer configured: stopped and forgotten.
    public var removed: [String] = []
    /// Same name, different entry: stopped, then started with the new entry.
    public var changed: [String] = []
    /// Identical entries: left running.
    public var unchanged: [String] = []

    public init(old: [ComponentConfiguration], new: [ComponentConfiguration]) {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Set(new.map(\.name))
        for component in new {
            switch before[component.name] {
            case nil: self.added.append(component.name)
            case component: self.unchanged.append(component.name)
            default: self.changed.append(component.name)
            }
        }
        self.removed = old.map(\.name).filter { !after.contains($0) }
    }
}
