import WAMPCore

extension Realm {
    func handleSubscribe(_ subscribe: WAMPMessage.Subscribe, from record: SessionRecord) {
        let match = subscribe.options["match"]?.stringValue.flatMap(MatchPolicy.init(rawValue:)) ?? .exact
        // The empty prefix matches every topic (MQTT's `#`); the role must allow it like any other.
        let everything = match == .prefix && subscribe.topic.isEmpty
        guard everything || self.isValidURI(subscribe.topic, match: match) else {
            self.reply(
                record, error: WAMPErrorURI.invalidURI, to: .subscribe, request: subscribe.request,
                message: "invalid topic URI '\(subscribe.topic)'")
            return
        }
        guard
            let decision = self.authorize(
                record, .subscribe, subscribe.topic, options: subscribe.options, message: .subscribe(subscribe))
        else { return }
        guard decision.allowed else {
            self.reply(record, error: WAMPErrorURI.notAuthorized, to: .subscribe, request: subscribe.request)
            return
        }
        let existing = self.broker.lookup(subscribe.topic, match: match)
        let alreadyIn = existing.map { record.subscriptions.contains($0) } ?? false
        if !alreadyIn, record.subscriptions.count >= record.limits.maxSubscriptions {
            self.reply(
                record, error: WAMPErrorURI.limitExceeded, to: .subscribe, request: subscribe.request,
                message: "at most \(record.limits.maxSubscriptions) subscriptions per session")
            return
        }
        var recovered: [EventHistory.Entry]?
        if let recover = subscribe.options["_recover"] {
            // Clustered: the stream's history is in Redis; answered once it is read.
            if self.streamLink != nil,
                match == .exact
                    ? self.recoverThroughCluster(recover, for: subscribe, from: record)
                    : self.recoverPatternThroughCluster(recover, for: subscribe, match: match, from: record)
            {
                return
            }
            guard let events = self.recoverEvents(recover, for: subscribe, match: match, from: record) else { return }
            recovered = events
        }
        let (id, created, added) = self.broker.subscribe(
            session: record.id, topic: subscribe.topic, match: match, now: self.timestamp())
        record.subscriptions.insert(id)
        record.peer.send(.subscribed(.init(request: subscribe.request, subscription: id)))
        if let recovered {
            // Before anything else can be routed on this loop: no live event overtakes them.
            self.sendRecoveredEvents(recovered, subscription: id, match: match, to: record)
        }
        if created, let subscription = self.broker.subscriptions[id] {
            self.publishMetaEvent(
                MetaTopic.subscriptionOnCreate, args: [.uint(record.id), .dict(Self.metaDetails(of: subscription))])
        }
        if added {
            self.publishMetaEvent(MetaTopic.subscriptionOnSubscribe, args: [.uint(record.id), .uint(id)])
        }
        if recovered == nil, subscribe.options["get_retained"]?.boolValue == true {
            self.sendRetainedEvents(subscription: id, to: record)
        }
    }

    func handleUnsubscribe(_ unsubscribe: WAMPMessage.Unsubscribe, from record: SessionRecord) {
        guard record.subscriptions.contains(unsubscribe.subscription) else {
            self.reply(
                record, error: WAMPErrorURI.noSuchSubscription, to: .unsubscribe, request: unsubscribe.request)
            return
        }
        self.removeSubscriber(record.id, from: unsubscribe.subscription)
        record.peer.send(.unsubscribed(.init(request: unsubscribe.request)))
    }

    /// Takes a session out of a subscription, with the meta events the spec asks for.
    func removeSubscriber(_ session: UInt64, from subscription: UInt64) {
        let (found, deleted) = self.broker.unsubscribe(session: session, subscription: subscription)
        self.sessions[session]?.subscriptions.remove(subscription)
        guard found else { return }
        self.publishMetaEvent(MetaTopic.subscriptionOnUnsubscribe, args: [.uint(session), .uint(subscription)])
        if deleted {
            self.publishMetaEvent(MetaTopic.subscriptionOnDelete, args: [.uint(session), .uint(subscription)])
        }
    }

    func handlePublish(_ publish: WAMPMessage.Publish, from record: SessionRecord) {
        let acknowledge = publish.options["acknowledge"]?.boolValue ?? false
        guard self.isValidURI(publish.topic), !URIValidation.isReserved(publish.topic) else {
            if acknowledge {
                self.reply(
                    record, error: WAMPErrorURI.invalidURI, to: .publish, request: publish.request,
                    message: "invalid topic URI '\(publish.topic)'")
            }
            return
        }
        guard
            let decision = self.authorize(record, .publish, publish.topic, options: publish.options, message: .publish(publish))
        else { return }
        guard decision.allowed else {
            if acknowledge {
                self.reply(record, error: WAMPErrorURI.notAuthorized, to: .publish, request: publish.request)
            }
            return
        }
        if Self.usesPassthru(publish.options), !record.supports(.publisherPassthru) {
            self.abort(record, message: "PUBLISH in payload passthru mode without announcing payload_passthru_mode")
            return
        }
        let discloseMe = publish.options["disclose_me"]?.boolValue ?? false
        if discloseMe, self.configuration.disclosure == .refuse {
            if acknowledge {
                self.reply(
                    record, error: WAMPErrorURI.discloseMeDisallowed, to: .publish, request: publish.request,
                    message: "this realm does not disclose publishers")
            }
            return
        }
        self.counters.publications += 1
        guard acknowledge else {
            self.publish(
                to: publish.topic, payload: publish.payload, options: publish.options, publisher: record,
                forceDisclosure: decision.disclose)
            return
        }
        var whenDurable: (@Sendable (Bool) -> Void)?
        if self.store?.acknowledgesAfterWrite == true || self.streamLink != nil {
            // `sync: always`: PUBLISHED once the publication is on disk, from this realm's loop.
            // Clustered: once a history topic's publication has its offset from Redis.
            let (request, session) = (publish.request, record.id)
            let publication = WAMPID.random()
            whenDurable = { [self] written in
                self.eventLoop.execute {
                    // The publisher may have left meanwhile: then there is no one to tell.
                    guard let record = self.sessions[session] else { return }
                    if written {
                        record.peer.send(.published(.init(request: request, publication: publication)))
                    } else if self.streamLink != nil {
                        record.peer.send(
                            .error(
                                .init(
                                    requestType: .publish, request: request, error: WAMPErrorURI.clusterUnavailable,
                                    payload: .init(args: ["the cluster cannot give the publication an offset now"]))))
                    } else {
                        self.logger.error("publication not acknowledged: writing it to storage failed")
                        record.peer.send(
                            .error(
                                .init(
                                    requestType: .publish, request: request, error: WAMPErrorURI.storageFailed,
                                    payload: .init(args: ["the publication could not be written to storage"]))))
                    }
                }
            }
            let (_, waiting) = self.route(
                to: publish.topic, payload: publish.payload, options: publish.options, publisher: record,
                forceDisclosure: decision.disclose, publication: publication, whenDurable: whenDurable)
            if !waiting { record.peer.send(.published(.init(request: publish.request, publication: publication))) }
            return
        }
        let publication = self.publish(
            to: publish.topic, payload: publish.payload, options: publish.options, publisher: record,
            forceDisclosure: decision.disclose)
        record.peer.send(.published(.init(request: publish.request, publication: publication)))
    }

    /// Routes a publication to every matching subscription: one EVENT per subscription, encoded
    /// once per serializer (its details are the same for every receiver), sent to the
    /// subscribers the filter admits. Also retains it and records it in the event history.
    /// `publisher` is nil for the router's own publications (meta events, testaments).
    @discardableResult
    func publish(
        to topic: String, payload: Payload, options: WAMPDict, publisher: SessionRecord?, forceDisclosure: Bool = false
    ) -> UInt64 {
        self.route(
            to: topic, payload: payload, options: options, publisher: publisher, forceDisclosure: forceDisclosure,
            publication: WAMPID.random(), whenDurable: nil
        ).publication
    }

    /// `publish`, and hands what it keeps to the realm's store. `waitsForWrite`: something was
    /// written and `whenDurable` will be called once it is on disk (else it is never called).
    func route(
        to topic: String, payload: Payload, options: WAMPDict, publisher: SessionRecord?, forceDisclosure: Bool,
        publication: UInt64, whenDurable: (@Sendable (Bool) -> Void)?
    ) -> (publication: UInt64, waitsForWrite: Bool) {
        let excludeMe = publisher != nil && (options["exclude_me"]?.boolValue ?? true)
        let filter = PublicationFilter(options: options, publisher: publisher?.id, excludeMe: excludeMe)
        var details = self.eventDetails(options: options, publisher: publisher, forceDisclosure: forceDisclosure)
        if self.streamLink != nil {
            // Clustered: retained events and streams are the cluster's (Realm+ClusterStreams).
            if let publisher,
                let waits = self.routeThroughCluster(
                    topic: topic, payload: payload, options: options, details: details, filter: filter,
                    publisher: publisher, publication: publication, whenDurable: whenDurable)
            {
                return (publication, waits)
            }
        }
        // Streams: only topics with history pay for this (realms without rules skip it entirely).
        var position: StreamPosition?
        if self.history.isEnabled, self.streamLink == nil, !filter.namesSessions,
            let next = self.history.advance(topic)
        {
            details["_offset"] = .uint(next.offset)
            details["_epoch"] = .string(next.epoch)
            position = next
        }
        if let publisher, self.clusterStreams.order.isWaiting(publisher.id) {
            // An earlier publication of this publisher still waits for its offset: not before it.
            let details = details
            self.deliverInPublisherOrder(publisher.id) {
                self.deliverLocally(
                    topic: topic, publication: publication, payload: payload, details: details, filter: filter)
            }
        } else {
            self.deliverLocally(
                topic: topic, publication: publication, payload: payload, details: details, filter: filter)
        }
        if let link = self.clusterLink {
            // The router's own publications (meta events) cross too, from "session 0": each node
            // raises meta events only for its own sessions and subscriptions.
            link.realm(
                self.name, published: topic, publication: publication, payload: payload, options: options,
                details: details,
                publisher: publisher.map { RemotePublisher(session: $0.id, authid: $0.authid, authrole: $0.authrole) }
                    ?? Self.routerPublisher)
        }
        var changes: [RealmChange] = []
        if options["retain"]?.boolValue == true {
            self.retained[topic] = RetainedEvent(
                topic: topic, publication: publication, details: details, payload: payload, filter: filter)
            if self.store != nil {
                changes.append(
                    .retained(
                        StoredEvent(
                            sequence: 0, timestamp: self.clock.now(), topic: topic, offset: position?.offset ?? 0,
                            publication: publication, details: details, payload: payload,
                            readers: filter.readerOptions)))
            }
        }
        if let position,
            let entry = self.history.record(
                topic: topic, offset: position.offset, publication: publication, details: details, payload: payload,
                filter: filter, now: self.clock.now()),
            self.store != nil
        {
            changes.append(.event(entry.stored, oldestKept: self.history.oldestKept))
        }
        guard let store = self.store, !changes.isEmpty else { return (publication, false) }
        for (index, change) in changes.enumerated() {
            store.write(change, whenDurable: index == changes.count - 1 ? whenDurable : nil)
        }
        return (publication, whenDurable != nil)
    }

    /// Sends one EVENT per matching subscription to the subscribers `filter` admits.
    /// `floors` (cluster streams): a subscriber whose recovery already delivered offset `offset`
    /// of this topic on that subscription is skipped; empty everywhere else.
    func deliverLocally(
        topic: String, publication: UInt64, payload: Payload, details: WAMPDict, filter: PublicationFilter,
        offset: UInt64? = nil, floors: [StreamFloorKey: UInt64] = [:]
    ) {
        self.broker.forEachSubscription(matching: topic) { subscription in
            var eventDetails = details
            if subscription.match != .exact { eventDetails["topic"] = .string(topic) }
            let event = SharedMessage(
                .event(
                    .init(
                        subscription: subscription.id, publication: publication, details: eventDetails,
                        payload: payload)))
            for subscriber in subscription.subscribers {
                guard let receiver = self.sessions[subscriber],
                    filter.isOpen
                        || filter.admits(session: subscriber, authid: receiver.authid, authrole: receiver.authrole)
                else { continue }
                if !floors.isEmpty, let offset,
                    let floor = floors[StreamFloorKey(subscription: subscription.id, session: subscriber, topic: topic)],
                    offset <= floor
                {
                    continue
                }
                self.counters.deliveries += 1
                receiver.peer.send(event)
            }
        }
    }

    /// EVENT details shared by all receivers: publisher disclosure, trust level, ppt options.
    /// `forceDisclosure`: the publisher's permission discloses it (unless the realm refuses to).
    private func eventDetails(options: WAMPDict, publisher: SessionRecord?, forceDisclosure: Bool) -> WAMPDict {
        var details: WAMPDict = [:]
        if let publisher {
            let disclose: Bool
            switch self.configuration.disclosure {
            case .onRequest: disclose = forceDisclosure || (options["disclose_me"]?.boolValue ?? false)
            case .refuse: disclose = false
            case .always: disclose = true
            }
            if disclose {
                details["publisher"] = .uint(publisher.id)
                details["publisher_authid"] = .string(publisher.authid)
                details["publisher_authrole"] = .string(publisher.authrole)
            }
            if let level = self.configuration.trustLevels[publisher.authrole] {
                details["trustlevel"] = .uint(UInt64(max(0, level)))
            }
        }
        Self.copyPassthruOptions(from: options, into: &details)
        // An MQTT publication's QoS, RETAIN flag and properties, for MQTT subscribers.
        if let mqtt = options["x_mqtt"] { details["x_mqtt"] = mqtt }
        return details
    }

    /// Sends a new subscriber the retained events it asked for (`get_retained`) and may receive.
    private func sendRetainedEvents(subscription id: UInt64, to record: SessionRecord) {
        guard let subscription = self.broker.subscriptions[id] else { return }
        let candidates: [RetainedEvent]
        if subscription.match == .exact {
            candidates = self.retained[subscription.topic].map { [$0] } ?? []
        } else {
            candidates = self.retained.values.filter {
                subscription.match.matches(pattern: subscription.topic, uri: $0.topic)
            }.sorted { $0.topic < $1.topic }
        }
        for event in candidates
        where event.filter.admits(session: record.id, authid: record.authid, authrole: record.authrole) {
            var details = event.details
            details["retained"] = true
            if subscription.match != .exact { details["topic"] = .string(event.topic) }
            record.peer.send(
                .event(.init(subscription: id, publication: event.publication, details: details, payload: event.payload)))
        }
    }

    /// Subscription details as the meta API gives them.
    static func metaDetails(of subscription: Broker.Subscription) -> WAMPDict {
        [
            "id": .uint(subscription.id), "created": .string(subscription.created),
            "uri": .string(subscription.topic), "match": .string(subscription.match.rawValue),
        ]
    }

    /// Whether options put a message in payload passthru mode.
    static func usesPassthru(_ options: WAMPDict) -> Bool {
        options["ppt_scheme"] != nil
    }

    /// Forwards the `ppt_*` options unchanged (payload passthru mode); the payload itself is
    /// forwarded as received and never decoded.
    static func copyPassthruOptions(from options: WAMPDict, into details: inout WAMPDict) {
        guard Self.usesPassthru(options) else { return }
        for (key, value) in options where key.hasPrefix("ppt_") {
            details[key] = value
        }
    }
}
