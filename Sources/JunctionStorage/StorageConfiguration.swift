/// The `storage:` section: where the router keeps event history, stream offsets and epochs,
/// retained events (and, through `KeyValueStore`, MQTT sessions and retained MQTT messages).
public struct StorageConfiguration: Sendable, Hashable {
    public enum Backend: Sendable, Hashable {
        /// Everything in memory: lost on restart, every stream starts a new epoch.
        case memory
        /// A SQLite database file, created if missing.
        case sqlite(path: String)
    }

    /// When a write is on disk.
    public enum Sync: String, Sendable, Hashable, CaseIterable {
        /// Every batch is committed (fsync) as soon as the previous one is; an acknowledged
        /// publication is on disk before PUBLISHED is sent.
        case always
        /// Batches are committed at most `intervalMilliseconds` after their first write; a crash
        /// loses at most that window. PUBLISHED does not wait.
        case interval
    }

    public var backend: Backend
    public var sync: Sync
    public var intervalMilliseconds: Int

    public init(backend: Backend = .memory, sync: Sync = .interval, intervalMilliseconds: Int = 100) {
        self.backend = backend
        self.sync = sync
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// Memory storage, the built-in default.
    public static let memory = StorageConfiguration()
}

/// A store that cannot be used: names the file and what is wrong with it.
public struct StorageError: Error, Hashable, CustomStringConvertible {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "storage \(self.path): \(self.problem)" }
}
