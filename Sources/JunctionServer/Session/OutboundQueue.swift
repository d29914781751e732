import JunctionRouter
import NIOCore

/// Bounded per-session buffering for a peer that reads slower than the router writes.
///
/// Writes go straight to the channel while it is writable. Once NIO's write buffer reaches its
/// high-water mark the channel turns unwritable, and messages wait here, bounded by a message
/// count and a byte total, until writability returns. A full queue applies the realm's
/// slow-consumer policy to events; RPC traffic is never dropped silently, and a queue so far
/// over its limit that it cannot take even RPC traffic ends the session.
struct OutboundQueue<Element> {
    /// Whether a message may be dropped when its receiver cannot keep up.
    enum Importance {
        /// Events: dropped (and counted) or the session is disconnected, per realm policy.
        case event
        /// Results, errors, invocations, acknowledgements, session messages: queued beyond the
        /// soft limit, up to twice the limit.
        case essential
    }

    enum Decision: Equatable {
        /// Write it to the channel now.
        case write
        /// Held in the queue until the channel is writable again.
        case queued
        /// An event dropped under the `drop` policy.
        case dropped
        /// The session must end: an event under the `disconnect` policy, or essential traffic
        /// beyond the hard limit.
        case disconnect
    }

    let maxMessages: Int
    let maxBytes: Int
    let policy: SlowConsumerPolicy
    /// Allocated when a message first has to wait and released when the queue drains: most
    /// sessions never queue anything, and even an empty `CircularBuffer` holds storage for 16
    /// elements (~550 bytes per idle session).
    private var elements: CircularBuffer<(Element, Int)>?
    private(set) var queuedBytes = 0
    /// Events dropped since the queue last drained.
    private(set) var droppedSinceDrained = 0

    init(maxMessages: Int, maxBytes: Int, policy: SlowConsumerPolicy) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
        self.policy = policy
    }

    var isEmpty: Bool { self.elements?.isEmpty ?? true }
    var count: Int { self.elements?.count ?? 0 }

    /// Whether the queue has reached its soft limit.
    var isFull: Bool { self.count >= self.maxMessages || self.queuedBytes >= self.maxBytes }

    mutating func offer(_ element: Element, bytes: Int, importance: Importance, channelWritable: Bool) -> Decision {
        if self.isEmpty && channelWritable {
            return .write
        }
        switch importance {
        case .event:
            if self.count + 1 > self.maxMessages || self.queuedBytes + bytes > self.maxBytes {
                switch self.policy {
                case .drop:
                    self.droppedSinceDrained += 1
                    return .dropped
                case .disconnect:
                    return .disconnect
                }
            }
        case .essential:
            if self.count + 1 > 2 * self.maxMessages || self.queuedBytes + bytes > 2 * self.maxBytes {
                return .disconnect
            }
        }
        if self.elements == nil { self.elements = CircularBuffer(initialCapacity: 16) }
        self.elements!.append((element, bytes))
        self.queuedBytes += bytes
        return .queued
    }

    /// Takes the next queued message, if the channel can take it.
    mutating func next(channelWritable: Bool) -> Element? {
        guard channelWritable, let (element, bytes) = self.elements?.popFirst() else { return nil }
        self.queuedBytes -= bytes
        if self.elements?.isEmpty == true { self.elements = nil }
        return element
    }

    /// Returns the count of events dropped during the congestion episode that just ended.
    mutating func takeDroppedCount() -> Int {
        defer { self.droppedSinceDrained = 0 }
        return self.droppedSinceDrained
    }
}
