import JunctionRouter
import Logging

/// The storage a router runs with, as configured: the store of every realm and the key/value
/// namespaces. Memory storage has no realm stores (realms keep everything in memory and start new
/// epochs) and an in-memory key/value store.
public final class RouterStorage: Sendable {
    public let configuration: StorageConfiguration
    /// The store of each realm, by name; empty with memory storage.
    public let realmStores: [String: any RealmStore]
    /// Bytes by key for the MQTT endpoint (persistent sessions, retained messages).
    public let keyValues: any KeyValueStore
    private let sqlite: SQLiteStorage?

    private init(configuration: StorageConfiguration, sqlite: SQLiteStorage?, realms: [String]) {
        self.configuration = configuration
        self.sqlite = sqlite
        if let sqlite {
            self.realmStores = Dictionary(uniqueKeysWithValues: realms.map { ($0, sqlite.realmStore(named: $0)) })
            self.keyValues = sqlite
        } else {
            self.realmStores = [:]
            self.keyValues = MemoryKeyValueStore()
        }
    }

    /// Opens what `configuration` names for `realms`.
    ///
    /// - Throws: `StorageError` naming the file when a SQLite store is unusable.
    public static func open(_ configuration: StorageConfiguration, realms: [String], logger: Logger)
        async throws(StorageError) -> RouterStorage
    {
        switch configuration.backend {
        case .memory:
            return RouterStorage(configuration: configuration, sqlite: nil, realms: realms)
        case .sqlite(let path):
            let sqlite = try await SQLiteStorage.open(
                path: path, sync: configuration.sync, intervalMilliseconds: configuration.intervalMilliseconds,
                realms: realms, logger: logger)
            if !sqlite.previousShutdownWasClean {
                logger.warning(
                    "storage: the previous run did not shut down cleanly; history and retained events are kept, streams start a new epoch",
                    metadata: ["path": "\(path)"])
            }
            return RouterStorage(configuration: configuration, sqlite: sqlite, realms: realms)
        }
    }

    /// Writes what is queued and closes the file (a clean shutdown: epochs stay valid).
    public func close() async {
        await self.sqlite?.close()
    }
}
