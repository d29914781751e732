import WAMPCore

/// Subscription bookkeeping of one realm: which sessions receive which topics.
///
/// A value type with no I/O; the realm asks it questions and acts on the answers. Every subscriber
/// of the same topic pattern (same URI, same match policy) shares one subscription (and so one
/// subscription id), as the spec requires, which is what lets one encoded EVENT serve them all.
/// Matching a publication goes through `URIPatternIndex`, never through every pattern.
struct Broker {
    struct Subscription {
        let id: UInt64
        let topic: String
        let match: MatchPolicy
        /// When the subscription was created, ISO 8601 (for the meta API).
        let created: String
        var subscribers: Set<UInt64>
    }

    private(set) var subscriptions: IDMap<Subscription> = [:]
    private var index = URIPatternIndex()
    private let subscriptionIDs: RandomIDGenerator

    init(ids: RandomIDGenerator = RandomIDGenerator()) {
        self.subscriptionIDs = ids
    }

    /// Adds `session` to the subscription for `topic` under `match`, creating it if needed.
    /// `added` is false when the session was already subscribed (the spec: same id again).
    mutating func subscribe(session: UInt64, topic: String, match: MatchPolicy, now: String)
        -> (id: UInt64, created: Bool, added: Bool)
    {
        if let id = self.index.id(for: topic, match: match) {
            let added = self.subscriptions[id]!.subscribers.insert(session).inserted
            return (id, false, added)
        }
        let id = self.subscriptionIDs.next { self.subscriptions[$0] != nil }
        self.subscriptions[id] = Subscription(id: id, topic: topic, match: match, created: now, subscribers: [session])
        self.index.insert(topic, match: match, id: id)
        return (id, true, true)
    }

    /// Removes `session` from a subscription. Returns whether it was subscribed, and whether the
    /// subscription was deleted because it became empty.
    mutating func unsubscribe(session: UInt64, subscription id: UInt64) -> (found: Bool, deleted: Bool) {
        guard var subscription = self.subscriptions[id], subscription.subscribers.remove(session) != nil else {
            return (false, false)
        }
        if subscription.subscribers.isEmpty {
            self.subscriptions[id] = nil
            self.index.remove(subscription.topic, match: subscription.match)
            return (true, true)
        }
        self.subscriptions[id] = subscription
        return (true, false)
    }

    /// Calls `body` with every subscription an event published to `topic` goes to.
    @inline(__always)  // see `Dealer`: no copy of the broker per publication
    func forEachSubscription(matching topic: String, _ body: (Subscription) -> Void) {
        self.index.forEachMatch(of: topic) { id in
            if let subscription = self.subscriptions[id] { body(subscription) }
        }
    }

    /// The ids of every subscription matching `topic` (`wamp.subscription.match`).
    func subscriptionIDs(matching topic: String) -> [UInt64] {
        var ids: [UInt64] = []
        self.index.forEachMatch(of: topic) { ids.append($0) }
        return ids
    }

    /// The subscription for exactly this pattern (`wamp.subscription.lookup`).
    func lookup(_ topic: String, match: MatchPolicy) -> UInt64? {
        self.index.id(for: topic, match: match)
    }

    /// Whether any subscription would receive a publication to `topic`: meta events are only
    /// built when someone listens.
    @inline(__always)  // see `Dealer`: no copy of the broker per publication
    func hasSubscribers(for topic: String) -> Bool {
        var found = false
        self.index.forEachMatch(of: topic) { _ in found = true }
        return found
    }
}
