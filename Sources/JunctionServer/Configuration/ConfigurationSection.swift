import JunctionRouter

/// One top-level key of the configuration file, read by the subsystem it configures.
///
/// `ConfigurationLoader` knows only the list `ConfigurationLoader.sections`: a new subsystem
/// (`mqtt`, `http`, `components`, `cluster`) is one more type and one more line there, and the
/// loader's unknown-key check follows by itself.
protocol ConfigurationSection: Sendable {
    /// The top-level key, e.g. `limits`.
    static var key: String { get }

    /// Whether a file without this key is refused (`<key>: missing`) instead of keeping the defaults.
    static var isRequired: Bool { get }

    /// Reads the section. `reader` points at the key's value, so every error names `key` (and the
    /// nested key path) and its line.
    static func read(_ reader: inout NodeReader, into draft: inout ConfigurationDraft) throws(ConfigurationError)
}

/// The configuration while its sections are read, in `ConfigurationLoader.sections` order.
struct ConfigurationDraft {
    var configuration = JunctionConfiguration(realms: [], transports: [])
    /// The `limits` section's per-session limits, which every realm starts from: sessions belong
    /// to realms, but the file sets these once for all of them.
    var sessionLimits = SessionLimits()
}
