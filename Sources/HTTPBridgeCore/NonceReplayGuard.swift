/// Remembers the nonces of accepted signed requests for as long as their timestamps are
/// acceptable, so a captured request cannot be sent again (Crossbar accepts replays).
///
/// A pure value: the caller passes the clock reading. Memory is bounded: expired nonces are
/// swept when the table reaches `capacity`; if it is still full, new requests are refused rather
/// than forgetting nonces whose window is still open.
public struct NonceReplayGuard: Sendable {
    public enum Decision: Sendable, Equatable {
        case accepted
        /// The same key and nonce were accepted within the window.
        case replayed
        /// `capacity` nonces are inside their window: refuse until some expire.
        case full
    }

    private struct Entry: Hashable {
        var key: String
        var nonce: String
    }

    public let capacity: Int
    /// Expiry (seconds since the epoch) of every remembered nonce.
    private var expiries: [Entry: Double] = [:]

    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    public var count: Int { self.expiries.count }

    /// Records `nonce` for `key` if it was not seen within its window, which ends `window`
    /// seconds after the later of `timestamp` and `now`.
    public mutating func admit(key: String, nonce: String, timestamp: Double, now: Double, window: Double) -> Decision {
        let entry = Entry(key: key, nonce: nonce)
        if let expiry = self.expiries[entry], expiry > now {
            return .replayed
        }
        if self.expiries.count >= self.capacity {
            self.expiries = self.expiries.filter { $0.value > now }
            if self.expiries.count >= self.capacity { return .full }
        }
        self.expiries[entry] = max(timestamp, now) + window
        return .accepted
    }
}
