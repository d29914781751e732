/// Dynamic authorizer decisions, reused per (role, uri, action) until they expire.
///
/// Bounded: past `capacity` entries the expired ones go, and if that is not enough, all of them
/// (a full cache means the authorizer is simply asked again).
struct AuthorizationCache {
    struct Key: Hashable {
        let role: String
        let uri: String
        let action: Permission.Action
    }

    private var entries: [Key: (decision: AuthorizationDecision, expires: Int64)] = [:]
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    var count: Int { self.entries.count }

    mutating func lookup(_ key: Key, now: Int64) -> AuthorizationDecision? {
        guard let entry = self.entries[key] else { return nil }
        guard entry.expires > now else {
            self.entries[key] = nil
            return nil
        }
        return entry.decision
    }

    mutating func store(_ decision: AuthorizationDecision, for key: Key, ttlMilliseconds: Int64, now: Int64) {
        guard ttlMilliseconds > 0 else { return }
        if self.entries.count >= self.capacity {
            self.entries = self.entries.filter { $0.value.expires > now }
            if self.entries.count >= self.capacity { self.entries.removeAll() }
        }
        self.entries[key] = (decision, now + ttlMilliseconds)
    }

    /// Forgets every decision made for these roles (their authorizer re-registered).
    mutating func invalidate(roles: Set<String>) {
        self.entries = self.entries.filter { !roles.contains($0.key.role) }
    }
}
