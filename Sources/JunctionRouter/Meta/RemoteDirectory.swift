import WAMPCore

/// One realm's sessions and subscriptions on one node, as the meta API shows them: what a node
/// publishes about itself for the other nodes of a cluster, and what they keep of it.
public struct RealmDirectory: Sendable, Hashable {
    public var sessions: [Session]
    public var subscriptions: [Subscription]

    public init(sessions: [Session] = [], subscriptions: [Subscription] = []) {
        self.sessions = sessions
        self.subscriptions = subscriptions
    }

    public struct Session: Sendable, Hashable {
        public var id: UInt64
        public var authid: String
        public var authrole: String
        /// `wamp.session.get` details, as the session's node answers them.
        public var details: WAMPDict

        public init(id: UInt64, authid: String, authrole: String, details: WAMPDict) {
            self.id = id
            self.authid = authid
            self.authrole = authrole
            self.details = details
        }
    }

    public struct Subscription: Sendable, Hashable {
        public var id: UInt64
        public var topic: String
        public var match: MatchPolicy
        public var created: String
        public var subscribers: [UInt64]

        public init(id: UInt64, topic: String, match: MatchPolicy, created: String, subscribers: [UInt64]) {
            self.id = id
            self.topic = topic
            self.match = match
            self.created = created
            self.subscribers = subscribers
        }

        /// `wamp.subscription.get` details.
        var metaDetails: WAMPDict {
            ["id": .uint(self.id), "created": .string(self.created), "uri": .string(self.topic),
             "match": .string(self.match.rawValue)]
        }
    }
}

/// What a realm knows of the other nodes' sessions and subscriptions: the latest directory each
/// node published, indexed by id. A value confined to the realm's loop; the meta API merges it
/// with the realm's own sessions and subscriptions. Subscription ids are per node (a topic
/// subscribed on two nodes has two ids, each in its node's id slot), session ids are unique
/// cluster-wide, so an id names one entry.
public struct RemoteDirectory: Sendable {
    public private(set) var nodes: [String: RealmDirectory] = [:]
    private var sessionIndex: [UInt64: (node: String, index: Int)] = [:]
    private var subscriptionIndex: [UInt64: (node: String, index: Int)] = [:]

    public init() {}

    /// Replaces what `node` has (`nil`: it has nothing any more); returns the sessions it had
    /// before that it no longer has.
    @discardableResult
    public mutating func set(node: String, _ directory: RealmDirectory?) -> [RealmDirectory.Session] {
        let old = self.nodes[node]
        self.nodes[node] = directory?.sessions.isEmpty == false || directory?.subscriptions.isEmpty == false
            ? directory : nil
        for session in old?.sessions ?? [] where self.sessionIndex[session.id]?.node == node {
            self.sessionIndex[session.id] = nil
        }
        for subscription in old?.subscriptions ?? [] where self.subscriptionIndex[subscription.id]?.node == node {
            self.subscriptionIndex[subscription.id] = nil
        }
        for (index, session) in (directory?.sessions ?? []).enumerated() {
            self.sessionIndex[session.id] = (node, index)
        }
        for (index, subscription) in (directory?.subscriptions ?? []).enumerated() {
            self.subscriptionIndex[subscription.id] = (node, index)
        }
        let kept = Set((directory?.sessions ?? []).map(\.id))
        return (old?.sessions ?? []).filter { !kept.contains($0.id) }
    }

    public var isEmpty: Bool { self.nodes.isEmpty }

    public var sessions: [RealmDirectory.Session] { self.nodes.values.flatMap(\.sessions) }

    public var subscriptions: [RealmDirectory.Subscription] { self.nodes.values.flatMap(\.subscriptions) }

    public func session(_ id: UInt64) -> (node: String, session: RealmDirectory.Session)? {
        guard let (node, index) = self.sessionIndex[id], let directory = self.nodes[node] else { return nil }
        return (node, directory.sessions[index])
    }

    public func subscription(_ id: UInt64) -> RealmDirectory.Subscription? {
        guard let (node, index) = self.subscriptionIndex[id], let directory = self.nodes[node] else { return nil }
        return directory.subscriptions[index]
    }

    /// The node that has subscription `id` (its subscribers are that node's sessions).
    public func node(ofSubscription id: UInt64) -> String? {
        self.subscriptionIndex[id]?.node
    }

    /// The remote subscriptions a publication to `uri` goes to.
    public func subscriptionIDs(matching uri: String) -> [UInt64] {
        self.subscriptions.filter { $0.match.matches(pattern: $0.topic, uri: uri) }.map(\.id)
    }

    /// The remote subscription for exactly this pattern with the lowest id (each node has its own).
    public func lookup(_ topic: String, match: MatchPolicy) -> UInt64? {
        self.subscriptions.filter { $0.topic == topic && $0.match == match }.map(\.id).min()
    }
}
