import WAMPCore

/// Where a realm's streams, history and retained events go so they survive a restart.
///
/// The realm calls it on its own loop and never waits: an implementation queues the change and
/// writes it elsewhere (`JunctionStorage` batches them on a thread of its own). Without a store
/// (memory storage) a realm keeps everything in memory and starts a new epoch at every start.
public protocol RealmStore: Sendable {
    /// What the realm held when the router last stopped, read once when the realm is created.
    var snapshot: RealmSnapshot { get }
    /// Whether PUBLISHED waits until the publication is on disk (`sync: always`).
    var acknowledgesAfterWrite: Bool { get }
    /// Queues a change. `whenDurable` (if given) is called, on any thread, with `true` once the
    /// change and every change queued before it are on disk, or `false` if writing failed.
    func write(_ change: RealmChange, whenDurable: (@Sendable (Bool) -> Void)?)
}

/// One change to a realm's durable state.
public enum RealmChange: Sendable, Hashable {
    /// A publication kept in the event history. Events with a smaller sequence than
    /// `oldestKept` are no longer kept by any rule and may be deleted.
    case event(StoredEvent, oldestKept: UInt64)
    /// The retained event of a topic (replacing the previous one).
    case retained(StoredEvent)
}

/// A publication as it is kept: what the EVENT carried, when, and who may read it.
public struct StoredEvent: Sendable, Hashable {
    /// Order of publication within the realm (all topics).
    public var sequence: UInt64
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    public var topic: String
    /// Position in the topic's stream; 0 for a retained event outside any stream.
    public var offset: UInt64
    public var publication: UInt64
    /// EVENT details shared by every receiver (including `_offset`/`_epoch`).
    public var details: WAMPDict
    public var payload: Payload
    /// The publication's `exclude_authid`, `exclude_authrole`, `eligible_authid` and
    /// `eligible_authrole` options: who may read it later (session ids mean nothing after a restart).
    public var readers: WAMPDict

    public init(
        sequence: UInt64, timestamp: Int64, topic: String, offset: UInt64, publication: UInt64, details: WAMPDict,
        payload: Payload, readers: WAMPDict
    ) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.topic = topic
        self.offset = offset
        self.publication = publication
        self.details = details
        self.payload = payload
        self.readers = readers
    }
}

/// A realm's durable state as loaded at start.
public struct RealmSnapshot: Sendable, Hashable {
    /// The epoch of the realm's streams: the same as before the restart when nothing can have been
    /// lost, a new one otherwise.
    public var epoch: String
    /// Kept events, oldest first.
    public var events: [StoredEvent]
    /// The last offset of every stream topic, including topics whose events are all trimmed.
    public var offsets: [String: UInt64]
    public var retained: [StoredEvent]

    public init(epoch: String, events: [StoredEvent] = [], offsets: [String: UInt64] = [:], retained: [StoredEvent] = []) {
        self.epoch = epoch
        self.events = events
        self.offsets = offsets
        self.retained = retained
    }

    /// A random epoch: 16 base-36 digits.
    public static func newEpoch() -> String {
        var epoch = ""
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        for _ in 0..<16 { epoch.append(digits[Int.random(in: 0..<digits.count)]) }
        return epoch
    }
}
