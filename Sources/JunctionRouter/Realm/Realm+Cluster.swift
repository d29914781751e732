import WAMPCore

/// Where a realm hands the publications of its own sessions so other nodes of a cluster get them.
///
/// Called on the realm's event loop, after local delivery, once per publication of a session and
/// per meta event of the router (publisher `Realm.routerPublisher`, session 0: each node raises
/// meta events only for its own sessions). The implementation must not block: it queues the
/// publication on its ordered path and returns.
public protocol RealmClusterLink: AnyObject, Sendable {
    func realm(
        _ realm: String, published topic: String, publication: UInt64, payload: Payload, options: WAMPDict,
        details: WAMPDict, publisher: RemotePublisher)
}

extension Realm {
    /// Session ids of a clustered node: the top 10 of WAMP's 53 id bits are the node's slot (one
    /// of 1024, claimed in Redis), the low 43 bits random, so two nodes never hand out one id.
    public static let clusterSessionSlots: UInt64 = 1024
    static let clusterSessionLowBits: UInt64 = 43

    /// Puts this realm's new session ids in `slot`'s range (`nil`: anywhere, unclustered).
    public func setClusterSessionSlot(_ slot: UInt64?) {
        precondition(slot.map { $0 < Self.clusterSessionSlots } ?? true, "slot out of range")
        self.clusterSessionSlot.store(slot.map { $0 + 1 } ?? 0, ordering: .relaxed)
    }

    /// `random` (a WAMP id) moved into this node's slot range, or unchanged when not clustered.
    func clusterSessionID(_ random: UInt64) -> UInt64 {
        let slot = self.clusterSessionSlot.load(ordering: .relaxed)
        guard slot != 0 else { return random }
        let low = random & ((1 << Self.clusterSessionLowBits) - 1)
        return ((slot - 1) << Self.clusterSessionLowBits) | max(1, low)
    }

    /// Attaches (or with `nil` detaches) the cluster; must be called on the realm's loop.
    public func attachCluster(_ link: (any RealmClusterLink)?) {
        self.eventLoop.preconditionInEventLoop()
        self.clusterLink = link
    }

    /// Delivers a publication that a session on another node made to this node's matching
    /// subscribers, filtered here as the publishing node would have: `details` are the EVENT
    /// details the publishing realm computed (disclosure, trust level, ppt options).
    /// `publication` is the id the publishing node gave it, so every subscriber in the cluster
    /// sees the same id.
    public func deliverRemotePublication(
        topic: String, publication: UInt64, payload: Payload, options: WAMPDict, details: WAMPDict,
        publisher: RemotePublisher
    ) {
        self.eventLoop.preconditionInEventLoop()
        let excludeMe = options["exclude_me"]?.boolValue ?? true
        let filter = PublicationFilter(options: options, publisher: publisher.session, excludeMe: excludeMe)
        // Stream positions are the source node's: meaningless to this node's subscribers, who
        // could otherwise resume from them here.
        var details = details
        details["_offset"] = nil
        details["_epoch"] = nil
        self.deliverLocally(topic: topic, publication: publication, payload: payload, details: details, filter: filter)
    }

    /// Whether any local subscription matches `topic` (what the cluster's interest index says).
    public func hasSubscribers(matching topic: String) -> Bool {
        self.eventLoop.preconditionInEventLoop()
        var found = false
        self.broker.forEachSubscription(matching: topic) { _ in found = true }
        return found
    }

    /// The topics (with match policy) this node's sessions subscribe to, for the interest index.
    public func subscribedTopics() -> [(topic: String, match: String)] {
        self.eventLoop.preconditionInEventLoop()
        return self.broker.subscriptions.values.map { ($0.topic, $0.match.rawValue) }
    }
}
