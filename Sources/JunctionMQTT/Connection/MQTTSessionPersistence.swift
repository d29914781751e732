import Logging
import Synchronization

/// Where persistent sessions are written: bytes by key in namespaces, written in order with
/// group commit (`KeyValueStore` of JunctionStorage, adapted by the server; this target does not
/// depend on storage).
public protocol MQTTRecordStore: Sendable {
    /// What the namespace held when the store was opened.
    func values(in namespace: String) -> [String: [UInt8]]
    func put(
        _ value: [UInt8], for key: String, in namespace: String,
        whenDurable: (@Sendable (Bool) -> Void)?)
    func remove(_ key: String, in namespace: String, whenDurable: (@Sendable (Bool) -> Void)?)
    /// Calls `whenDurable` once everything written before this call is on disk.
    func sync(whenDurable: @escaping @Sendable (Bool) -> Void)
}

/// Persistent MQTT sessions on disk for one router: loads them once at start (dropping expired
/// ones, naming unreadable ones in the log), hands each to the first connection of its client id
/// (`take`), and writes what each session's `MQTTSessionJournal` says.
///
/// Keys: `mqtt.session` / `realm SPACE client id`, and `mqtt.message` / `realm SPACE client id
/// SPACE serial` (16 hex digits).
public final class MQTTSessionPersistence: Sendable {
    public static let sessionNamespace = "mqtt.session"
    public static let messageNamespace = "mqtt.message"

    /// A session as loaded, waiting for its client.
    public struct Restored: Sendable {
        public var state: MQTTSessionState
        public var journal: MQTTSessionJournal
        /// Milliseconds since the Unix epoch after which it is gone.
        public var expiresAt: Int64

        /// Who its client was (nil: a version 1 record, restored only when its client is back).
        public var identity: MQTTSessionIdentity? { self.journal.session?.identity }
        public var sessionExpiry: UInt32 { self.journal.session?.sessionExpiry ?? 0 }
    }

    /// A stored session to rejoin its realm at start.
    public struct Rejoining: Sendable {
        public var key: String
        public var clientID: String
        public var identity: MQTTSessionIdentity
        public var session: Restored
    }

    public let store: any MQTTRecordStore
    /// `sync: always`: a QoS ≥ 1 PUBLISH is acknowledged only once what it queued is on disk.
    public let acknowledgesAfterCommit: Bool
    private let restored: Mutex<[String: Restored]>
    private let logger: Logger

    /// Loads the stored sessions. `now`: the clocks at start; a session whose client was still
    /// connected when the previous run ended counts its expiry from `now`.
    public init(
        store: any MQTTRecordStore,
        acknowledgesAfterCommit: Bool,
        now: MQTTPersistenceClock,
        logger: Logger
    ) {
        self.store = store
        self.acknowledgesAfterCommit = acknowledgesAfterCommit
        self.logger = logger
        let loaded = Self.load(store: store, now: now, logger: logger)
        self.restored = Mutex(loaded)
    }

    /// Sessions loaded and not yet taken (nor expired at `take`).
    public var restoredCount: Int { self.restored.withLock { $0.count } }

    /// `realm SPACE client id`: a realm name (a WAMP URI) holds no whitespace, and a key must
    /// not hold NUL (SQLite text stops there), which rules out the broker's own separator.
    public static func key(realm: String, clientID: String) -> String {
        realm + " " + clientID
    }

    /// `session key SPACE serial` (16 hex digits), read back from its end.
    static func messageKey(session: String, serial: UInt64) -> String {
        let hex = String(serial, radix: 16)
        return session + " " + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }

    /// The session key and serial of a message key, or nil when it is not one.
    static func parseMessageKey(_ key: String) -> (session: String, serial: UInt64)? {
        let utf8 = key.utf8
        guard utf8.count > 17 else { return nil }
        let separator = utf8.index(utf8.endIndex, offsetBy: -17)
        guard utf8[separator] == UInt8(ascii: " "),
            let serial = UInt64(String(key[utf8.index(after: separator)...]), radix: 16)
        else { return nil }
        return (String(key[..<separator]), serial)
    }

    /// The stored session of `key` (see `key(realm:clientID:)`), once: later calls get nil. An
    /// expired one is removed from disk and not returned.
    public func take(_ key: String, nowWall: Int64) -> Restored? {
        guard let session = self.restored.withLock({ $0.removeValue(forKey: key) }) else { return nil }
        guard session.expiresAt > nowWall else {
            var journal = session.journal
            self.write(journal.forget(), session: key)
            self.logger.info("stored MQTT session expired", metadata: ["session": "\(key)"])
            return nil
        }
        return session
    }

    /// The stored sessions of `realm` that know who their client was (version 2 records), taken
    /// like `take` does, to rejoin the realm before their clients are back. Expired ones are
    /// removed from disk; version 1 ones stay for `take`.
    public func takeRejoinable(realm: String, nowWall: Int64) -> [Rejoining] {
        let prefix = realm + " "
        let taken: [(String, Restored)] = self.restored.withLock { restored in
            let keys = restored.compactMap { key, session in
                key.hasPrefix(prefix) && session.identity != nil ? key : nil
            }
            return keys.sorted().compactMap { key in restored.removeValue(forKey: key).map { (key, $0) } }
        }
        var rejoining: [Rejoining] = []
        for (key, session) in taken {
            guard session.expiresAt > nowWall else {
                var journal = session.journal
                self.write(journal.forget(), session: key)
                self.logger.info("stored MQTT session expired", metadata: ["session": "\(key)"])
                continue
            }
            guard let identity = session.identity else { continue }
            rejoining.append(
                Rejoining(key: key, clientID: String(key.dropFirst(prefix.count)), identity: identity, session: session)
            )
        }
        return rejoining
    }

    /// A stored session that may not be restored (`reason`): removed from disk, logged.
    public func drop(_ session: Rejoining, reason: String) {
        var journal = session.session.journal
        self.write(journal.forget(), session: session.key)
        self.logger.error(
            "stored MQTT session dropped",
            metadata: [
                "session": "\(session.key)", "authid": "\(session.identity.authid)",
                "authrole": "\(session.identity.authrole)", "reason": "\(reason)",
            ]
        )
    }

    /// Writes `writes` of session `key` in order; `whenDurable` after the last.
    public func write(_ writes: [MQTTSessionJournal.Write], session key: String) {
        Self.write(writes, session: key, to: self.store)
    }

    private static func write(
        _ writes: [MQTTSessionJournal.Write], session key: String, to store: any MQTTRecordStore
    ) {
        for write in writes {
            switch write {
            case .putSession(let record):
                store.put(record.encoded(), for: key, in: Self.sessionNamespace, whenDurable: nil)
            case .removeSession:
                store.remove(key, in: Self.sessionNamespace, whenDurable: nil)
            case .putMessage(let serial, let record):
                store.put(
                    record.encoded(),
                    for: Self.messageKey(session: key, serial: serial),
                    in: Self.messageNamespace,
                    whenDurable: nil
                )
            case .removeMessage(let serial):
                store.remove(
                    Self.messageKey(session: key, serial: serial),
                    in: Self.messageNamespace,
                    whenDurable: nil
                )
            }
        }
    }

    // MARK: Loading

    private static func load(store: any MQTTRecordStore, now: MQTTPersistenceClock, logger: Logger)
        -> [String: Restored]
    {
        var sessions: [String: MQTTSessionRecord] = [:]
        let stored = store.values(in: Self.sessionNamespace)
        for (key, bytes) in stored {
            do {
                sessions[key] = try MQTTSessionRecord(decoding: bytes)
            } catch {
                // Kept on disk untouched (a later version may read it); the client starts afresh.
                logger.error(
                    "unreadable stored MQTT session, not restored",
                    metadata: ["key": "\(key)", "problem": "\(error)"]
                )
            }
        }
        var messages: [String: [(serial: UInt64, record: MQTTMessageRecord)]] = [:]
        var orphans: [String] = []
        for (key, bytes) in store.values(in: Self.messageNamespace) {
            guard let (session, serial) = Self.parseMessageKey(key) else {
                logger.error("stored MQTT message with a malformed key", metadata: ["key": "\(key)"])
                continue
            }
            guard sessions[session] != nil else {
                // Its session is unreadable (kept, see above) or was removed while this was
                // written: only the latter is garbage.
                if stored[session] == nil { orphans.append(key) }
                continue
            }
            do {
                messages[session, default: []].append((serial, try MQTTMessageRecord(decoding: bytes)))
            } catch {
                logger.error(
                    "unreadable stored MQTT message, not restored",
                    metadata: ["key": "\(key)", "problem": "\(error)"]
                )
            }
        }
        for key in orphans { store.remove(key, in: Self.messageNamespace, whenDurable: nil) }

        var restored: [String: Restored] = [:]
        var expired = 0
        for (key, session) in sessions {
            let since = session.detachedAt ?? now.wallMilliseconds
            let (expiresAt, overflow) = since.addingReportingOverflow(Int64(session.sessionExpiry) * 1000)
            let (state, journal) = MQTTSessionJournal.restore(
                session: session,
                messages: messages[key] ?? [],
                now: now
            )
            guard overflow || expiresAt > now.wallMilliseconds else {
                expired += 1
                var gone = journal
                Self.write(gone.forget(), session: key, to: store)
                continue
            }
            restored[key] = Restored(
                state: state, journal: journal, expiresAt: overflow ? .max : expiresAt)
        }
        if !restored.isEmpty || expired > 0 {
            logger.info(
                "stored MQTT sessions loaded",
                metadata: ["restored": "\(restored.count)", "expired": "\(expired)"]
            )
        }
        return restored
    }
}
