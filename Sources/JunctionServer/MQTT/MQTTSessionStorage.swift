import JunctionMQTT
import JunctionRouter
import JunctionStorage
import Logging
import NIOCore

/// The storage's key/value namespaces as the MQTT endpoint's record store (JunctionMQTT does not
/// depend on JunctionStorage).
struct KeyValueMQTTRecords: MQTTRecordStore {
    let keyValues: any KeyValueStore

    func values(in namespace: String) -> [String: [UInt8]] {
        self.keyValues.values(in: namespace)
    }

    func put(
        _ value: [UInt8], for key: String, in namespace: String,
        whenDurable: (@Sendable (Bool) -> Void)?
    ) {
        self.keyValues.put(value, for: key, in: namespace, whenDurable: whenDurable)
    }

    func remove(_ key: String, in namespace: String, whenDurable: (@Sendable (Bool) -> Void)?) {
        self.keyValues.remove(key, in: namespace, whenDurable: whenDurable)
    }

    func sync(whenDurable: @escaping @Sendable (Bool) -> Void) {
        self.keyValues.sync(whenDurable: whenDurable)
    }
}

extension MQTTSessionPersistence {
    /// Persistent MQTT sessions on `storage`, when it is durable (SQLite); nil with memory
    /// storage, whose sessions live in memory as they always did.
    static func open(on storage: RouterStorage?, logger: Logger) -> MQTTSessionPersistence? {
        guard let storage, case .sqlite = storage.configuration.backend else { return nil }
        return MQTTSessionPersistence(
            store: KeyValueMQTTRecords(keyValues: storage.keyValues),
            acknowledgesAfterCommit: storage.configuration.sync == .always,
            now: MQTTPersistenceClock(
                uptimeNanoseconds: NIODeadline.now().uptimeNanoseconds,
                wallMilliseconds: WallClock.system.now()
            ),
            logger: logger
        )
    }
}
