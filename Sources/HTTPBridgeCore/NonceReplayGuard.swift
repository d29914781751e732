/// Remembers the nonces of accepted signed requests for as long as their timestamps are
/// acceptable, so a captured request cannot be sent again (Crossbar accepts replays).
///
/// A pure value: the caller passes the clock reading. Memory is bounded and small per nonce: a
/// nonce is kept as a 64-bit fingerprint of key and nonce (`Hasher`, seeded per process, so a
/// client cannot aim for a collision; an accidental one refuses one request as a replay with a
/// probability below 10⁻⁷ at a full table) with its expiry, about 40 bytes. Expired nonces are
/// dropped from the front of an insertion-ordered queue as requests arrive, so the cost stays
/// constant per request; if `capacity` nonces are still inside their window, new requests are
/// refused rather than forgetting a nonce that could still be replayed.
public struct NonceReplayGuard: Sendable {
    public enum Decision: Sendable, Equatable {
        case accepted
        /// The same key and nonce were accepted within the window.
        case replayed
        /// `capacity` nonces are inside their window: refuse until some expire.
        case full
    }

    public let capacity: Int
    /// Expiry (seconds since the epoch) of every remembered fingerprint.
    private var expiries: [Int: Double] = [:]
    /// Fingerprints in the order they were admitted, with the expiry given then; `head` is the
    /// oldest not yet dropped. Expiries are nearly ordered (clients' clocks differ a little), so
    /// a later entry may outlive its window behind an earlier one for at most that difference.
    private var admitted: [(fingerprint: Int, expiry: Double)] = []
    private var head = 0

    public init(capacity: Int = 1_000_000) {
        self.capacity = capacity
    }

    public var count: Int { self.expiries.count }

    /// Records `nonce` for `key` if it was not seen within its window, which ends `window`
    /// seconds after `timestamp` (when the request stops being acceptable).
    public mutating func admit(key: String, nonce: String, timestamp: Double, now: Double, window: Double) -> Decision {
        self.dropExpired(now: now)
        var hasher = Hasher()
        hasher.combine(key)
        hasher.combine(nonce)
        let fingerprint = hasher.finalize()
        if let expiry = self.expiries[fingerprint], expiry > now {
            return .replayed
        }
        if self.expiries.count >= self.capacity {
            self.sweepAll(now: now)
            if self.expiries.count >= self.capacity { return .full }
        }
        let expiry = timestamp + window
        self.expiries[fingerprint] = expiry
        self.admitted.append((fingerprint, expiry))
        return .accepted
    }

    /// Drops expired nonces from the front of the queue: amortized O(1) per request.
    private mutating func dropExpired(now: Double) {
        while self.head < self.admitted.count, self.admitted[self.head].expiry <= now {
            let entry = self.admitted[self.head]
            if self.expiries[entry.fingerprint] == entry.expiry {
                self.expiries[entry.fingerprint] = nil
            }
            self.head += 1
        }
        if self.head > 1024, self.head * 2 > self.admitted.count {
            self.admitted.removeFirst(self.head)
            self.head = 0
        }
    }

    /// The queue's front may hold a nonce with a later expiry than some behind it; when the table
    /// is full, every expired one is dropped.
    private mutating func sweepAll(now: Double) {
        self.expiries = self.expiries.filter { $0.value > now }
        self.admitted = self.admitted[self.head...].filter { self.expiries[$0.fingerprint] == $0.expiry }
        self.head = 0
    }
}
