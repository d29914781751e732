import WAMPCore

/// The realm's side of the cluster-wide meta API: what it tells the cluster about its own
/// sessions, subscriptions and testaments, and what it keeps of the other nodes'
/// (`remoteDirectory`), which the meta procedures in `Realm+Meta.swift` merge with its own.
extension Realm {
    /// `junction.cluster.nodes`: answered by the realm like a `wamp.*` meta procedure.
    public static let clusterNodesProcedure = "junction.cluster.nodes"

    /// The publisher of the router's own publications (meta events) on the cluster's path.
    public static let routerPublisher = RemotePublisher(session: 0, authid: "", authrole: "")

    /// Attaches (or with `nil` detaches) the cluster's meta side; must be called on the realm's
    /// loop. Detaching forgets the other nodes' sessions and subscriptions.
    public func attachClusterMeta(_ meta: (any RealmClusterMeta)?) {
        self.eventLoop.preconditionInEventLoop()
        self.clusterMeta = meta
        if meta == nil { self.remoteDirectory = RemoteDirectory() }
    }

    /// Grows with every change the meta API shows (a join, a leave, a subscription, ...), so the
    /// cluster rebuilds this realm's directory only when it changed.
    public var directoryVersion: UInt64 {
        self.eventLoop.preconditionInEventLoop()
        return self.metaVersion
    }

    /// This realm's listed sessions and its subscriptions, for the other nodes.
    public func directorySnapshot() -> RealmDirectory {
        self.eventLoop.preconditionInEventLoop()
        let sessions = self.sessions.values.filter { !$0.unlisted }.sorted { $0.id < $1.id }.map {
            RealmDirectory.Session(id: $0.id, authid: $0.authid, authrole: $0.authrole, details: $0.details)
        }
        let subscriptions = self.broker.subscriptions.values.sorted { $0.id < $1.id }.map {
            RealmDirectory.Subscription(
                id: $0.id, topic: $0.topic, match: $0.match, created: $0.created, subscribers: $0.subscribers.sorted())
        }
        return RealmDirectory(sessions: sessions, subscriptions: subscriptions)
    }

    /// Replaces what this realm knows of `node`'s sessions and subscriptions (its latest
    /// directory). Sessions missing from it left normally: their `on_leave` came from their node.
    public func setRemoteDirectory(node: String, _ directory: RealmDirectory?) {
        self.eventLoop.preconditionInEventLoop()
        self.remoteDirectory.set(node: node, directory)
    }

    /// `node` died or left the cluster: its sessions and subscriptions are forgotten here, and
    /// this node's subscribers get, as if the sessions had left here, `on_unsubscribe` for each
    /// of their subscriptions, `on_delete` for each subscription left without subscribers, then
    /// `wamp.session.on_leave` for each session (every surviving node tells its own subscribers,
    /// so the events do not cross the cluster).
    public func remoteNodeGone(_ node: String) {
        self.eventLoop.preconditionInEventLoop()
        let subscriptions = self.remoteDirectory.nodes[node]?.subscriptions ?? []
        let gone = self.remoteDirectory.set(node: node, nil)
        for subscription in subscriptions.sorted(by: { $0.id < $1.id }) {
            let subscribers = subscription.subscribers.sorted()
            for session in subscribers {
                self.publishLocalMetaEvent(
                    MetaTopic.subscriptionOnUnsubscribe, args: [.uint(session), .uint(subscription.id)])
            }
            guard let last = subscribers.last, self.broker.subscriptions[subscription.id] == nil,
                self.remoteDirectory.subscription(subscription.id) == nil
            else { continue }
            self.publishLocalMetaEvent(MetaTopic.subscriptionOnDelete, args: [.uint(last), .uint(subscription.id)])
        }
        for session in gone.sorted(by: { $0.id < $1.id }) {
            self.publishLocalMetaEvent(
                MetaTopic.sessionOnLeave, args: [.uint(session.id), .string(session.authid), .string(session.authrole)])
        }
    }

    /// What the other nodes know of this realm's sessions (for the meta API's tests and tools).
    public var remoteSessionIDs: [UInt64] {
        self.eventLoop.preconditionInEventLoop()
        return self.remoteDirectory.sessions.map(\.id).sorted()
    }

    /// A meta event for this node's subscribers only (never forwarded to other nodes).
    func publishLocalMetaEvent(_ topic: String, args: @autoclosure () -> WAMPList) {
        guard !self.closed, self.broker.hasSubscribers(for: topic) else { return }
        self.deliverLocally(
            topic: topic, publication: WAMPID.random(), payload: .init(args: args()), details: [:],
            filter: PublicationFilter())
    }

    // MARK: Testaments

    /// Tells the cluster that `record`'s testaments changed, so another node can publish them if
    /// this one dies. Every code path that changes `SessionRecord.testaments` calls it.
    func testamentsChanged(_ record: SessionRecord) {
        guard let meta = self.clusterMeta, !record.unlisted else { return }
        meta.realm(self.name, testamentsOf: Self.remotePublisher(record), changedTo: Self.clusterTestaments(of: record))
    }

    /// Every session's testaments, for a node that (re)connects to the cluster.
    public func testamentsSnapshot() -> [(publisher: RemotePublisher, testaments: [ClusterTestament])] {
        self.eventLoop.preconditionInEventLoop()
        return self.sessions.values.filter { !$0.unlisted && !$0.testaments.isEmpty }.sorted { $0.id < $1.id }.map {
            (Self.remotePublisher($0), Self.clusterTestaments(of: $0))
        }
    }

    /// Publishes the testaments of a session of a node that died, as its node would have: to
    /// this node's subscribers and, through the cluster link, to the other nodes'. `detached`
    /// ones first, then `destroyed` ones, each in the order they were added.
    public func publishOrphanedTestaments(_ testaments: [ClusterTestament], of publisher: RemotePublisher) {
        self.eventLoop.preconditionInEventLoop()
        guard !self.closed else { return }
        for scope in TestamentScope.allCases {
            for testament in testaments where testament.scope == scope.rawValue {
                var options = testament.options
                options["acknowledge"] = nil
                let filter = PublicationFilter(
                    options: options, publisher: publisher.session,
                    excludeMe: options["exclude_me"]?.boolValue ?? true)
                let details = self.testamentDetails(options: options, publisher: publisher)
                let publication = WAMPID.random()
                self.deliverLocally(
                    topic: testament.topic, publication: publication, payload: testament.payload, details: details,
                    filter: filter)
                self.clusterLink?.realm(
                    self.name, published: testament.topic, publication: publication, payload: testament.payload,
                    options: options, details: details, publisher: publisher)
            }
        }
    }

    /// EVENT details of a dead node's testament: disclosure and trust level as its realm would
    /// have computed them (the same configuration runs on every node).
    private func testamentDetails(options: WAMPDict, publisher: RemotePublisher) -> WAMPDict {
        var details: WAMPDict = [:]
        let disclose: Bool
        switch self.configuration.disclosure {
        case .onRequest: disclose = options["disclose_me"]?.boolValue ?? false
        case .refuse: disclose = false
        case .always: disclose = true
        }
        if disclose {
            details["publisher"] = .uint(publisher.session)
            details["publisher_authid"] = .string(publisher.authid)
            details["publisher_authrole"] = .string(publisher.authrole)
        }
        if let level = self.configuration.trustLevels[publisher.authrole] {
            details["trustlevel"] = .uint(UInt64(max(0, level)))
        }
        return details
    }

    private static func remotePublisher(_ record: SessionRecord) -> RemotePublisher {
        RemotePublisher(session: record.id, authid: record.authid, authrole: record.authrole)
    }

    private static func clusterTestaments(of record: SessionRecord) -> [ClusterTestament] {
        TestamentScope.allCases.flatMap { scope in
            (record.testaments[scope] ?? []).map {
                ClusterTestament(scope: scope.rawValue, topic: $0.topic, payload: $0.payload, options: $0.options)
            }
        }
    }

    // MARK: Kills from other nodes

    /// Ends the listed sessions of this realm that another node's meta API killed; returns how
    /// many there were.
    @discardableResult
    public func killSessions(_ ids: [UInt64], reason: String, message: String?) -> Int {
        self.eventLoop.preconditionInEventLoop()
        var killed = 0
        for id in ids {
            guard let record = self.sessions[id], !record.unlisted else { continue }
            self.kill(record, reason: reason, message: message)
            killed += 1
        }
        return killed
    }

    func metaClusterNodes() -> MetaReply {
        guard let meta = self.clusterMeta else {
            return .error(WAMPErrorURI.noSuchProcedure, "this router is not part of a cluster")
        }
        return .value(.list(meta.nodes()))
    }
}
