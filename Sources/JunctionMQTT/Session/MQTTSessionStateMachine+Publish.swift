import MQTTCore

/// PUBLISH in both directions: QoS 0/1/2 handshakes, exactly-once inbound QoS 2, receive
/// maximum both ways, topic aliases both ways, the client's maximum packet size, message expiry
/// and the queue of a session that is offline or at its window.
extension MQTTSessionStateMachine {
    // MARK: Inbound (client → realm)

    mutating func publishReceived(_ publish: MQTTPublish, now: UInt64) -> [Action] {
        var topic = publish.topicName
        if self.version == .v5, let alias = publish.properties.topicAlias {
            guard alias != 0, alias <= self.configuration.topicAliasMaximum else {
                return self.disconnect(.topicAliasInvalid, log: "topic alias \(alias) out of range")
            }
            if topic.isEmpty {
                guard let known = self.inboundAliases[alias] else {
                    return self.protocolError("unknown topic alias \(alias)")
                }
                topic = known
            } else {
                self.inboundAliases[alias] = topic
            }
        }
        guard MQTTTopic.isValidName(topic), !topic.hasPrefix("$") else {
            return self.disconnect(.topicNameInvalid, log: "invalid topic name '\(topic)'")
        }
        let message = MQTTApplicationMessage(
            topic: topic,
            payload: publish.payload,
            qos: publish.qos,
            retain: publish.retain,
            properties: MQTTApplicationMessage.messageProperties(of: publish.properties)
        )
        guard let id = publish.packetIdentifier, publish.qos != .atMostOnce else {
            var actions: [Action] = [.publish(message, packetIdentifier: nil)]
            self.loopBack(message, now: now, into: &actions)
            return actions
        }
        if publish.qos == .exactlyOnce, self.session.inboundQoS2.contains(id) {
            // Already received and PUBREC'd: acknowledge again, never publish twice.
            return [.send(.pubrec(MQTTPublishAck(packetIdentifier: id)))]
        }
        if self.awaitingRealm[id] != nil {
            guard self.version == .v5 else { return self.protocolError("packet id \(id) reused while in use") }
            let ack = MQTTPublishAck(packetIdentifier: id, reasonCode: .packetIdentifierInUse)
            return [.send(publish.qos == .atLeastOnce ? .puback(ack) : .pubrec(ack))]
        }
        if self.awaitingRealm.count + self.session.inboundQoS2.count >= Int(self.configuration.receiveMaximum) {
            return self.disconnect(
                .receiveMaximumExceeded,
                log: "more than \(self.configuration.receiveMaximum) QoS>0 publications in flight"
            )
        }
        self.awaitingRealm[id] = message
        return [.publish(message, packetIdentifier: id)]
    }

    /// The realm accepted the publication of `packetIdentifier`.
    public mutating func realmPublished(packetIdentifier id: UInt16, now: UInt64) -> [Action] {
        guard self.phase == .connected, let message = self.awaitingRealm.removeValue(forKey: id) else { return [] }
        var actions: [Action] = []
        if message.qos == .exactlyOnce {
            self.session.inboundQoS2.insert(id)
            actions.append(.send(.pubrec(MQTTPublishAck(packetIdentifier: id))))
        } else {
            actions.append(.send(.puback(MQTTPublishAck(packetIdentifier: id))))
        }
        self.loopBack(message, now: now, into: &actions)
        return actions
    }

    /// The realm refused the publication (`reason`: 0x87 not authorized, 0x90 topic name invalid, ...).
    public mutating func realmPublishFailed(packetIdentifier id: UInt16, reason: MQTTReasonCode) -> [Action] {
        guard self.phase == .connected, let message = self.awaitingRealm.removeValue(forKey: id) else { return [] }
        // 3.1.1 has no negative acknowledgement: the message is dropped and acknowledged.
        let code = self.version == .v5 ? reason : .success
        let ack = MQTTPublishAck(packetIdentifier: id, reasonCode: code)
        return [.send(message.qos == .exactlyOnce ? .pubrec(ack) : .puback(ack))]
    }

    mutating func pubrelReceived(_ ack: MQTTPublishAck) -> [Action] {
        let known = self.session.inboundQoS2.remove(ack.packetIdentifier) != nil
        let code: MQTTReasonCode = known || self.version == .v3_1_1 ? .success : .packetIdentifierNotFound
        return [.send(.pubcomp(MQTTPublishAck(packetIdentifier: ack.packetIdentifier, reasonCode: code)))]
    }

    /// A client's publication reaches its own matching subscriptions here, not through the realm
    /// (which excludes the publisher): so No Local is a per-subscription choice, as MQTT has it.
    private mutating func loopBack(_ message: MQTTApplicationMessage, now: UInt64, into actions: inout [Action]) {
        guard !self.session.subscriptions.isEmpty else { return }
        var best: (qos: MQTTQoS, ids: [Int], retain: Bool)?
        for entry in self.session.subscriptions.values
        where entry.shareName == nil && !entry.options.noLocal
            && MQTTTopic.matches(filter: entry.filter, topic: message.topic)
        {
            let qos = min(message.qos, entry.options.maximumQoS)
            var current = best ?? (.atMostOnce, [], false)
            current.qos = max(current.qos, qos)
            if let id = entry.identifier { current.ids.append(id) }
            current.retain = current.retain || (entry.options.retainAsPublished && message.retain)
            best = current
        }
        guard let best else { return }
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

    // MARK: Outbound (realm → client)

    /// Delivers (or queues) one message to this client: QoS 0 only while connected; QoS ≥ 1 up
    /// to the client's receive maximum, the rest queued within `max_queued_messages` / `_bytes`.
    public mutating func deliver(_ outbound: MQTTOutboundMessage, now: UInt64) -> [Action] {
        switch self.phase {
        case .connected:
            if outbound.message.qos == .atMostOnce {
                return self.publishPacket(outbound, packetIdentifier: nil, dup: false, now: now)
            }
            if self.session.queue.isEmpty, self.session.inflight.count < self.clientReceiveMaximum {
                return self.sendInflight(outbound, now: now)
            }
            return self.enqueue(outbound)
        case .detached:
            guard outbound.message.qos != .atMostOnce else { return [] }
            return self.enqueue(outbound)
        case .awaitingConnect, .authenticating, .closed:
            return []
        }
    }

    private mutating func enqueue(_ outbound: MQTTOutboundMessage) -> [Action] {
        guard self.session.queue.count < self.configuration.maxQueuedMessages,
            self.session.queuedBytes + outbound.size <= self.configuration.maxQueuedBytes
        else {
            return [.dropped(topic: outbound.message.topic, reason: "the session's queue is full")]
        }
        self.session.queue.append(outbound)
        self.session.queuedBytes += outbound.size
        return []
    }

    private mutating func sendInflight(_ outbound: MQTTOutboundMessage, now: UInt64) -> [Action] {
        let id = self.session.allocatePacketIdentifier()
        let sequence = self.session.nextSequence
        self.session.nextSequence += 1
        let actions = self.publishPacket(outbound, packetIdentifier: id, dup: false, now: now)
        if case .send = actions.first {
            self.session.inflight[id] = MQTTInflightMessage(outbound: outbound, released: false, sequence: sequence)
        }
        return actions
    }

    /// Sends queued messages while the client's window has room.
    mutating func drainQueue(now: UInt64, into actions: inout [Action]) {
        var taken = 0
        while taken < self.session.queue.count, self.session.inflight.count < self.clientReceiveMaximum {
            let next = self.session.queue[taken]
            taken += 1
            self.session.queuedBytes -= next.size
            actions.append(contentsOf: self.sendInflight(next, now: now))
        }
        if taken > 0 { self.session.queue.removeFirst(taken) }
    }

    /// The PUBLISH for `outbound`: remaining message expiry, subscription ids, outbound topic
    /// alias; nothing if it expired or is larger than the client accepts.
    mutating func publishPacket(
        _ outbound: MQTTOutboundMessage,
        packetIdentifier: UInt16?,
        dup: Bool,
        now: UInt64
    ) -> [Action] {
        let message = outbound.message
        var properties = self.version == .v5 ? message.properties : MQTTProperties()
        if let expiry = message.properties.messageExpiryInterval {
            let elapsed = now > outbound.queuedAt ? (now - outbound.queuedAt) / 1_000_000_000 : 0
            guard elapsed < UInt64(expiry) else { return [.dropped(topic: message.topic, reason: "message expired")] }
            if self.version == .v5 { properties.messageExpiryInterval = expiry - UInt32(elapsed) }
        }
        var topic = message.topic
        if self.version == .v5 {
            if !outbound.subscriptionIdentifiers.isEmpty {
                properties.subscriptionIdentifiers = outbound.subscriptionIdentifiers
            }
            if self.clientTopicAliasMaximum > 0 {
                if let alias = self.outboundAliases[topic] {
                    properties.topicAlias = alias
                    topic = ""
                } else if self.outboundAliases.count < Int(self.clientTopicAliasMaximum) {
                    let alias = UInt16(self.outboundAliases.count + 1)
                    self.outboundAliases[topic] = alias
                    properties.topicAlias = alias
                }
            }
        }
        let packet = MQTTPacket.publish(
            MQTTPublish(
                topicName: topic,
                payload: message.payload,
                qos: message.qos,
                retain: message.retain,
                dup: dup,
                packetIdentifier: packetIdentifier,
                properties: properties
            )
        )
        if let maximum = self.clientMaximumPacketSize, packet.encoded(version: self.version).count > maximum {
            return [.dropped(topic: message.topic, reason: "larger than the client's maximum packet size \(maximum)")]
        }
        return [.send(packet)]
    }

    mutating func pubackReceived(_ ack: MQTTPublishAck, now: UInt64) -> [Action] {
        guard let inflight = self.session.inflight[ack.packetIdentifier], inflight.outbound.message.qos == .atLeastOnce
        else {
            return []
        }
        self.session.inflight[ack.packetIdentifier] = nil
        var actions: [Action] = []
        self.drainQueue(now: now, into: &actions)
        return actions
    }

    mutating func pubrecReceived(_ ack: MQTTPublishAck) -> [Action] {
        let id = ack.packetIdentifier
        guard var inflight = self.session.inflight[id], inflight.outbound.message.qos == .exactlyOnce else {
            guard self.version == .v5 else { return [] }
            return [.send(.pubrel(MQTTPublishAck(packetIdentifier: id, reasonCode: .packetIdentifierNotFound)))]
        }
        if ack.reasonCode.isFailure {
            // The client refused the message: the exchange ends here (5.0 §4.3.3).
            self.session.inflight[id] = nil
            return []
        }
        inflight.released = true
        self.session.inflight[id] = inflight
        return [.send(.pubrel(MQTTPublishAck(packetIdentifier: id)))]
    }

    mutating func pubcompReceived(_ ack: MQTTPublishAck, now: UInt64) -> [Action] {
        guard let inflight = self.session.inflight[ack.packetIdentifier], inflight.released else { return [] }
        self.session.inflight[ack.packetIdentifier] = nil
        var actions: [Action] = []
        self.drainQueue(now: now, into: &actions)
        return actions
    }
}
