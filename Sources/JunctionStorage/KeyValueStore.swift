import NIOConcurrencyHelpers

/// Bytes by key, in named namespaces, kept across a restart: the seam for the MQTT endpoint's
/// persistent sessions (`mqtt.session`: subscriptions, queued QoS ≥ 1 messages, in-flight packet
/// ids, encoded by the endpoint) and retained MQTT messages (`mqtt.retained`, by topic).
///
/// Keys and namespaces are text without NUL (SQLite's text ends there).
///
/// Read the namespace once at start with `values(in:)`; then `put`/`remove` every change. Writes
/// are queued and never block: they go to disk with the storage's other writes, in order, in the
/// same group commits and under the same `sync` guarantee.
public protocol KeyValueStore: Sendable {
    /// What the namespace held when the storage was opened.
    func values(in namespace: String) -> [String: [UInt8]]
    /// Sets `key` to `value`; `whenDurable(true)` once it (and everything queued before) is on disk.
    func put(_ value: [UInt8], for key: String, in namespace: String, whenDurable: (@Sendable (Bool) -> Void)?)
    /// Deletes `key`.
    func remove(_ key: String, in namespace: String, whenDurable: (@Sendable (Bool) -> Void)?)
    /// Calls `whenDurable(true)` once every write queued before it is on disk: what a caller
    /// whose writes came from several places (e.g. sessions on other loops) waits for.
    func sync(whenDurable: @escaping @Sendable (Bool) -> Void)
}

extension KeyValueStore {
    public func put(_ value: [UInt8], for key: String, in namespace: String) {
        self.put(value, for: key, in: namespace, whenDurable: nil)
    }

    public func remove(_ key: String, in namespace: String) {
        self.remove(key, in: namespace, whenDurable: nil)
    }
}

/// The key/value store of memory storage: empty at every start.
public final class MemoryKeyValueStore: KeyValueStore {
    private let namespaces = NIOLockedValueBox<[String: [String: [UInt8]]]>([:])

    public init() {}

    public func values(in namespace: String) -> [String: [UInt8]] {
        self.namespaces.withLockedValue { $0[namespace] ?? [:] }
    }

    public func put(_ value: [UInt8], for key: String, in namespace: String, whenDurable: (@Sendable (Bool) -> Void)?) {
        self.namespaces.withLockedValue { $0[namespace, default: [:]][key] = value }
        whenDurable?(true)
    }

    public func remove(_ key: String, in namespace: String, whenDurable: (@Sendable (Bool) -> Void)?) {
        _ = self.namespaces.withLockedValue { $0[namespace]?.removeValue(forKey: key) }
        whenDurable?(true)
    }

    public func sync(whenDurable: @escaping @Sendable (Bool) -> Void) {
        whenDurable(true)
    }
}
