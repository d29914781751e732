/// A WAMP id (session, request, registration, ...) as a dictionary key, hashed cheaply.
///
/// `Dictionary` hashes `UInt64` keys with SipHash: ~25 ns per lookup, and routing one call does
/// about twenty lookups keyed by ids (sessions, pending invocations, per-caller requests). This
/// key mixes the id with a random per-process key and the dictionary's per-instance seed
/// through a 64-bit finalizer (splitmix64's) instead: a few nanoseconds. Not a keyed hash in the
/// cryptographic sense, but a peer that picks its request ids cannot know where they land, and
/// the maps a peer fills are bounded anyway (`max_pending_calls`).
public struct IDKey: Hashable, Sendable {
    public let id: UInt64

    @inlinable
    public init(_ id: UInt64) {
        self.id = id
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.id)
    }

    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: IDKey.mix(self.id ^ IDKey.processKey ^ UInt64(truncatingIfNeeded: seed)))
    }

    /// Chosen at random once per process (`Dictionary`'s seed alone is derived from its storage
    /// address).
    @usableFromInline
    static let processKey = UInt64.random(in: UInt64.min...UInt64.max)

    /// splitmix64's finalizer: every input bit affects every output bit.
    @inlinable
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A dictionary from WAMP ids to `Value`, hashed with `IDKey`: the maps on the routing hot path.
public struct IDMap<Value> {
    @usableFromInline
    var storage: [IDKey: Value]

    @inlinable
    public init() {
        self.storage = [:]
    }

    @inlinable
    public subscript(id: UInt64) -> Value? {
        get { self.storage[IDKey(id)] }
        _modify { yield &self.storage[IDKey(id)] }
    }

    @inlinable
    public subscript(id: UInt64, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self.storage[IDKey(id), default: defaultValue()] }
        _modify { yield &self.storage[IDKey(id), default: defaultValue()] }
    }

    @inlinable
    @discardableResult
    public mutating func removeValue(forKey id: UInt64) -> Value? {
        self.storage.removeValue(forKey: IDKey(id))
    }

    @inlinable public var count: Int { self.storage.count }
    @inlinable public var isEmpty: Bool { self.storage.isEmpty }
    @inlinable public var values: Dictionary<IDKey, Value>.Values { self.storage.values }
    @inlinable public var keys: [UInt64] { self.storage.keys.map(\.id) }
}

extension IDMap: ExpressibleByDictionaryLiteral {
    @inlinable
    public init(dictionaryLiteral elements: (UInt64, Value)...) {
        self.storage = Dictionary(uniqueKeysWithValues: elements.map { (IDKey($0.0), $0.1) })
    }
}

extension IDMap: Sendable where Value: Sendable {}

extension IDMap: Sequence {
    public typealias Element = (id: UInt64, value: Value)

    @inlinable
    public func makeIterator() -> LazyMapSequence<[IDKey: Value], Element>.Iterator {
        self.storage.lazy.map { (id: $0.key.id, value: $0.value) }.makeIterator()
    }
}
