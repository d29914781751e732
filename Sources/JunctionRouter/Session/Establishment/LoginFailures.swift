/// When failed logins slow down and then stop a password guesser.
///
/// Every failure is answered only after `delayMilliseconds`; once an address has `maxFailures`
/// failures within `windowMilliseconds`, its further authentication attempts are refused without
/// being checked until the window has passed.
public struct LoginFailurePolicy: Sendable, Hashable {
    public var delayMilliseconds: Int64
    public var maxFailures: Int
    public var windowMilliseconds: Int64

    public init(delayMilliseconds: Int64, maxFailures: Int, windowMilliseconds: Int64) {
        self.delayMilliseconds = delayMilliseconds
        self.maxFailures = maxFailures
        self.windowMilliseconds = windowMilliseconds
    }

    /// Whether `history` used up its failures in the window ending at `now`.
    public func isLockedOut(_ history: LoginFailureHistory, now: Int64) -> Bool {
        history.failures(since: now - self.windowMilliseconds) >= self.maxFailures
    }
}

/// The recent failed logins of one client address (milliseconds since the epoch, oldest first),
/// at most `maxFailures` of them.
public struct LoginFailureHistory: Sendable, Hashable {
    public private(set) var times: [Int64] = []

    public init() {}

    /// No failure in the window ending at `now`: the address can be forgotten.
    public func isExpired(now: Int64, policy: LoginFailurePolicy) -> Bool {
        self.failures(since: now - policy.windowMilliseconds) == 0
    }

    public mutating func record(failureAt now: Int64, policy: LoginFailurePolicy) {
        self.times.removeAll { $0 <= now - policy.windowMilliseconds }
        self.times.append(now)
        if self.times.count > policy.maxFailures { self.times.removeFirst(self.times.count - policy.maxFailures) }
    }

    func failures(since start: Int64) -> Int {
        self.times.count { $0 > start }
    }
}
