import WAMPCore

/// Retained events and history topics of a clustered realm: their publications take the node's
/// ordered path through Redis, which gives each one its cluster-wide offset and keeps the topic's
/// history and retained event; local delivery waits for that offset, and the publisher's later
/// publications wait behind it (`PublisherOrder`). `_recover` on an exact subscription reads the
/// topic's history from Redis (a pattern's: `Realm+ClusterPatternStreams.swift`). The realm keeps
/// a copy of what it sees (retained events for `get_retained`, history for when Redis is away).
extension Realm {
    /// Attaches (or with `nil` detaches) the cluster's streams; must be called on the realm's loop.
    public func attachStreamLink(_ link: (any RealmStreamLink)?) {
        self.eventLoop.preconditionInEventLoop()
        self.streamLink = link
    }

    /// Routes a session's publication through the cluster when it is retained or to a history
    /// topic; nil when it is neither (the caller routes it as usual). Returns whether `whenDurable`
    /// will be called (it is, once the publication is delivered or refused).
    func routeThroughCluster(
        topic: String, payload: Payload, options: WAMPDict, details: WAMPDict, filter: PublicationFilter,
        publisher: SessionRecord, publication: UInt64, whenDurable: (@Sendable (Bool) -> Void)?
    ) -> Bool? {
        guard let link = self.streamLink else { return nil }
        let retain = options["retain"]?.boolValue == true
        let history = filter.namesSessions ? nil : ClusterHistoryLimits(rules: self.history.rules, topic: topic)
        guard history != nil || retain else { return nil }
        let publisherID = publisher.id
        let ticket = self.clusterStreams.order.reserve(publisherID)
        let settle: @Sendable (Result<StreamPosition?, any Error>) -> Void = { [self] result in
            self.eventLoop.execute {
                self.settleClusterPublication(
                    result, ticket: ticket, publisher: publisherID, topic: topic, publication: publication,
                    payload: payload, details: details, filter: filter, isStream: history != nil, retain: retain,
                    whenDurable: whenDurable)
            }
        }
        let accepted = link.realm(
            self.name, publishedToStream: topic, publication: publication, payload: payload, options: options,
            details: details,
            publisher: RemotePublisher(session: publisher.id, authid: publisher.authid, authrole: publisher.authrole),
            history: history, retain: retain, completion: settle)
        if !accepted {
            self.settleClusterPublication(
                .failure(ClusterUnreachable()), ticket: ticket, publisher: publisherID, topic: topic,
                publication: publication, payload: payload, details: details, filter: filter,
                isStream: history != nil, retain: retain, whenDurable: whenDurable)
        }
        return whenDurable != nil
    }

    /// Runs `deliver` now, or after the publisher's publications that still wait for Redis.
    func deliverInPublisherOrder(_ publisher: UInt64, _ deliver: @escaping () -> Void) {
        if !self.clusterStreams.order.enqueue(publisher, deliver) { deliver() }
    }

    /// Redis answered (or could not be asked): delivers the publication with its offset, or
    /// refuses a stream publication that got none; then whatever of the publisher's was queued
    /// behind it.
    private func settleClusterPublication(
        _ result: Result<StreamPosition?, any Error>, ticket: UInt64, publisher: UInt64, topic: String,
        publication: UInt64, payload: Payload, details: WAMPDict, filter: PublicationFilter, isStream: Bool,
        retain: Bool, whenDurable: (@Sendable (Bool) -> Void)?
    ) {
        let action: (() -> Void)?
        switch result {
        case .success(let position):
            action = {
                self.deliverStreamEvent(
                    topic: topic, publication: publication, payload: payload, details: details, filter: filter,
                    position: position, retain: retain)
                whenDurable?(true)
            }
        case .failure(let error) where isStream:
            // Without the cluster's offset the event would break every node's stream (a local
            // offset collides with the cluster's): refused, like a broker whose log is unreachable.
            self.logger.warning(
                "publication to a history topic refused: the cluster cannot give it an offset",
                metadata: ["topic": "\(topic)", "error": "\(error)"])
            if let whenDurable {
                action = { whenDurable(false) }
            } else {
                action = nil
            }
        case .failure(let error):
            // A retained event without history: delivered and retained here, like any publication
            // made while Redis is unreachable; other nodes do not learn it.
            self.logger.debug(
                "retained publication kept on this node only: Redis unreachable",
                metadata: ["topic": "\(topic)", "error": "\(error)"])
            action = {
                self.deliverStreamEvent(
                    topic: topic, publication: publication, payload: payload, details: details, filter: filter,
                    position: nil, retain: retain)
                whenDurable?(true)
            }
        }
        for ready in self.clusterStreams.order.settle(publisher, ticket: ticket, action: action) { ready() }
    }

    /// Delivers another node's retained or history publication (`position`: the offset the
    /// cluster gave it), keeping this node's copies up to date.
    public func deliverRemoteStreamPublication(
        topic: String, publication: UInt64, payload: Payload, options: WAMPDict, details: WAMPDict,
        publisher: RemotePublisher, position: StreamPosition?
    ) {
        self.eventLoop.preconditionInEventLoop()
        let excludeMe = options["exclude_me"]?.boolValue ?? true
        let filter = PublicationFilter(options: options, publisher: publisher.session, excludeMe: excludeMe)
        self.deliverStreamEvent(
            topic: topic, publication: publication, payload: payload, details: details, filter: filter,
            position: position, retain: options["retain"]?.boolValue == true)
    }

    /// Takes a retained event from Redis (read when the node connects), so `get_retained` on this
    /// node sees what was retained while it was away.
    public func installClusterRetained(
        topic: String, publication: UInt64, payload: Payload, options: WAMPDict, details: WAMPDict,
        publisher: RemotePublisher, position: StreamPosition?
    ) {
        self.eventLoop.preconditionInEventLoop()
        let excludeMe = options["exclude_me"]?.boolValue ?? true
        var details = details
        if let position { Self.stamp(&details, position) }
        self.retained[topic] = RetainedEvent(
            topic: topic, publication: publication, details: details, payload: payload,
            filter: PublicationFilter(options: options, publisher: publisher.session, excludeMe: excludeMe))
    }

    /// Delivery of a publication whose cluster-wide position is known: recorded in this node's
    /// history copy, buffered for subscriptions still recovering, retained if asked, and sent to
    /// the subscribers the filter admits (except what a recovered subscriber already got).
    private func deliverStreamEvent(
        topic: String, publication: UInt64, payload: Payload, details: WAMPDict, filter: PublicationFilter,
        position: StreamPosition?, retain: Bool
    ) {
        var details = details
        if let position {
            Self.stamp(&details, position)
            self.history.adoptClusterPosition(position, of: topic)
            self.history.record(
                topic: topic, offset: position.offset, publication: publication, details: details, payload: payload,
                filter: filter, now: self.clock.now())
            if !self.clusterStreams.recoveries.isEmpty || !self.clusterStreams.patternRecoveries.isEmpty {
                self.bufferForRecoveries(
                    topic: topic, event: BufferedStreamEvent(
                        offset: position.offset, publication: publication, details: details, payload: payload),
                    filter: filter)
            }
        }
        if retain {
            self.retained[topic] = RetainedEvent(
                topic: topic, publication: publication, details: details, payload: payload, filter: filter)
        }
        self.deliverLocally(
            topic: topic, publication: publication, payload: payload, details: details, filter: filter,
            offset: position?.offset, floors: position == nil ? [:] : self.clusterStreams.floors)
    }

    private func bufferForRecoveries(topic: String, event: BufferedStreamEvent, filter: PublicationFilter) {
        for (token, pending) in self.clusterStreams.recoveries where pending.subscribe.topic == topic {
            guard let record = self.sessions[pending.session],
                filter.admits(session: record.id, authid: record.authid, authrole: record.authrole)
            else { continue }
            self.clusterStreams.recoveries[token]?.buffered.append(event)
        }
        for (token, pending) in self.clusterStreams.patternRecoveries
        where pending.match.matches(pattern: pending.subscribe.topic, uri: topic) {
            guard let record = self.sessions[pending.session],
                filter.admits(session: record.id, authid: record.authid, authrole: record.authrole)
            else { continue }
            self.clusterStreams.patternRecoveries[token]?.buffered.append((topic, event))
        }
    }

    /// Starts `_recover` for an exact subscription to a history topic of a clustered realm: the
    /// answer (SUBSCRIBED and the missed events, or ERROR) follows the Redis read. False when the
    /// request is not the cluster's to answer (a pattern, no stream, malformed: the local path
    /// answers it).
    func recoverThroughCluster(_ option: WAMPValue, for subscribe: WAMPMessage.Subscribe, from record: SessionRecord)
        -> Bool
    {
        guard let link = self.streamLink,
            let limits = ClusterHistoryLimits(rules: self.history.rules, topic: subscribe.topic),
            case .single(let position)? = RecoveryRequest(option, match: .exact)
        else { return false }
        self.clusterStreams.lastRecovery += 1
        let token = self.clusterStreams.lastRecovery
        self.clusterStreams.recoveries[token] = PendingStreamRecovery(
            session: record.id, subscribe: subscribe, position: position, maxAgeSeconds: limits.maxAgeSeconds)
        let accepted = link.realm(self.name, readStream: subscribe.topic, after: position.offset) { [self] result in
            self.eventLoop.execute { self.finishClusterRecovery(token, result) }
        }
        if !accepted { self.finishClusterRecovery(token, .failure(ClusterUnreachable())) }
        return true
    }

    /// The Redis read came back: subscribe and send the recovered events, then the live ones that
    /// arrived meanwhile and are newer; or answer `recovery_incomplete` and subscribe nothing.
    private func finishClusterRecovery(_ token: UInt64, _ result: Result<ClusterStreamRead, any Error>) {
        guard let pending = self.clusterStreams.recoveries.removeValue(forKey: token),
            let record = self.sessions[pending.session]
        else { return }
        let subscribe = pending.subscribe
        let decision: ClusterRecoveryDecision
        switch result {
        case .success(let read):
            decision = read.recover(
                after: pending.position, oldest: pending.maxAgeSeconds.map { self.clock.now() - Int64($0) * 1000 })
        case .failure(let error):
            self.logger.warning(
                "recovery incomplete: the cluster's history could not be read",
                metadata: ["session": "\(record.id)", "topic": "\(subscribe.topic)", "error": "\(error)"])
            decision = .incomplete(self.history.position(of: subscribe.topic))
        }
        guard case .recovered(let events) = decision else {
            if case .incomplete(let current) = decision {
                self.refuseRecovery(
                    of: subscribe, from: record,
                    current: ["offset": .uint(current.offset), "epoch": .string(current.epoch)])
            }
            return
        }
        let existing = self.broker.lookup(subscribe.topic, match: .exact)
        let alreadyIn = existing.map { record.subscriptions.contains($0) } ?? false
        if !alreadyIn, record.subscriptions.count >= record.limits.maxSubscriptions {
            self.reply(
                record, error: WAMPErrorURI.limitExceeded, to: .subscribe, request: subscribe.request,
                message: "at most \(record.limits.maxSubscriptions) subscriptions per session")
            return
        }
        let (id, created, added) = self.broker.subscribe(
            session: record.id, topic: subscribe.topic, match: .exact, now: self.timestamp())
        record.subscriptions.insert(id)
        record.peer.send(.subscribed(.init(request: subscribe.request, subscription: id)))
        let epoch = pending.position.epoch
        var last = pending.position.offset
        for event in events {
            last = event.offset
            let excludeMe = event.options["exclude_me"]?.boolValue ?? true
            let filter = PublicationFilter(
                options: event.options, publisher: event.publisher.session, excludeMe: excludeMe)
            guard filter.admits(session: record.id, authid: record.authid, authrole: record.authrole) else { continue }
            var details = event.details
            Self.stamp(&details, StreamPosition(offset: event.offset, epoch: epoch))
            details["_recovered"] = true
            record.peer.send(
                .event(
                    .init(
                        subscription: id, publication: event.publication, details: details, payload: event.payload)))
        }
        for event in pending.buffered where event.offset > last {
            record.peer.send(
                .event(
                    .init(
                        subscription: id, publication: event.publication, details: event.details,
                        payload: event.payload)))
        }
        self.pruneStreamFloors()
        self.clusterStreams.floors[StreamFloorKey(subscription: id, session: record.id, topic: subscribe.topic)] = last
        if created, let subscription = self.broker.subscriptions[id] {
            self.publishMetaEvent(
                MetaTopic.subscriptionOnCreate, args: [.uint(record.id), .dict(Self.metaDetails(of: subscription))])
        }
        if added {
            self.publishMetaEvent(MetaTopic.subscriptionOnSubscribe, args: [.uint(record.id), .uint(id)])
        }
    }

    /// Forgets the floors of subscriptions that ended.
    func pruneStreamFloors() {
        self.clusterStreams.floors = self.clusterStreams.floors.filter {
            self.sessions[$0.key.session]?.subscriptions.contains($0.key.subscription) == true
        }
    }

    static func stamp(_ details: inout WAMPDict, _ position: StreamPosition) {
        details["_offset"] = .uint(position.offset)
        details["_epoch"] = .string(position.epoch)
    }
}
