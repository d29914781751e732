import MQTTCore

/// SUBSCRIBE / UNSUBSCRIBE and the delivery of the realm's events to the matching filters:
/// shared subscriptions, subscription identifiers (all matching ids in one PUBLISH), No Local,
/// Retain As Published, Retain Handling, `$` topics.
extension MQTTSessionStateMachine {
    mutating func subscribeReceived(_ subscribe: MQTTSubscribe) -> [Action] {
        let id = subscribe.packetIdentifier
        guard self.pendingSubAcks[id] == nil else {
            return self.protocolError("SUBSCRIBE packet id \(id) reused while in use")
        }
        let identifier = subscribe.properties.subscriptionIdentifiers.first
        var codes: [MQTTReasonCode?] = []
        var actions: [Action] = []
        for (index, subscription) in subscribe.subscriptions.enumerated() {
            var filter = subscription.topicFilter
            var shareName: String?
            switch MQTTSharedSubscription.parse(filter) {
            case .invalid:
                codes.append(.topicFilterInvalid)
                continue
            case .shared(let shared):
                guard self.configuration.sharedSubscriptions else {
                    codes.append(.sharedSubscriptionsNotSupported)
                    continue
                }
                if subscription.options.noLocal {
                    return self.protocolError("No Local on the shared subscription '\(filter)'")
                }
                filter = shared.topicFilter
                shareName = shared.shareName
            case .notShared:
                guard MQTTTopic.isValidFilter(filter) else {
                    codes.append(.topicFilterInvalid)
                    continue
                }
            }
            let key = subscription.topicFilter
            let isNew = self.session.subscriptions[key] == nil
            var options = subscription.options
            options.maximumQoS = min(options.maximumQoS, .exactlyOnce)
            var entry = MQTTSubscriptionEntry(
                filter: filter,
                shareName: shareName,
                options: options,
                identifier: identifier
            )
            entry.realmSubscription = self.session.subscriptions[key]?.realmSubscription
            self.session.subscriptions[key] = entry
            let getRetained: Bool
            switch options.retainHandling {
            case .sendAtSubscribe: getRetained = shareName == nil
            case .sendAtSubscribeIfNew: getRetained = isNew && shareName == nil
            case .doNotSend: getRetained = false
            }
            codes.append(nil)
            actions.append(
                .subscribe(
                    MQTTSubscribeRequest(
                        filter: filter,
                        realm: MQTTTopicMapping.realmSubscription(forFilter: filter),
                        getRetained: getRetained,
                        token: SubscribeToken(packetIdentifier: id, index: index, key: key)
                    )
                )
            )
        }
        self.pendingSubAcks[id] = codes
        actions.append(contentsOf: self.completeSubAck(id))
        return actions
    }

    /// The realm subscribed `token`'s filter as `subscription`.
    public mutating func realmSubscribed(_ token: SubscribeToken, subscription: UInt64) -> [Action] {
        guard self.phase == .connected || self.phase == .detached else { return [] }
        self.session.subscriptions[token.key]?.realmSubscription = subscription
        guard token.packetIdentifier != 0, var codes = self.pendingSubAcks[token.packetIdentifier],
            token.index < codes.count
        else { return [] }
        let qos = self.session.subscriptions[token.key]?.options.maximumQoS ?? .atMostOnce
        codes[token.index] = MQTTReasonCode(rawValue: qos.rawValue)
        self.pendingSubAcks[token.packetIdentifier] = codes
        return self.completeSubAck(token.packetIdentifier)
    }

    /// The realm refused `token`'s filter (0x87 not authorized, 0x8F invalid, 0x97 quota).
    public mutating func realmSubscribeFailed(_ token: SubscribeToken, reason: MQTTReasonCode) -> [Action] {
        guard self.phase == .connected || self.phase == .detached else { return [] }
        if self.session.subscriptions[token.key]?.realmSubscription == nil {
            self.session.subscriptions[token.key] = nil
        }
        guard token.packetIdentifier != 0, var codes = self.pendingSubAcks[token.packetIdentifier],
            token.index < codes.count
        else { return [] }
        codes[token.index] = reason
        self.pendingSubAcks[token.packetIdentifier] = codes
        return self.completeSubAck(token.packetIdentifier)
    }

    /// SUBACK once every filter of the SUBSCRIBE has its code.
    private mutating func completeSubAck(_ id: UInt16) -> [Action] {
        guard let codes = self.pendingSubAcks[id], codes.allSatisfy({ $0 != nil }) else { return [] }
        self.pendingSubAcks[id] = nil
        return [.send(.suback(MQTTSubAck(packetIdentifier: id, reasonCodes: codes.map { $0! })))]
    }

    mutating func unsubscribeReceived(_ unsubscribe: MQTTUnsubscribe) -> [Action] {
        var actions: [Action] = []
        var codes: [MQTTReasonCode] = []
        for filter in unsubscribe.topicFilters {
            guard let entry = self.session.subscriptions.removeValue(forKey: filter) else {
                codes.append(.noSubscriptionExisted)
                continue
            }
            codes.append(.success)
            if let realm = entry.realmSubscription,
                !self.session.subscriptions.values.contains(where: { $0.realmSubscription == realm })
            {
                actions.append(.unsubscribe(realmSubscription: realm))
                self.forgetMergedDeliveries(of: realm)
            }
        }
        let ack = MQTTUnsubAck(
            packetIdentifier: unsubscribe.packetIdentifier,
            reasonCodes: self.version == .v5 ? codes : []
        )
        actions.append(.send(.unsuback(ack)))
        return actions
    }

    /// An event of realm subscription `subscription` on MQTT topic `message.topic`
    /// (`message.qos`/`retain`: as published; `retained`: sent because the subscription asked
    /// for retained events). `deliverShared(shareName, filter)` decides whether this member of
    /// a shared subscription is the one that gets it.
    ///
    /// A live publication (`publication` ≠ 0) matching several of the client's filters arrives
    /// once per realm subscription, but goes out as one PUBLISH: at the highest granted QoS with
    /// every matching subscription identifier (MQTT 5.0 §3.3.4); the later EVENTs are skipped.
    public mutating func eventReceived(
        subscription: UInt64,
        publication: UInt64 = 0,
        message: MQTTApplicationMessage,
        retained: Bool,
        now: UInt64,
        deliverShared: (String, String) -> Bool = { _, _ in true }
    ) -> [Action] {
        guard self.phase == .connected || self.phase == .detached else { return [] }
        // A retained message with an empty payload only deleted the retained message.
        if retained && message.payload.isEmpty { return [] }
        let merge = !retained && publication != 0
        var alreadyDelivered = false
        if merge, var pending = self.mergedPublications[publication], pending.remove(subscription) != nil {
            alreadyDelivered = true
            self.mergedPublications[publication] = pending.isEmpty ? nil : pending
        }
        var best: (qos: MQTTQoS, ids: [Int], retain: Bool)?
        var others: Set<UInt64> = []
        var actions: [Action] = []
        for entry in self.session.subscriptions.values
        where MQTTTopic.matches(filter: entry.filter, topic: message.topic) {
            guard let realmSubscription = entry.realmSubscription else { continue }
            let qos = min(message.qos, entry.options.maximumQoS)
            let retain = retained || (entry.options.retainAsPublished && message.retain)
            if let shareName = entry.shareName {
                guard realmSubscription == subscription, deliverShared(shareName, entry.filter) else { continue }
                var shared = message
                shared.qos = qos
                shared.retain = retain
                let ids = entry.identifier.map { [$0] } ?? []
                let share = MQTTShare(shareName: shareName, filter: entry.filter)
                actions.append(
                    contentsOf: self.deliver(
                        MQTTOutboundMessage(message: shared, subscriptionIdentifiers: ids, queuedAt: now, share: share),
                        now: now
                    )
                )
                continue
            }
            guard !alreadyDelivered else { continue }
            if realmSubscription != subscription {
                // A retained message is for the new subscription alone.
                guard merge else { continue }
                others.insert(realmSubscription)
            }
            var current = best ?? (.atMostOnce, [], false)
            current.qos = max(current.qos, qos)
            if let id = entry.identifier { current.ids.append(id) }
            current.retain = current.retain || retain
            best = current
        }
        if !others.isEmpty {
            // Bounded: an EVENT that never comes (its subscription went away) must not pile up.
            if self.mergedPublications.count >= Self.mergedPublicationsLimit { self.mergedPublications.removeAll() }
            self.mergedPublications[publication] = others
        }
        if let best {
            var delivered = message
            delivered.qos = best.qos
            delivered.retain = best.retain
            actions.append(
                contentsOf: self.deliver(
                    MQTTOutboundMessage(message: delivered, subscriptionIdentifiers: best.ids.sorted(), queuedAt: now),
                    now: now
                )
            )
        }
        return actions
    }

    static var mergedPublicationsLimit: Int { 1024 }

    /// `realm` is unsubscribed: its EVENTs of publications already delivered will not come.
    private mutating func forgetMergedDeliveries(of realm: UInt64) {
        guard !self.mergedPublications.isEmpty else { return }
        for (publication, var pending) in self.mergedPublications where pending.remove(realm) != nil {
            self.mergedPublications[publication] = pending.isEmpty ? nil : pending
        }
    }

    /// The session ends: the messages of shared subscriptions the client has not received (in
    /// flight and not yet PUBREC'd, or queued), taken out to go to another member of their group.
    public mutating func takeSharedMessages() -> [MQTTOutboundMessage] {
        var taken: [MQTTOutboundMessage] = []
        for (id, inflight) in self.session.inflight.sorted(by: { $0.value.sequence < $1.value.sequence })
        where inflight.outbound.share != nil && !inflight.released {
            self.session.inflight[id] = nil
            taken.append(inflight.outbound)
        }
        for outbound in self.session.queue where outbound.share != nil {
            taken.append(outbound)
            self.session.queuedBytes -= outbound.size
        }
        self.session.queue.removeAll { $0.share != nil }
        return taken
    }

    /// A message another member of a shared subscription could not deliver: delivered here if
    /// this session is still in that group.
    public mutating func redispatched(_ outbound: MQTTOutboundMessage, now: UInt64) -> [Action] {
        guard let share = outbound.share,
            self.session.subscriptions.values.contains(where: {
                $0.shareName == share.shareName && $0.filter == share.filter
            })
        else {
            return [.dropped(topic: outbound.message.topic, reason: "no member of its shared subscription is left")]
        }
        var outbound = outbound
        outbound.queuedAt = now
        return self.deliver(outbound, now: now)
    }
}
