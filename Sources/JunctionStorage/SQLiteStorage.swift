import JunctionRouter
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLiteNIO
import WAMPCore

/// Durable storage in one SQLite file (through sqlite-nio): event history, stream offsets and
/// epochs, retained events and the key/value namespaces, loaded once at open and then written by a
/// `GroupCommitWriter` on a thread of its own — never on an event loop.
///
/// The epoch of a realm survives a clean shutdown (`close()`); after a crash every realm starts a
/// new epoch, because events delivered but not yet committed may be gone and an offset could
/// otherwise be reused for a different event. History and retained events committed before the
/// crash are all loaded.
public final class SQLiteStorage: Sendable {
    struct TopicKey: Hashable {
        var realm: String
        var topic: String
    }

    public let path: String
    public let sync: StorageConfiguration.Sync
    /// Whether the previous run ended with `close()`.
    public let previousShutdownWasClean: Bool
    private let snapshots: [String: RealmSnapshot]
    private let keyValues: [String: [String: [UInt8]]]
    private let connection: SQLiteConnection
    private let threadPool: NIOThreadPool
    private let writer: GroupCommitWriter
    private let closed = NIOLockedValueBox(false)

    private init(
        path: String, sync: StorageConfiguration.Sync, clean: Bool, snapshots: [String: RealmSnapshot],
        keyValues: [String: [String: [UInt8]]], connection: SQLiteConnection, threadPool: NIOThreadPool,
        writer: GroupCommitWriter
    ) {
        self.path = path
        self.sync = sync
        self.previousShutdownWasClean = clean
        self.snapshots = snapshots
        self.keyValues = keyValues
        self.connection = connection
        self.threadPool = threadPool
        self.writer = writer
    }

    /// Opens (creating if missing) and checks the file, and loads what it keeps for `realms`.
    ///
    /// - Throws: `StorageError` naming the file when it cannot be opened or created, is not a
    ///   SQLite database, fails SQLite's integrity check, has an unknown schema, or holds a row
    ///   this version cannot read. Nothing is discarded or repaired.
    public static func open(
        path: String, sync: StorageConfiguration.Sync = .interval, intervalMilliseconds: Int = 100,
        realms: [String], logger: Logger
    ) async throws(StorageError) -> SQLiteStorage {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            try? await threadPool.shutdownGracefully()
            throw StorageError(path: path, problem: "cannot open or create the file (\(error))")
        }
        do {
            let loaded = try await Self.prepare(connection, path: path, realms: realms)
            let interval: Duration? = sync == .always ? nil : .milliseconds(intervalMilliseconds)
            let writer = GroupCommitWriter(connection: connection, interval: interval, logger: logger)
            return SQLiteStorage(
                path: path, sync: sync, clean: loaded.clean, snapshots: loaded.snapshots, keyValues: loaded.keyValues,
                connection: connection, threadPool: threadPool, writer: writer)
        } catch {
            try? await connection.close()
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    /// Checks the file without keeping it open: `junction check`.
    public static func check(path: String, logger: Logger) async throws(StorageError) -> String {
        let storage = try await Self.open(path: path, realms: [], logger: logger)
        let summary = "\(storage.path): OK (previous shutdown \(storage.previousShutdownWasClean ? "clean" : "not clean"))"
        await storage.close(markClean: storage.previousShutdownWasClean)
        return summary
    }

    /// The store of one realm, starting from what the file kept for it.
    public func realmStore(named realm: String) -> any RealmStore {
        SQLiteRealmStore(
            realm: realm, snapshot: self.snapshots[realm] ?? RealmSnapshot(epoch: RealmSnapshot.newEpoch()),
            acknowledgesAfterWrite: self.sync == .always, writer: self.writer)
    }

    /// Commits every queued write, marks the shutdown clean (the epochs stay valid) and closes the
    /// file. Safe to call twice.
    public func close() async {
        await self.close(markClean: true)
    }

    private func close(markClean: Bool) async {
        guard !self.closed.withLockedValue({ let was = $0; $0 = true; return was }) else { return }
        await self.writer.close()
        if markClean { _ = try? await self.connection.query("UPDATE junction_meta SET value = '1' WHERE key = 'clean'") }
        try? await self.connection.close()
        try? await self.threadPool.shutdownGracefully()
    }

    // MARK: Opening

    private struct Loaded {
        var clean: Bool
        var snapshots: [String: RealmSnapshot]
        var keyValues: [String: [String: [UInt8]]]
    }

    static let schemaVersion = "1"

    private static func prepare(_ db: SQLiteConnection, path: String, realms: [String]) async throws(StorageError)
        -> Loaded
    {
        func run(_ sql: String, _ binds: [SQLiteData] = []) async throws(StorageError) -> [SQLiteRow] {
            do {
                return try await db.query(sql, binds)
            } catch let error as SQLiteError {
                switch error.reason {
                case .notADatabase, .corrupt:
                    throw StorageError(path: path, problem: "not a SQLite database, or corrupt (\(error.message))")
                default:
                    throw StorageError(path: path, problem: "\(error)")
                }
            } catch {
                throw StorageError(path: path, problem: "\(error)")
            }
        }
        let check = try await run("PRAGMA quick_check")
        let verdict = check.first?.columns.first?.data.string ?? "no answer"
        guard verdict == "ok" else {
            throw StorageError(path: path, problem: "SQLite integrity check failed: \(verdict)")
        }
        _ = try await run("PRAGMA journal_mode = WAL")
        _ = try await run("PRAGMA synchronous = FULL")
        for statement in [
            "CREATE TABLE IF NOT EXISTS junction_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS events (realm TEXT NOT NULL, sequence INTEGER NOT NULL, "
                + "timestamp INTEGER NOT NULL, topic TEXT NOT NULL, stream_offset INTEGER NOT NULL, "
                + "publication INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (realm, sequence))",
            "CREATE TABLE IF NOT EXISTS stream_offsets (realm TEXT NOT NULL, topic TEXT NOT NULL, "
                + "stream_offset INTEGER NOT NULL, PRIMARY KEY (realm, topic))",
            "CREATE TABLE IF NOT EXISTS retained (realm TEXT NOT NULL, topic TEXT NOT NULL, timestamp INTEGER NOT NULL, "
                + "stream_offset INTEGER NOT NULL, publication INTEGER NOT NULL, body BLOB NOT NULL, "
                + "PRIMARY KEY (realm, topic))",
            "CREATE TABLE IF NOT EXISTS kv (namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, "
                + "PRIMARY KEY (namespace, key))",
        ] {
            _ = try await run(statement)
        }
        var meta: [String: String] = [:]
        for row in try await run("SELECT key, value FROM junction_meta") {
            if let key = row.column("key")?.string, let value = row.column("value")?.string { meta[key] = value }
        }
        if let schema = meta["schema"], schema != Self.schemaVersion {
            throw StorageError(path: path, problem: "schema version \(schema) is not the supported \(Self.schemaVersion)")
        }
        // A file created just now has no `clean` row: nothing was lost, it counts as clean.
        let clean = meta["clean"].map { $0 == "1" } ?? true

        var snapshots: [String: RealmSnapshot] = [:]
        for realm in realms {
            let epoch: String
            if clean, let kept = meta["epoch.\(realm)"] {
                epoch = kept
            } else {
                epoch = RealmSnapshot.newEpoch()
            }
            snapshots[realm] = RealmSnapshot(epoch: epoch)
        }
        func event(_ row: SQLiteRow, table: String) throws(StorageError) -> (String, StoredEvent)? {
            guard let realm = row.column("realm")?.string, snapshots[realm] != nil else { return nil }
            guard let topic = row.column("topic")?.string, let timestamp = row.column("timestamp")?.integer,
                let offset = row.column("stream_offset")?.integer, let publication = row.column("publication")?.integer,
                let body = row.column("body")?.blob,
                let decoded = StoredEventCodec.decode(Array(body.readableBytesView))
            else {
                throw StorageError(path: path, problem: "unreadable row in table \(table) (realm \(realm))")
            }
            let sequence = row.column("sequence")?.integer ?? 0
            return (
                realm,
                StoredEvent(
                    sequence: UInt64(truncatingIfNeeded: sequence), timestamp: Int64(timestamp), topic: topic,
                    offset: UInt64(truncatingIfNeeded: offset), publication: UInt64(truncatingIfNeeded: publication),
                    details: decoded.details, payload: decoded.payload, readers: decoded.readers)
            )
        }
        for row in try await run("SELECT * FROM events ORDER BY realm, sequence") {
            if let (realm, stored) = try event(row, table: "events") { snapshots[realm]?.events.append(stored) }
        }
        for row in try await run("SELECT 0 AS sequence, * FROM retained ORDER BY realm, topic") {
            if let (realm, stored) = try event(row, table: "retained") { snapshots[realm]?.retained.append(stored) }
        }
        for row in try await run("SELECT realm, topic, stream_offset FROM stream_offsets") {
            guard let realm = row.column("realm")?.string, snapshots[realm] != nil,
                let topic = row.column("topic")?.string, let offset = row.column("stream_offset")?.integer
            else { continue }
            snapshots[realm]?.offsets[topic] = UInt64(truncatingIfNeeded: offset)
        }
        var keyValues: [String: [String: [UInt8]]] = [:]
        for row in try await run("SELECT namespace, key, value FROM kv") {
            guard let namespace = row.column("namespace")?.string, let key = row.column("key")?.string,
                let value = row.column("value")?.blob
            else { throw StorageError(path: path, problem: "unreadable row in table kv") }
            keyValues[namespace, default: [:]][key] = Array(value.readableBytesView)
        }

        // From here until `close()` the file does not describe a clean shutdown.
        _ = try await run("BEGIN IMMEDIATE")
        _ = try await run("INSERT OR REPLACE INTO junction_meta (key, value) VALUES ('schema', ?)", [.text(Self.schemaVersion)])
        _ = try await run("INSERT OR REPLACE INTO junction_meta (key, value) VALUES ('clean', '0')")
        for (realm, snapshot) in snapshots {
            _ = try await run(
                "INSERT OR REPLACE INTO junction_meta (key, value) VALUES (?, ?)",
                [.text("epoch.\(realm)"), .text(snapshot.epoch)])
        }
        _ = try await run("COMMIT")
        return Loaded(clean: clean, snapshots: snapshots, keyValues: keyValues)
    }
}

extension SQLiteStorage: KeyValueStore {
    public func values(in namespace: String) -> [String: [UInt8]] {
        self.keyValues[namespace] ?? [:]
    }

    public func put(_ value: [UInt8], for key: String, in namespace: String, whenDurable: (@Sendable (Bool) -> Void)?) {
        self.writer.enqueue(.put(namespace: namespace, key: key, value: value), whenDurable: whenDurable)
    }

    public func remove(_ key: String, in namespace: String, whenDurable: (@Sendable (Bool) -> Void)?) {
        self.writer.enqueue(.remove(namespace: namespace, key: key), whenDurable: whenDurable)
    }

    public func sync(whenDurable: @escaping @Sendable (Bool) -> Void) {
        self.writer.enqueue(.sync, whenDurable: whenDurable)
    }
}

/// One realm's view of a `SQLiteStorage`.
struct SQLiteRealmStore: RealmStore {
    let realm: String
    let snapshot: RealmSnapshot
    let acknowledgesAfterWrite: Bool
    let writer: GroupCommitWriter

    func write(_ change: RealmChange, whenDurable: (@Sendable (Bool) -> Void)?) {
        self.writer.enqueue(.realm(self.realm, change), whenDurable: whenDurable)
    }
}
