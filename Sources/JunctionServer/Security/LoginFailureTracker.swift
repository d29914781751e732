import NIOConcurrencyHelpers

/// Failed logins per client address, so password guessing gets slow and then stops.
///
/// Every failure is answered only after `delay`; once an address has `maxFailures` failures within
/// `window`, its further authentication attempts are refused without being checked until the
/// window has passed. Shared by all listeners; touched only on logins, never on routing.
final class LoginFailureTracker: Sendable {
    struct Policy: Sendable, Hashable {
        var delayMilliseconds: Int64
        var maxFailures: Int
        var windowMilliseconds: Int64
    }

    private struct Entry {
        var failures: [Int64] = []
    }

    let policy: Policy
    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    /// Addresses remembered at most; beyond it the oldest knowledge is dropped wholesale.
    private let capacity = 100_000

    init(policy: Policy) {
        self.policy = policy
    }

    /// Whether `address` used up its failures in the current window.
    func isLockedOut(_ address: String, now: Int64) -> Bool {
        self.entries.withLockedValue { entries in
            guard var entry = entries[address] else { return false }
            entry.failures.removeAll { $0 <= now - self.policy.windowMilliseconds }
            entries[address] = entry.failures.isEmpty ? nil : entry
            return entry.failures.count >= self.policy.maxFailures
        }
    }

    func recordFailure(_ address: String, now: Int64) {
        self.entries.withLockedValue { entries in
            if entries.count >= self.capacity, entries[address] == nil {
                entries = entries.filter { $0.value.failures.contains { $0 > now - self.policy.windowMilliseconds } }
                if entries.count >= self.capacity { entries.removeAll() }
            }
            var entry = entries[address] ?? Entry()
            entry.failures.removeAll { $0 <= now - self.policy.windowMilliseconds }
            entry.failures.append(now)
            if entry.failures.count > self.policy.maxFailures { entry.failures.removeFirst() }
            entries[address] = entry
        }
    }
}

/// Caps connections whose session is not established yet (across all listeners): a flood of
/// connections that never authenticate cannot crowd out real clients or exhaust memory.
final class PendingSessionGate: Sendable {
    private let count = NIOLockedValueBox<Int>(0)
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts one more pending session, or refuses if the cap is reached.
    func enter() -> Bool {
        self.count.withLockedValue { count in
            guard count < self.limit else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        self.count.withLockedValue { $0 -= 1 }
    }

    var pending: Int { self.count.withLockedValue { $0 } }
}
