import JunctionRouter
import NIOConcurrencyHelpers

/// Failed logins per client address, shared by all listeners; touched only on logins, never on
/// routing. The table only stores: what counts and when an address is locked out is decided by
/// `LoginFailurePolicy` and `SessionEstablishment`.
final class LoginFailureTracker: Sendable {
    let policy: LoginFailurePolicy
    private let entries = NIOLockedValueBox<[String: LoginFailureHistory]>([:])
    /// Addresses remembered at most; beyond it the expired ones are dropped, then everything.
    private let capacity = 100_000

    init(policy: LoginFailurePolicy) {
        self.policy = policy
    }

    /// The recent failures of `address`.
    func history(of address: String) -> LoginFailureHistory {
        self.entries.withLockedValue { $0[address] ?? LoginFailureHistory() }
    }

    func recordFailure(_ address: String, at now: Int64) {
        self.entries.withLockedValue { entries in
            if entries.count >= self.capacity, entries[address] == nil {
                entries = entries.filter { !$0.value.isExpired(now: now, policy: self.policy) }
                if entries.count >= self.capacity { entries.removeAll() }
            }
            entries[address, default: LoginFailureHistory()].record(failureAt: now, policy: self.policy)
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
