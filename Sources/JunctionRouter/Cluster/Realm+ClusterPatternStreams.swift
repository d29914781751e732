import WAMPCore

/// Pattern `_recover` and `wamp.subscription.get_events` on a clustered realm: both read the
/// matching topics' histories from Redis in one atomic step (`ClusterPatternRead`), so a node that
/// was away answers like the others. A pattern recovery buffers the live events of the matching
/// topics while the read is in flight and sends recovered, then newer live events: no duplicate,
/// no gap. Without Redis, `get_events` answers from the node's copy and `_recover` refuses with
/// the node's last known positions.
extension Realm {
    /// Starts `_recover` for a pattern subscription of a clustered realm with history rules: the
    /// answer follows the Redis read. False when the request is not the cluster's to answer
    /// (no history rules, malformed: the local path answers it).
    func recoverPatternThroughCluster(
        _ option: WAMPValue, for subscribe: WAMPMessage.Subscribe, match: MatchPolicy, from record: SessionRecord
    ) -> Bool {
        guard let link = self.streamLink, self.history.isEnabled,
            case .positions(let positions)? = RecoveryRequest(option, match: match)
        else { return false }
        self.clusterStreams.lastRecovery += 1
        let token = self.clusterStreams.lastRecovery
        self.clusterStreams.patternRecoveries[token] = PendingPatternRecovery(
            session: record.id, subscribe: subscribe, match: match, positions: positions)
        let accepted = link.realm(
            self.name, readStreamsMatching: subscribe.topic, match: match, after: positions.mapValues(\.offset)
        ) { [self] result in
            self.eventLoop.execute { self.finishClusterPatternRecovery(token, result) }
        }
        if !accepted { self.finishClusterPatternRecovery(token, .failure(ClusterUnreachable())) }
        return true
    }

    /// The Redis read came back: subscribe and send the recovered events of every matching topic,
    /// then the live ones that arrived meanwhile and are newer; or answer `recovery_incomplete`.
    private func finishClusterPatternRecovery(_ token: UInt64, _ result: Result<ClusterPatternRead, any Error>) {
        guard let pending = self.clusterStreams.patternRecoveries.removeValue(forKey: token),
            let record = self.sessions[pending.session]
        else { return }
        let subscribe = pending.subscribe
        let decision: ClusterPatternDecision
        var read = ClusterPatternRead(epoch: self.history.epoch, topics: [:])
        switch result {
        case .success(let answer):
            read = answer
            let now = self.clock.now()
            decision = read.recover(
                pending.positions, pattern: subscribe.topic, match: pending.match,
                covers: { self.history.covers($0) },
                oldest: { topic in
                    ClusterHistoryLimits(rules: self.history.rules, topic: topic)?.maxAgeSeconds.map {
                        now - Int64($0) * 1000
                    }
                })
        case .failure(let error):
            self.logger.warning(
                "recovery incomplete: the cluster's history could not be read",
                metadata: ["session": "\(record.id)", "topic": "\(subscribe.topic)", "error": "\(error)"])
            var current: WAMPDict = [:]
            for topic in Set(pending.positions.keys).union(self.history.offsets.keys)
            where pending.match.matches(pattern: subscribe.topic, uri: topic) {
                current[topic] = self.history.position(of: topic).wampValue
            }
            decision = .incomplete(["positions": .dict(current), "epoch": .string(self.history.epoch)])
        }
        let events: [ClusterTopicEvent]
        switch decision {
        case .incomplete(let current):
            self.refuseRecovery(
                of: subscribe, from: record, current: current,
                message: "the events after the given positions are no longer all kept")
            return
        case .recovered(let recovered):
            events = recovered
        }
        let existing = self.broker.lookup(subscribe.topic, match: pending.match)
        let alreadyIn = existing.map { record.subscriptions.contains($0) } ?? false
        if !alreadyIn, record.subscriptions.count >= record.limits.maxSubscriptions {
            self.reply(
                record, error: WAMPErrorURI.limitExceeded, to: .subscribe, request: subscribe.request,
                message: "at most \(record.limits.maxSubscriptions) subscriptions per session")
            return
        }
        let (id, created, added) = self.broker.subscribe(
            session: record.id, topic: subscribe.topic, match: pending.match, now: self.timestamp())
        record.subscriptions.insert(id)
        record.peer.send(.subscribed(.init(request: subscribe.request, subscription: id)))
        for item in events {
            let event = item.event
            let excludeMe = event.options["exclude_me"]?.boolValue ?? true
            let filter = PublicationFilter(
                options: event.options, publisher: event.publisher.session, excludeMe: excludeMe)
            guard filter.admits(session: record.id, authid: record.authid, authrole: record.authrole) else { continue }
            var details = event.details
            Self.stamp(&details, StreamPosition(offset: event.offset, epoch: read.epoch))
            details["_recovered"] = true
            details["topic"] = .string(item.topic)
            record.peer.send(
                .event(
                    .init(
                        subscription: id, publication: event.publication, details: details, payload: event.payload)))
        }
        for (topic, event) in pending.buffered where event.offset > (read.topics[topic]?.current ?? 0) {
            var details = event.details
            details["topic"] = .string(topic)
            record.peer.send(
                .event(
                    .init(
                        subscription: id, publication: event.publication, details: details,
                        payload: event.payload)))
        }
        self.pruneStreamFloors()
        for (topic, stream) in read.topics where pending.match.matches(pattern: subscribe.topic, uri: topic) {
            self.clusterStreams.floors[StreamFloorKey(subscription: id, session: record.id, topic: topic)] =
                stream.current
        }
        if created, let subscription = self.broker.subscriptions[id] {
            self.publishMetaEvent(
                MetaTopic.subscriptionOnCreate, args: [.uint(record.id), .dict(Self.metaDetails(of: subscription))])
        }
        if added {
            self.publishMetaEvent(MetaTopic.subscriptionOnSubscribe, args: [.uint(record.id), .uint(id)])
        }
    }

    /// Answers `wamp.subscription.get_events` from the cluster's history once Redis is read (from
    /// this node's copy when Redis cannot be read). False when the call is not the cluster's to
    /// answer (no history rules, or an invalid call: the local path answers the error).
    func getEventsThroughCluster(_ call: WAMPMessage.Call, from record: SessionRecord) -> Bool {
        guard let link = self.streamLink, self.history.isEnabled,
            case .valid(let request) = self.getEventsRequest(call, caller: record)
        else { return false }
        let session = record.id
        let accepted = link.realm(self.name, readStreamsMatching: request.topic, match: request.match, after: [:]) {
            [self] result in
            self.eventLoop.execute { self.finishClusterGetEvents(call, request, result, from: session) }
        }
        if !accepted { self.finishClusterGetEvents(call, request, .failure(ClusterUnreachable()), from: session) }
        return true
    }

    private func finishClusterGetEvents(
        _ call: WAMPMessage.Call, _ request: GetEventsRequest.Valid, _ result: Result<ClusterPatternRead, any Error>,
        from session: UInt64
    ) {
        guard let record = self.sessions[session] else { return }
        let now = self.clock.now()
        let entries: [EventHistory.Entry]
        switch result {
        case .success(let read):
            var sequence: UInt64 = 0
            let kept = read.kept(
                pattern: request.topic, match: request.match, covers: { self.history.covers($0) },
                oldest: { topic in
                    ClusterHistoryLimits(rules: self.history.rules, topic: topic)?.maxAgeSeconds.map {
                        now - Int64($0) * 1000
                    }
                })
            let all = kept.map { item in
                sequence += 1
                let event = item.event
                var details = event.details
                Self.stamp(&details, StreamPosition(offset: event.offset, epoch: read.epoch))
                let excludeMe = event.options["exclude_me"]?.boolValue ?? true
                return EventHistory.Entry(
                    sequence: sequence, timestamp: event.timestamp, topic: item.topic, offset: event.offset,
                    publication: event.publication, details: details, payload: event.payload,
                    filter: PublicationFilter(
                        options: event.options, publisher: event.publisher.session, excludeMe: excludeMe))
            }
            entries = request.query.apply(
                to: all.filter { $0.filter.admitsReader(authid: record.authid, authrole: record.authrole) })
        case .failure(let error):
            self.logger.warning(
                "get_events answered from this node's copy: the cluster's history could not be read",
                metadata: ["session": "\(record.id)", "topic": "\(request.topic)", "error": "\(error)"])
            entries = self.history.events(
                for: request.topic, match: request.match, authid: record.authid, authrole: record.authrole,
                query: request.query, now: now)
        }
        switch Self.getEventsReply(entries, subscription: request.subscription) {
        case .result(let payload):
            record.peer.send(.result(.init(request: call.request, payload: payload)))
        case .error(let uri, let message):
            self.reply(record, error: uri, to: .call, request: call.request, message: message)
        }
    }
}
