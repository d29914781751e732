import Synchronization
import WAMPCore

/// One way a shared message goes on the wire: a serializer's bytes and what one kind of peer
/// puts around them (a WebSocket frame header, a RawSocket prefix; an MQTT PUBLISH or a cluster
/// frame later).
///
/// Each kind of peer registers its keys once, at start, and keeps the ones it uses; a key is a
/// slot number, so `SharedMessage` and `SharedEncodingMemo` find an encoding by indexing a small
/// array: no hashing, no string comparison and no allocation per message or receiver.
public struct EncodingKey: Hashable, Sendable, CustomStringConvertible {
    /// The key's slot in the encoding caches (`0..<EncodingKey.registeredCount`).
    public let slot: Int
    /// The serializer whose bytes this encoding wraps.
    public let serializer: SerializerKind

    private init(slot: Int, serializer: SerializerKind) {
        self.slot = slot
        self.serializer = serializer
    }

    /// The name the key was registered with.
    public var description: String {
        Self.registry.withLock { $0.names[self.slot] }
    }

    private struct Registry {
        var names: [String] = []
        var keys: [String: EncodingKey] = [:]
    }

    private static let registry = Mutex(Registry())
    private static let count = Atomic<Int>(0)

    /// The key named `name` (e.g. `"rawsocket/json"`), registered on first use: every later call
    /// with the same name returns the same key. Meant for start-up (a `static let` of the kind of
    /// peer that uses it): the table is then complete before the first message, and every
    /// message's cache is allocated once at its full size.
    public static func register(_ name: String, serializer: SerializerKind) -> EncodingKey {
        Self.registry.withLock { registry in
            if let key = registry.keys[name] {
                precondition(key.serializer == serializer, "encoding key '\(name)' registered with two serializers")
                return key
            }
            let key = EncodingKey(slot: registry.names.count, serializer: serializer)
            registry.names.append(name)
            registry.keys[name] = key
            Self.count.store(registry.names.count, ordering: .releasing)
            return key
        }
    }

    /// How many keys are registered: the size of a new encoding cache. (A key registered after
    /// a cache was made still works; that cache grows to take it.)
    public static var registeredCount: Int {
        Self.count.load(ordering: .acquiring)
    }
}

/// An array of cached encodings indexed by `EncodingKey.slot`, sized for every registered key.
struct EncodingSlots {
    private var slots: [(any AnyObject & Sendable)?] = []

    subscript(key: EncodingKey) -> (any AnyObject & Sendable)? {
        get { key.slot < self.slots.count ? self.slots[key.slot] : nil }
        set {
            if key.slot >= self.slots.count {
                let count = max(EncodingKey.registeredCount, key.slot + 1)
                self.slots.append(contentsOf: repeatElement(nil, count: count - self.slots.count))
            }
            self.slots[key.slot] = newValue
        }
    }

    /// Forgets every encoding and keeps the storage.
    mutating func removeAll() {
        for index in self.slots.indices { self.slots[index] = nil }
    }
}
