/// Which nodes are alive, from the heartbeats this node observes: a pure state machine fed with
/// observations and clock ticks (the caller passes `now`, so tests advance time by hand).
///
/// A node is a member from its first heartbeat until no heartbeat has been seen for
/// `evictAfter`. A heartbeat with a new `epoch` (the node restarted under the same name) is a
/// departure and a new arrival: the old incarnation's state must go, its sequence numbers restart.
public struct ClusterMembership: Sendable {
    public struct Member: Sendable, Hashable {
        public var node: String
        /// Random per process start; distinguishes incarnations of one node name.
        public var epoch: UInt64
        public var sessions: Int
        /// When this node last saw the member's heartbeat (monotonic milliseconds).
        public var lastSeen: Int64
    }

    public enum Action: Sendable, Hashable {
        case none
        case joined(Member)
        /// The member is gone: drop its sessions, subscriptions, registrations, and fail its calls.
        case evicted(Member)
        /// The member restarted: evict `old`, then treat `new` as joined.
        case replaced(old: Member, new: Member)
    }

    public let selfNode: String
    public let evictAfterMilliseconds: Int64
    public private(set) var members: [String: Member] = [:]

    public init(selfNode: String, evictAfterMilliseconds: Int64 = 7000) {
        self.selfNode = selfNode
        self.evictAfterMilliseconds = evictAfterMilliseconds
    }

    /// A heartbeat from `node` observed at `now`. Our own heartbeats are ignored (they only prove
    /// the Redis path works, which the connection's self-probe checks).
    public mutating func heartbeat(node: String, epoch: UInt64, sessions: Int, now: Int64) -> Action {
        guard node != self.selfNode else { return .none }
        let member = Member(node: node, epoch: epoch, sessions: sessions, lastSeen: now)
        guard let previous = self.members[node] else {
            self.members[node] = member
            return .joined(member)
        }
        self.members[node] = member
        return previous.epoch == epoch ? .none : .replaced(old: previous, new: member)
    }

    /// Evicts every member silent for longer than `evictAfter`, in name order.
    public mutating func tick(now: Int64) -> [Action] {
        let expired = self.members.values
            .filter { now - $0.lastSeen > self.evictAfterMilliseconds }
            .sorted { $0.node < $1.node }
        for member in expired { self.members[member.node] = nil }
        return expired.map { .evicted($0) }
    }

    /// A node said goodbye (clean shutdown): it goes at once instead of after `evictAfter`.
    public mutating func left(node: String, epoch: UInt64) -> Action {
        guard let member = self.members[node], member.epoch == epoch else { return .none }
        self.members[node] = nil
        return .evicted(member)
    }
}
