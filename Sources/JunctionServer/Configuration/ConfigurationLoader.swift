import Yams

/// Reads `JunctionConfiguration` from YAML (JSON is valid YAML, so it is accepted too).
///
/// Every key is checked: unknown keys are errors, so a typo never silently falls back to a default.
/// The loader only parses the document and hands each top-level key to its `ConfigurationSection`.
public enum ConfigurationLoader {
    /// Every top-level section, in reading order: a section may use what an earlier one read
    /// (realms start from the `limits` section's per-session limits).
    static let sections: [any ConfigurationSection.Type] = [
        RouterSection.self, LimitsSection.self, RealmsSection.self, TransportsSection.self, StorageSection.self,
        ForwardersSection.self, ComponentsSection.self, ClusterSection.self,
    ]

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
        let document = NodeReader(node: root, path: "")
        try document.allowKeys(Set(self.sections.map { $0.key }))
        var draft = ConfigurationDraft()
        for section in self.sections {
            guard var reader = document.section(section.key) else {
                if section.isRequired { throw document.error(section.key, "missing") }
                continue
            }
            try section.read(&reader, into: &draft)
        }
        return draft.configuration
    }
}
