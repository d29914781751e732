import WAMPCore

/// Subscription bookkeeping of one realm: which sessions receive which topics.
///
/// A value type with no I/O; the realm asks it questions and acts on the answers. Every subscriber
/// of a topic shares one subscription (and so one subscription id), as the spec requires, which
/// is what lets one encoded EVENT serve them all.
struct Broker {
    struct Subscription {
        let id: UInt64
        let topic: String
        let match: MatchPolicy
        var subscribers: Set<UInt64>
    }

    private(set) var subscriptions: [UInt64: Subscription] = [:]
    private var exact: [String: UInt64] = [:]
    private var subscriptionIDs = SequentialIDGenerator()

    /// Adds `session` to the subscription for `topic`, creating it if needed.
    mutating func subscribe(session: UInt64, topic: String, match: MatchPolicy) -> (id: UInt64, created: Bool) {
        if let id = self.exact[topic] {
            self.subscriptions[id]!.subscribers.insert(session)
            return (id, false)
        }
        let id = self.subscriptionIDs.next()
        self.subscriptions[id] = Subscription(id: id, topic: topic, match: match, subscribers: [session])
        self.exact[topic] = id
        return (id, true)
    }

    /// Removes `session` from a subscription. Returns whether it was subscribed, and whether the
    /// subscription was deleted because it became empty.
    mutating func unsubscribe(session: UInt64, subscription id: UInt64) -> (found: Bool, deleted: Bool) {
        guard var subscription = self.subscriptions[id], subscription.subscribers.remove(session) != nil else {
            return (false, false)
        }
        if subscription.subscribers.isEmpty {
            self.subscriptions[id] = nil
            self.exact[subscription.topic] = nil
            return (true, true)
        }
        self.subscriptions[id] = subscription
        return (true, false)
    }

    /// The subscription an event published to `topic` goes to.
    func subscription(forPublicationTo topic: String) -> Subscription? {
        guard let id = self.exact[topic] else { return nil }
        return self.subscriptions[id]
    }
}
