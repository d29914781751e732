import NIOCore

/// The publications on this node's ordered path that Redis has not answered yet, oldest first.
/// When the command connection drops (command timeout, `CLIENT KILL`), Redis may not have run the
/// ones in flight; the node still holds them, and holds the publications its sessions make until
/// it reconnects, then sends them all, in sequence order, on the new connection before anything
/// newer — so receivers repair instead of counting them lost (the scripts skip a sequence number
/// already in the node's stream, so one that did run is not written twice).
///
/// Pure: the caller sends, feeds replies and the clock, and runs what comes out. A publication is
/// sent on at most `maxAttempts` connections; when the node stays without Redis for longer than
/// the timeout passed to `expire`, everything is given up (its local side told it failed) and
/// publications are no longer held until the next connection.
struct InFlightWindow<Item> {
    struct Entry {
        let sequence: UInt64
        let item: Item
        /// How many connections it was sent on (0: held while disconnected).
        fileprivate(set) var attempts: Int
    }

    private enum Phase {
        case connected
        /// The connection dropped at this time (monotonic ms); new publications are held.
        case holding(since: Int64)
        /// Never connected, or without Redis for too long: new publications are not held.
        case dropping
    }

    private var entries = CircularBuffer<Entry>()
    private var phase = Phase.dropping
    let maxAttempts: Int
    /// The most publications held or in flight; beyond it, new ones are not held.
    let capacity: Int

    init(maxAttempts: Int = 2, capacity: Int = 100_000) {
        self.maxAttempts = maxAttempts
        self.capacity = capacity
    }

    var count: Int { self.entries.count }
    var isEmpty: Bool { self.entries.isEmpty }

    /// Whether a publication made while disconnected is held for the next connection.
    var isHolding: Bool {
        guard case .holding = self.phase else { return false }
        return self.entries.count < self.capacity
    }

    /// `sequence` was sent on the current connection (sequences only grow).
    mutating func sent(_ sequence: UInt64, _ item: Item) {
        self.entries.append(Entry(sequence: sequence, item: item, attempts: 1))
    }

    /// `sequence` was made while disconnected: sent with the next connection's resend.
    mutating func hold(_ sequence: UInt64, _ item: Item) {
        self.entries.append(Entry(sequence: sequence, item: item, attempts: 0))
    }

    /// Redis answered `sequence`: returns its item, or nil when it was answered already (a late
    /// reply on the old connection and the resent one's both come back) or given up.
    mutating func answered(_ sequence: UInt64) -> Item? {
        if self.entries.first?.sequence == sequence { return self.entries.removeFirst().item }
        guard let index = self.entries.firstIndex(where: { $0.sequence == sequence }) else { return nil }
        return self.entries.remove(at: index).item
    }

    /// The connection closed: what is here waits for the next one, and so do new publications.
    mutating func connectionLost(now: Int64) {
        if case .connected = self.phase { self.phase = .holding(since: now) }
    }

    /// A new connection is up: the entries to send on it now, in sequence order (before anything
    /// newer), and those given up because they were sent on `maxAttempts` connections already.
    mutating func takeForResend() -> (resend: [Entry], givenUp: [Entry]) {
        self.phase = .connected
        var resend: [Entry] = []
        var givenUp: [Entry] = []
        var kept = CircularBuffer<Entry>(initialCapacity: max(self.entries.count, 16))
        for var entry in self.entries {
            if entry.attempts >= self.maxAttempts {
                givenUp.append(entry)
                continue
            }
            entry.attempts += 1
            resend.append(entry)
            kept.append(entry)
        }
        self.entries = kept
        return (resend, givenUp)
    }

    /// Gives up everything when the connection has been gone for `timeout` ms or more (Redis is
    /// down: what waits for it must not wait forever); new publications are then not held.
    mutating func expire(now: Int64, timeout: Int64) -> [Entry] {
        guard case .holding(let since) = self.phase, now - since >= timeout else { return [] }
        return self.giveUpAll()
    }

    /// Gives up everything (the service stops, or Redis stayed away).
    mutating func giveUpAll() -> [Entry] {
        self.phase = .dropping
        let all = Array(self.entries)
        self.entries.removeAll(keepingCapacity: true)
        return all
    }
}

extension InFlightWindow: Sendable where Item: Sendable {}
extension InFlightWindow.Entry: Sendable where Item: Sendable {}
