import JunctionStorage

/// `storage`: where event history, stream epochs and retained events are kept (`StorageConfiguration`).
///
/// ```yaml
/// storage: memory            # the default
/// storage:
///   type: sqlite
///   path: /var/lib/junction/junction.sqlite
///   sync: interval           # or always
///   interval_ms: 100
/// ```
enum StorageSection: ConfigurationSection {
    static let key = "storage"
    static let isRequired = false

    static func read(_ reader: inout NodeReader, into draft: inout ConfigurationDraft) throws(ConfigurationError) {
        if let scalar = reader.node.scalar {
            guard scalar.string == "memory" else {
                throw ConfigurationError(
                    key: Self.key, line: reader.node.mark?.line,
                    problem: "'\(scalar.string)' is not memory; a sqlite store needs a mapping with type and path")
            }
            draft.configuration.storage = .memory
            return
        }
        try reader.allowKeys(["type", "path", "sync", "interval_ms"])
        var storage = StorageConfiguration()
        switch try reader.string("type", oneOf: ["memory", "sqlite"]) {
        case "sqlite":
            let path = try reader.string("path")
            guard !path.isEmpty else { throw reader.error("path", "must not be empty") }
            storage.backend = .sqlite(path: path)
        default:
            for key in ["path", "sync", "interval_ms"] where reader.section(key) != nil {
                throw reader.error(key, "only for type: sqlite")
            }
        }
        let sync = try reader.optionalString("sync", oneOf: Set(StorageConfiguration.Sync.allCases.map(\.rawValue)))
        storage.sync = sync.flatMap(StorageConfiguration.Sync.init(rawValue:)) ?? .interval
        storage.intervalMilliseconds = try reader.optionalInt("interval_ms", range: 1...60_000) ?? 100
        if storage.sync == .always, reader.section("interval_ms") != nil {
            throw reader.error("interval_ms", "only for sync: interval")
        }
        draft.configuration.storage = storage
    }
}
