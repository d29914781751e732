import WAMPCore

/// The meta API, served by the realm itself: a CALL to `wamp.session.count` is answered here and
/// never reaches a callee (applications cannot register `wamp.*`). The caller's role must allow
/// `call` on the meta procedure, like any other procedure.
extension Realm {
    /// What a meta procedure answers: a result payload or an error.
    enum MetaReply {
        case result(Payload)
        case error(String, String)

        static func value(_ value: WAMPValue) -> MetaReply { .result(.init(args: [value])) }
        static let empty = MetaReply.result(.empty)
    }

    typealias MetaProcedure = @Sendable (Realm, WAMPMessage.Call, SessionRecord) -> MetaReply

    static let metaProcedures: [String: MetaProcedure] = [
        "wamp.session.count": { realm, call, _ in realm.metaSessionCount(call) },
        "wamp.session.list": { realm, call, _ in realm.metaSessionList(call) },
        "wamp.session.get": { realm, call, _ in realm.metaSessionGet(call) },
        "wamp.session.kill": { realm, call, caller in realm.metaSessionKill(call, caller: caller) },
        "wamp.session.kill_by_authid": { realm, call, caller in
            realm.metaKillMany(call, caller: caller, filter: { record, arg in record.authid == arg })
        },
        "wamp.session.kill_by_authrole": { realm, call, caller in
            realm.metaKillMany(call, caller: caller, filter: { record, arg in record.authrole == arg })
        },
        "wamp.session.kill_all": { realm, call, caller in realm.metaKillMany(call, caller: caller, filter: nil) },
        "wamp.session.add_testament": { realm, call, caller in realm.metaAddTestament(call, caller: caller) },
        "wamp.session.flush_testaments": { realm, call, caller in realm.metaFlushTestaments(call, caller: caller) },
        "wamp.registration.list": { realm, _, _ in realm.metaRegistrationList() },
        "wamp.registration.lookup": { realm, call, _ in realm.metaRegistrationLookup(call) },
        "wamp.registration.match": { realm, call, _ in realm.metaRegistrationMatch(call) },
        "wamp.registration.get": { realm, call, _ in realm.metaRegistrationGet(call) },
        "wamp.registration.list_callees": { realm, call, _ in realm.metaListCallees(call, count: false) },
        "wamp.registration.count_callees": { realm, call, _ in realm.metaListCallees(call, count: true) },
        "wamp.registration.remove_callee": { realm, call, _ in realm.metaRemoveCallee(call) },
        "wamp.subscription.list": { realm, _, _ in realm.metaSubscriptionList() },
        "wamp.subscription.lookup": { realm, call, _ in realm.metaSubscriptionLookup(call) },
        "wamp.subscription.match": { realm, call, _ in realm.metaSubscriptionMatch(call) },
        "wamp.subscription.get": { realm, call, _ in realm.metaSubscriptionGet(call) },
        "wamp.subscription.list_subscribers": { realm, call, _ in realm.metaListSubscribers(call, count: false) },
        "wamp.subscription.count_subscribers": { realm, call, _ in realm.metaListSubscribers(call, count: true) },
        "wamp.subscription.remove_subscriber": { realm, call, _ in realm.metaRemoveSubscriber(call) },
        "wamp.subscription.get_events": { realm, call, caller in realm.metaGetEvents(call, caller: caller) },
        Realm.clusterNodesProcedure: { realm, _, _ in realm.metaClusterNodes() },
    ]

    /// Answers a CALL to a `wamp.*` procedure; false when there is no such meta procedure.
    func handleMetaCall(_ call: WAMPMessage.Call, from record: SessionRecord) -> Bool {
        guard let procedure = Self.metaProcedures[call.procedure] else { return false }
        // Clustered: the history is in Redis; answered once it is read.
        if call.procedure == "wamp.subscription.get_events", self.streamLink != nil,
            self.getEventsThroughCluster(call, from: record)
        {
            return true
        }
        // Clustered: a subscriber or callee on another node is removed there; answered once asked.
        if self.clusterMeta != nil, self.removeThroughCluster(call, from: record) { return true }
        switch procedure(self, call, record) {
        case .result(let payload):
            record.peer.send(.result(.init(request: call.request, payload: payload)))
        case .error(let uri, let message):
            self.reply(record, error: uri, to: .call, request: call.request, message: message)
        }
        return true
    }

    /// Publishes a meta event from the router, only when someone subscribed to it (here or, in a
    /// cluster, on another node, which gets it on this node's ordered path), and not while the
    /// realm shuts down. `args` is built only then (a join would otherwise build the session's
    /// details dictionary for nobody).
    func publishMetaEvent(_ topic: String, args: @autoclosure () -> WAMPList) {
        self.metaVersion &+= 1
        guard !self.closed,
            self.broker.hasSubscribers(for: topic)
                || self.clusterMeta?.remoteInterest(realm: self.name, topic: topic) == true
        else { return }
        self.publish(to: topic, payload: .init(args: args()), options: [:], publisher: nil)
    }

    /// The wall clock as ISO 8601, for `created` fields.
    func timestamp() -> String {
        WallClock.iso8601(self.clock.now())
    }

    // MARK: Arguments

    static func argument(_ call: WAMPMessage.Call, _ index: Int) -> WAMPValue? {
        guard let args = call.payload.args, index < args.count else { return nil }
        return args[index]
    }

    static func idArgument(_ call: WAMPMessage.Call, _ index: Int = 0) -> UInt64? {
        Self.argument(call, index)?.unsignedInteger
    }

    static func invalidArgument(_ what: String) -> MetaReply {
        .error(WAMPErrorURI.invalidArgument, what)
    }

    /// The `reason` kwarg of `remove_subscriber`/`remove_callee`, told to the revoked peer.
    static func removalReason(_ call: WAMPMessage.Call) -> String {
        call.payload.kwargs?["reason"]?.stringValue ?? "removed by the meta API"
    }

    // MARK: Sessions

    /// The router's own session is not listed: users see the sessions that joined the realm, on
    /// this node and (in a cluster) on the others.
    private func sessionIDs(filter call: WAMPMessage.Call) -> [UInt64]? {
        let argument = Self.argument(call, 0)
        if argument == nil || argument?.isNull == true {
            return (self.sessions.values.filter { !$0.unlisted }.map(\.id) + self.remoteDirectory.sessions.map(\.id))
                .sorted()
        }
        guard let roles = argument?.listValue?.compactMap(\.stringValue) else { return nil }
        return (self.sessions.values.filter { !$0.unlisted && roles.contains($0.authrole) }.map(\.id)
            + self.remoteDirectory.sessions.filter { roles.contains($0.authrole) }.map(\.id)).sorted()
    }

    /// A session the meta API may show or act on.
    private func listedSession(_ id: UInt64) -> SessionRecord? {
        guard let record = self.sessions[id], !record.unlisted else { return nil }
        return record
    }

    private func metaSessionCount(_ call: WAMPMessage.Call) -> MetaReply {
        guard let ids = self.sessionIDs(filter: call) else {
            return Self.invalidArgument("filter_authroles must be a list of strings")
        }
        return .value(.uint(UInt64(ids.count)))
    }

    private func metaSessionList(_ call: WAMPMessage.Call) -> MetaReply {
        guard let ids = self.sessionIDs(filter: call) else {
            return Self.invalidArgument("filter_authroles must be a list of strings")
        }
        return .value(.list(ids.map { .uint($0) }))
    }

    private func metaSessionGet(_ call: WAMPMessage.Call) -> MetaReply {
        guard let id = Self.idArgument(call) else { return Self.invalidArgument("expected a session id") }
        guard let record = self.listedSession(id) else {
            if let remote = self.remoteDirectory.session(id) { return .value(.dict(remote.session.details)) }
            return .error(WAMPErrorURI.noSuchSession, "no session \(id)")
        }
        return .value(.dict(record.details))
    }

    /// `reason` and `message` kwargs of the kill procedures; `nil` when `reason` is not a URI.
    private static func killReason(_ call: WAMPMessage.Call) -> (reason: String, message: String?)? {
        let kwargs = call.payload.kwargs ?? [:]
        let message = kwargs["message"]?.stringValue
        guard let value = kwargs["reason"], !value.isNull else { return (WAMPErrorURI.killed, message) }
        guard let reason = value.stringValue, !reason.isEmpty, URIValidation.isValid(reason) else { return nil }
        return (reason, message)
    }

    private func metaSessionKill(_ call: WAMPMessage.Call, caller: SessionRecord) -> MetaReply {
        guard let id = Self.idArgument(call) else { return Self.invalidArgument("expected a session id") }
        guard let (reason, message) = Self.killReason(call) else {
            return .error(WAMPErrorURI.invalidURI, "reason must be a valid, non-empty URI")
        }
        // The caller itself is never killed: there is no *other* session with its id.
        guard id != caller.id, let record = self.listedSession(id) else {
            if let meta = self.clusterMeta, let remote = self.remoteDirectory.session(id) {
                meta.realm(self.name, kill: [id], onNode: remote.node, reason: reason, message: message)
                return .empty
            }
            return .error(WAMPErrorURI.noSuchSession, "no other session \(id)")
        }
        self.kill(record, reason: reason, message: message)
        return .empty
    }

    /// `kill_by_authid` answers the killed session ids, `kill_by_authrole` and `kill_all` the
    /// count, per the spec. The caller is never among the victims.
    private func metaKillMany(
        _ call: WAMPMessage.Call, caller: SessionRecord, filter: ((SessionRecord, String) -> Bool)?
    ) -> MetaReply {
        var argument = ""
        if filter != nil {
            guard let value = Self.argument(call, 0)?.stringValue else {
                return Self.invalidArgument("expected a string argument")
            }
            argument = value
        }
        guard let (reason, message) = Self.killReason(call) else {
            return .error(WAMPErrorURI.invalidURI, "reason must be a valid, non-empty URI")
        }
        let victims = self.sessions.values
            .filter { $0.id != caller.id && !$0.unlisted && (filter?($0, argument) ?? true) }
            .sorted { $0.id < $1.id }
        for record in victims {
            self.kill(record, reason: reason, message: message)
        }
        let remote = self.killRemoteSessions(call, argument: argument, reason: reason, message: message)
        if call.procedure == "wamp.session.kill_by_authid" {
            return .value(.list((victims.map(\.id) + remote).sorted().map { .uint($0) }))
        }
        return .value(.uint(UInt64(victims.count + remote.count)))
    }

    /// The other nodes' sessions a `kill_by_authid`, `kill_by_authrole` or `kill_all` names:
    /// each node is asked to end its own (they leave there, with their testaments and meta events).
    private func killRemoteSessions(
        _ call: WAMPMessage.Call, argument: String, reason: String, message: String?
    ) -> [UInt64] {
        guard let meta = self.clusterMeta else { return [] }
        var killed: [UInt64] = []
        for (node, directory) in self.remoteDirectory.nodes.sorted(by: { $0.key < $1.key }) {
            let ids = directory.sessions.filter { session in
                switch call.procedure {
                case "wamp.session.kill_by_authid": return session.authid == argument
                case "wamp.session.kill_by_authrole": return session.authrole == argument
                default: return true
                }
            }.map(\.id)
            guard !ids.isEmpty else { continue }
            meta.realm(self.name, kill: ids, onNode: node, reason: reason, message: message)
            killed += ids
        }
        return killed
    }

    // MARK: Registrations

    private static func lists(_ items: [(UInt64, MatchPolicy)]) -> MetaReply {
        var lists: WAMPDict = ["exact": [], "prefix": [], "wildcard": []]
        for (id, match) in items.sorted(by: { $0.0 < $1.0 }) {
            lists[match.rawValue] = .list((lists[match.rawValue]?.listValue ?? []) + [.uint(id)])
        }
        return .value(.dict(lists))
    }

    private func metaRegistrationList() -> MetaReply {
        Self.lists(self.dealer.registrations.values.map { ($0.id, $0.match) })
    }

    private static func matchOption(_ call: WAMPMessage.Call) -> MatchPolicy? {
        guard let value = Self.argument(call, 1)?.dictValue?["match"] ?? call.payload.kwargs?["match"] else {
            return .exact
        }
        return value.stringValue.flatMap(MatchPolicy.init(rawValue:))
    }

    private func metaRegistrationLookup(_ call: WAMPMessage.Call) -> MetaReply {
        guard let uri = Self.argument(call, 0)?.stringValue, let match = Self.matchOption(call) else {
            return Self.invalidArgument("expected a procedure URI and optional options {match}")
        }
        return .value(self.dealer.lookup(uri, match: match).map { .uint($0) } ?? .null)
    }

    private func metaRegistrationMatch(_ call: WAMPMessage.Call) -> MetaReply {
        guard let uri = Self.argument(call, 0)?.stringValue else {
            return Self.invalidArgument("expected a procedure URI")
        }
        return .value(self.dealer.registration(for: uri).map { .uint($0.id) } ?? .null)
    }

    private func metaRegistrationGet(_ call: WAMPMessage.Call) -> MetaReply {
        guard let id = Self.idArgument(call) else { return Self.invalidArgument("expected a registration id") }
        guard let registration = self.dealer.registrations[id] else {
            return .error(WAMPErrorURI.noSuchRegistration, "no registration \(id)")
        }
        return .value(.dict(Self.metaDetails(of: registration)))
    }

    private func metaListCallees(_ call: WAMPMessage.Call, count: Bool) -> MetaReply {
        guard let id = Self.idArgument(call) else { return Self.invalidArgument("expected a registration id") }
        guard let registration = self.dealer.registrations[id] else {
            return .error(WAMPErrorURI.noSuchRegistration, "no registration \(id)")
        }
        if count { return .value(.uint(UInt64(registration.callees.count))) }
        return .value(.list(registration.callees.map { .uint($0.session) }))
    }

    private func metaRemoveCallee(_ call: WAMPMessage.Call) -> MetaReply {
        guard let id = Self.idArgument(call, 0), let callee = Self.idArgument(call, 1) else {
            return Self.invalidArgument("expected a registration id and a callee session id")
        }
        guard self.dealer.registrations[id]?.callees.contains(where: { $0.session == callee }) == true else {
            return .error(WAMPErrorURI.noSuchRegistration, "session \(callee) is not a callee of registration \(id)")
        }
        self.revokeRegistration(id, of: callee, reason: Self.removalReason(call))
        return .empty
    }

    // MARK: Subscriptions

    private func metaSubscriptionList() -> MetaReply {
        Self.lists(
            self.broker.subscriptions.values.map { ($0.id, $0.match) }
                + self.remoteDirectory.subscriptions.map { ($0.id, $0.match) })
    }

    private func metaSubscriptionLookup(_ call: WAMPMessage.Call) -> MetaReply {
        guard let uri = Self.argument(call, 0)?.stringValue, let match = Self.matchOption(call) else {
            return Self.invalidArgument("expected a topic URI and optional options {match}")
        }
        // Each node has its own subscription for a pattern: this node's first, else another's.
        let id = self.broker.lookup(uri, match: match) ?? self.remoteDirectory.lookup(uri, match: match)
        return .value(id.map { .uint($0) } ?? .null)
    }

    /// All matching subscriptions (a publication goes to every one), or null when none.
    private func metaSubscriptionMatch(_ call: WAMPMessage.Call) -> MetaReply {
        guard let uri = Self.argument(call, 0)?.stringValue else { return Self.invalidArgument("expected a topic URI") }
        let ids = (self.broker.subscriptionIDs(matching: uri) + self.remoteDirectory.subscriptionIDs(matching: uri))
            .sorted()
        return .value(ids.isEmpty ? .null : .list(ids.map { .uint($0) }))
    }

    private func metaSubscriptionGet(_ call: WAMPMessage.Call) -> MetaReply {
        guard let id = Self.idArgument(call) else { return Self.invalidArgument("expected a subscription id") }
        guard let subscription = self.broker.subscriptions[id] else {
            if let remote = self.remoteDirectory.subscription(id) { return .value(.dict(remote.metaDetails)) }
            return .error(WAMPErrorURI.noSuchSubscription, "no subscription \(id)")
        }
        return .value(.dict(Self.metaDetails(of: subscription)))
    }

    private func metaListSubscribers(_ call: WAMPMessage.Call, count: Bool) -> MetaReply {
        guard let id = Self.idArgument(call) else { return Self.invalidArgument("expected a subscription id") }
        guard let subscription = self.broker.subscriptions[id] else {
            guard let remote = self.remoteDirectory.subscription(id) else {
                return .error(WAMPErrorURI.noSuchSubscription, "no subscription \(id)")
            }
            if count { return .value(.uint(UInt64(remote.subscribers.count))) }
            return .value(.list(remote.subscribers.map { .uint($0) }))
        }
        if count { return .value(.uint(UInt64(subscription.subscribers.count))) }
        return .value(.list(subscription.subscribers.sorted().map { .uint($0) }))
    }

    private func metaRemoveSubscriber(_ call: WAMPMessage.Call) -> MetaReply {
        guard let id = Self.idArgument(call, 0), let subscriber = Self.idArgument(call, 1) else {
            return Self.invalidArgument("expected a subscription id and a subscriber session id")
        }
        guard self.broker.subscriptions[id]?.subscribers.contains(subscriber) == true else {
            return .error(WAMPErrorURI.noSuchSubscription, "session \(subscriber) is not subscribed to \(id)")
        }
        self.revokeSubscription(id, of: subscriber, reason: Self.removalReason(call))
        return .empty
    }

    /// `wamp.subscription.get_events(subscription, limit=, reverse=, from_time=, ..., after_offset=)`:
    /// the kept events the subscription matches, the caller may read and the filters select
    /// (`EventHistoryQuery`), oldest first unless `reverse`.
    private func metaGetEvents(_ call: WAMPMessage.Call, caller: SessionRecord) -> MetaReply {
        switch self.getEventsRequest(call, caller: caller) {
        case .refused(let reply):
            return reply
        case .valid(let request):
            let entries = self.history.events(
                for: request.topic, match: request.match, authid: caller.authid, authrole: caller.authrole,
                query: request.query, now: self.clock.now())
            return Self.getEventsReply(entries, subscription: request.subscription)
        }
    }

    /// Checks a `get_events` call: the subscription, the caller's right to it and the query.
    func getEventsRequest(_ call: WAMPMessage.Call, caller: SessionRecord) -> GetEventsRequest {
        guard let id = Self.idArgument(call) else {
            return .refused(Self.invalidArgument("expected a subscription id"))
        }
        guard let subscription = self.broker.subscriptions[id] else {
            return .refused(.error(WAMPErrorURI.noSuchSubscription, "no subscription \(id)"))
        }
        guard self.immediateDecision(caller, .subscribe, subscription.topic).allowed else {
            return .refused(
                .error(WAMPErrorURI.notAuthorized, "not allowed to subscribe to '\(subscription.topic)'"))
        }
        do {
            let query = try EventHistoryQuery(
                kwargs: call.payload.kwargs ?? [:], positionalLimit: Self.argument(call, 1))
            return .valid(.init(subscription: id, topic: subscription.topic, match: subscription.match, query: query))
        } catch {
            return .refused(Self.invalidArgument("'\(error.key)' must be \(error.expected)"))
        }
    }

    /// The `get_events` result: one dictionary per event, as the spec's history feature has it.
    static func getEventsReply(_ entries: [EventHistory.Entry], subscription id: UInt64) -> MetaReply {
        let events: [WAMPValue] = entries.map { entry in
            var event: WAMPDict = [
                "timestamp": .string(WallClock.iso8601(entry.timestamp)), "subscription": .uint(id),
                "publication": .uint(entry.publication), "topic": .string(entry.topic),
                "details": .dict(entry.details),
            ]
            switch entry.payload {
            case .values(let args, let kwargs):
                if let args { event["args"] = .list(args) }
                if let kwargs { event["kwargs"] = .dict(kwargs) }
            case .transparent(let bytes):
                event["payload"] = .binary(bytes)
            }
            return .dict(event)
        }
        return .value(.list(events))
    }
}

/// A checked `wamp.subscription.get_events` call, or the error it gets.
enum GetEventsRequest {
    struct Valid {
        let subscription: UInt64
        let topic: String
        let match: MatchPolicy
        let query: EventHistoryQuery
    }

    case valid(Valid)
    case refused(Realm.MetaReply)
}
