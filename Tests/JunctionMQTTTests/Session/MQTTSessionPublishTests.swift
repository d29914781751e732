import MQTTCore
import Testing

@testable import JunctionMQTT

/// QoS 0/1/2 in both directions, exactly-once, receive maximum, topic aliases, packet size,
/// message expiry, queues and DUP redelivery of persistent sessions.
@Suite struct MQTTSessionPublishTests {
    func publish(_ topic: String, qos: MQTTQoS, id: UInt16?, dup: Bool = false, alias: UInt16? = nil) -> MQTTPacket {
        var properties = MQTTProperties()
        properties.topicAlias = alias
        return .publish(
            MQTTPublish(
                topicName: topic,
                payload: Array("p".utf8),
                qos: qos,
                dup: dup,
                packetIdentifier: id,
                properties: properties
            )
        )
    }

    @Test func qos0IsPublishedWithoutAck() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        let actions = machine.packetReceived(self.publish("a/b", qos: .atMostOnce, id: nil), now: 0)
        #expect(actions.realmPublications.count == 1)
        #expect(actions.realmPublications.first?.1 == nil)
        #expect(actions.packets.isEmpty)
    }

    @Test func qos1IsAcknowledgedWhenTheRealmAccepted() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        let actions = machine.packetReceived(self.publish("a/b", qos: .atLeastOnce, id: 5), now: 0)
        #expect(actions.realmPublications.first?.1 == 5)
        #expect(actions.packets.isEmpty)
        #expect(
            machine.realmPublished(packetIdentifier: 5, now: 0).packets == [
                .puback(MQTTPublishAck(packetIdentifier: 5))
            ]
        )
    }

    @Test func deniedPublishGets0x87In5AndAPlainAckIn311() {
        var (v5, _) = MQTTSessionStateMachine.connected(.v5)
        _ = v5.packetReceived(self.publish("a/b", qos: .atLeastOnce, id: 5), now: 0)
        #expect(
            v5.realmPublishFailed(packetIdentifier: 5, reason: .notAuthorized).packets == [
                .puback(MQTTPublishAck(packetIdentifier: 5, reasonCode: .notAuthorized))
            ]
        )
        var (v3, _) = MQTTSessionStateMachine.connected(.v3_1_1)
        _ = v3.packetReceived(self.publish("a/b", qos: .exactlyOnce, id: 6), now: 0)
        #expect(
            v3.realmPublishFailed(packetIdentifier: 6, reason: .notAuthorized).packets == [
                .pubrec(MQTTPublishAck(packetIdentifier: 6))
            ]
        )
    }

    @Test func qos2IsPublishedExactlyOnce() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        #expect(
            machine.packetReceived(self.publish("a", qos: .exactlyOnce, id: 9), now: 0).realmPublications.count == 1
        )
        #expect(
            machine.realmPublished(packetIdentifier: 9, now: 0).packets == [
                .pubrec(MQTTPublishAck(packetIdentifier: 9))
            ]
        )
        // The client did not see PUBREC and sends the message again: acknowledged, not published.
        let again = machine.packetReceived(self.publish("a", qos: .exactlyOnce, id: 9, dup: true), now: 0)
        #expect(again.realmPublications.isEmpty)
        #expect(again.packets == [.pubrec(MQTTPublishAck(packetIdentifier: 9))])
        #expect(
            machine.packetReceived(.pubrel(MQTTPublishAck(packetIdentifier: 9)), now: 0).packets == [
                .pubcomp(MQTTPublishAck(packetIdentifier: 9))
            ]
        )
        // After PUBCOMP the id is free: a new message with it is a new publication.
        #expect(
            machine.packetReceived(self.publish("a", qos: .exactlyOnce, id: 9), now: 0).realmPublications.count == 1
        )
    }

    @Test func pubrelForAnUnknownID() {
        var (v5, _) = MQTTSessionStateMachine.connected(.v5)
        #expect(
            v5.packetReceived(.pubrel(MQTTPublishAck(packetIdentifier: 3)), now: 0).packets == [
                .pubcomp(MQTTPublishAck(packetIdentifier: 3, reasonCode: .packetIdentifierNotFound))
            ]
        )
        var (v3, _) = MQTTSessionStateMachine.connected(.v3_1_1)
        #expect(
            v3.packetReceived(.pubrel(MQTTPublishAck(packetIdentifier: 3)), now: 0).packets == [
                .pubcomp(MQTTPublishAck(packetIdentifier: 3))
            ]
        )
    }

    @Test func packetIDReuseWhileInUse() {
        var (v5, _) = MQTTSessionStateMachine.connected(.v5)
        _ = v5.packetReceived(self.publish("a", qos: .atLeastOnce, id: 4), now: 0)
        #expect(
            v5.packetReceived(self.publish("b", qos: .atLeastOnce, id: 4), now: 0).packets == [
                .puback(MQTTPublishAck(packetIdentifier: 4, reasonCode: .packetIdentifierInUse))
            ]
        )
        var (v3, _) = MQTTSessionStateMachine.connected(.v3_1_1)
        _ = v3.packetReceived(self.publish("a", qos: .atLeastOnce, id: 4), now: 0)
        #expect(v3.packetReceived(self.publish("b", qos: .atLeastOnce, id: 4), now: 0).closes)
    }

    @Test func receiveMaximumExceededDisconnects0x93() {
        var configuration = MQTTSessionConfiguration()
        configuration.receiveMaximum = 2
        var (machine, _) = MQTTSessionStateMachine.connected(configuration: configuration)
        _ = machine.packetReceived(self.publish("a", qos: .atLeastOnce, id: 1), now: 0)
        _ = machine.packetReceived(self.publish("a", qos: .exactlyOnce, id: 2), now: 0)
        let actions = machine.packetReceived(self.publish("a", qos: .atLeastOnce, id: 3), now: 0)
        #expect(actions.packets == [.disconnect(MQTTDisconnect(reasonCode: .receiveMaximumExceeded))])
        #expect(actions.closes)
    }

    @Test func inboundTopicAliases() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        let first = machine.packetReceived(self.publish("long/topic/name", qos: .atMostOnce, id: nil, alias: 3), now: 0)
        #expect(first.realmPublications.first?.0.topic == "long/topic/name")
        let second = machine.packetReceived(self.publish("", qos: .atMostOnce, id: nil, alias: 3), now: 0)
        #expect(second.realmPublications.first?.0.topic == "long/topic/name")
        let unknown = machine.packetReceived(self.publish("", qos: .atMostOnce, id: nil, alias: 4), now: 0)
        #expect(unknown.packets == [.disconnect(MQTTDisconnect(reasonCode: .protocolError))])
    }

    @Test func topicAliasOutOfRange() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        let actions = machine.packetReceived(self.publish("a", qos: .atMostOnce, id: nil, alias: 33), now: 0)
        #expect(actions.packets == [.disconnect(MQTTDisconnect(reasonCode: .topicAliasInvalid))])
    }

    @Test func wildcardOrDollarTopicNamesAreInvalid() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        let actions = machine.packetReceived(self.publish("$SYS/x", qos: .atMostOnce, id: nil), now: 0)
        #expect(actions.packets == [.disconnect(MQTTDisconnect(reasonCode: .topicNameInvalid))])
    }

    @Test func anExpiredRetainedMessageIsNotDelivered() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "t")
        var expired = message("t", qos: .atLeastOnce, retain: true)
        expired.properties.messageExpiryInterval = 0  // what MQTTMessageOptions leaves of it
        let actions = machine.eventReceived(subscription: 7, message: expired, retained: true, now: 0)
        #expect(actions.publishes.isEmpty)
        #expect(actions.contains { if case .dropped = $0 { return true } else { return false } })
        #expect(machine.session.inflight.isEmpty)
    }

    @Test func outboundQoS1And2Handshakes() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "t/#")
        let first = machine.eventReceived(
            subscription: 7,
            message: message("t/1", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        let id1 = try! #require(first.publishes.first?.packetIdentifier)
        #expect(first.publishes.first?.qos == .atLeastOnce)
        #expect(machine.packetReceived(.puback(MQTTPublishAck(packetIdentifier: id1)), now: 0).isEmpty)
        #expect(machine.session.inflight.isEmpty)
        let second = machine.eventReceived(
            subscription: 7,
            message: message("t/2", qos: .exactlyOnce),
            retained: false,
            now: 0
        )
        let id2 = try! #require(second.publishes.first?.packetIdentifier)
        #expect(
            machine.packetReceived(.pubrec(MQTTPublishAck(packetIdentifier: id2)), now: 0).packets == [
                .pubrel(MQTTPublishAck(packetIdentifier: id2))
            ]
        )
        _ = machine.packetReceived(.pubcomp(MQTTPublishAck(packetIdentifier: id2)), now: 0)
        #expect(machine.session.inflight.isEmpty)
    }

    @Test func deliveredQoSIsTheLowerOfPublicationAndSubscription() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "t", qos: .atLeastOnce)
        let actions = machine.eventReceived(
            subscription: 7,
            message: message("t", qos: .exactlyOnce),
            retained: false,
            now: 0
        )
        #expect(actions.publishes.first?.qos == .atLeastOnce)
    }

    @Test func clientReceiveMaximumQueuesTheRest() {
        var properties = MQTTProperties()
        properties.receiveMaximum = 1
        var (machine, _) = MQTTSessionStateMachine.connected(properties: properties)
        _ = subscribe(&machine, "t")
        let first = machine.eventReceived(
            subscription: 7,
            message: message("t", "1", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        let second = machine.eventReceived(
            subscription: 7,
            message: message("t", "2", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        #expect(first.publishes.count == 1)
        #expect(second.publishes.isEmpty)
        let id = first.publishes[0].packetIdentifier!
        let released = machine.packetReceived(.puback(MQTTPublishAck(packetIdentifier: id)), now: 0)
        #expect(released.publishes.map(\.payload) == [Array("2".utf8)])
    }

    @Test func queueIsBounded() {
        var configuration = MQTTSessionConfiguration()
        configuration.maxQueuedMessages = 2
        var properties = MQTTProperties()
        properties.receiveMaximum = 1
        var (machine, _) = MQTTSessionStateMachine.connected(properties: properties, configuration: configuration)
        _ = subscribe(&machine, "t")
        for _ in 0..<3 {
            _ = machine.eventReceived(
                subscription: 7,
                message: message("t", qos: .atLeastOnce),
                retained: false,
                now: 0
            )
        }
        let dropped = machine.eventReceived(
            subscription: 7,
            message: message("t", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        #expect(dropped == [.dropped(topic: "t", reason: "the session's queue is full")])
        #expect(machine.session.queue.count == 2)
    }

    @Test func outboundTopicAliases() {
        var properties = MQTTProperties()
        properties.topicAliasMaximum = 1
        var (machine, _) = MQTTSessionStateMachine.connected(properties: properties)
        _ = subscribe(&machine, "#")
        let first = machine.eventReceived(subscription: 7, message: message("a/b"), retained: false, now: 0).publishes[
            0
        ]
        #expect(first.topicName == "a/b")
        #expect(first.properties.topicAlias == 1)
        let second = machine.eventReceived(subscription: 7, message: message("a/b"), retained: false, now: 0).publishes[
            0
        ]
        #expect(second.topicName == "")
        #expect(second.properties.topicAlias == 1)
        let other = machine.eventReceived(subscription: 7, message: message("c"), retained: false, now: 0).publishes[0]
        #expect(other.topicName == "c")
        #expect(other.properties.topicAlias == nil)
    }

    @Test func messagesLargerThanTheClientAcceptsAreDropped() {
        var properties = MQTTProperties()
        properties.maximumPacketSize = 20
        var (machine, _) = MQTTSessionStateMachine.connected(properties: properties)
        _ = subscribe(&machine, "t")
        let actions = machine.eventReceived(
            subscription: 7,
            message: message("t", String(repeating: "x", count: 50)),
            retained: false,
            now: 0
        )
        #expect(actions.packets.isEmpty)
        #expect(actions.count == 1)
    }

    @Test func messageExpiryCountsDownWhileQueued() {
        var sessionProperties = MQTTProperties()
        sessionProperties.sessionExpiryInterval = 100
        var (machine, _) = MQTTSessionStateMachine.connected(cleanStart: false, properties: sessionProperties)
        _ = subscribe(&machine, "t")
        _ = machine.connectionClosed()
        var expiring = message("t", qos: .atLeastOnce)
        expiring.properties.messageExpiryInterval = 10
        _ = machine.eventReceived(subscription: 7, message: expiring, retained: false, now: 0)
        _ = machine.eventReceived(
            subscription: 7,
            message: message("t", "keep", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        let (state, _) = machine.handOver()
        // Reconnected 4 s later: 6 s left.
        var resumed = MQTTSessionStateMachine()
        _ = resumed.connectReceived(
            MQTTConnect(protocolVersion: .v5, cleanStart: false, clientIdentifier: "c1", properties: sessionProperties),
            assignedIdentifier: "",
            now: 4_000_000_000
        )
        let actions = resumed.accepted(previous: state, now: 4_000_000_000)
        #expect(actions.publishes.map { $0.properties.messageExpiryInterval } == [UInt32(6), nil])
        // And 11 s later it would have been gone.
        var late = MQTTSessionStateMachine()
        _ = late.connectReceived(
            MQTTConnect(protocolVersion: .v5, cleanStart: false, clientIdentifier: "c1", properties: sessionProperties),
            assignedIdentifier: "",
            now: 11_000_000_000
        )
        #expect(late.accepted(previous: state, now: 11_000_000_000).publishes.count == 1)
    }

    @Test func persistentSessionRedeliversWithDUP() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v3_1_1, cleanStart: false)
        _ = subscribe(&machine, "t")
        let sent = machine.eventReceived(
            subscription: 7,
            message: message("t", "1", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        let id = sent.publishes[0].packetIdentifier!
        let qos2 = machine.eventReceived(
            subscription: 7,
            message: message("t", "2", qos: .exactlyOnce),
            retained: false,
            now: 0
        )
        let id2 = qos2.publishes[0].packetIdentifier!
        _ = machine.packetReceived(.pubrec(MQTTPublishAck(packetIdentifier: id2)), now: 0)
        #expect(machine.connectionClosed() == [.ended(MQTTSessionEnd(will: nil, willDelay: 0, sessionExpiry: 86_400))])
        // Offline: QoS 1 queues, QoS 0 does not.
        _ = machine.eventReceived(
            subscription: 7,
            message: message("t", "3", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        _ = machine.eventReceived(subscription: 7, message: message("t", "4"), retained: false, now: 0)
        let (state, _) = machine.handOver()
        let (resumed, actions) = MQTTSessionStateMachine.connected(.v3_1_1, cleanStart: false, previous: state)
        guard case .connack(let connack)? = actions.packets.first else { return }
        #expect(connack.sessionPresent)
        #expect(actions.subscribeRequests.map(\.filter) == ["t"])
        #expect(actions.subscribeRequests.allSatisfy { !$0.getRetained })
        let packets = Array(actions.packets.dropFirst())
        #expect(packets.count == 3)
        guard case .publish(let redelivered) = packets[0] else { return }
        #expect(redelivered.dup)
        #expect(redelivered.packetIdentifier == id)
        #expect(packets[1] == .pubrel(MQTTPublishAck(packetIdentifier: id2)))
        guard case .publish(let queued) = packets[2] else { return }
        #expect(queued.payload == Array("3".utf8))
        #expect(!queued.dup)
        #expect(resumed.session.queue.isEmpty)
    }

    @Test func cleanStartDiscardsTheStoredSession() {
        var stored = MQTTSessionState()
        stored.subscriptions["t"] = MQTTSubscriptionEntry(filter: "t", options: .init())
        let (_, actions) = MQTTSessionStateMachine.connected(.v5, cleanStart: true, previous: stored)
        guard case .connack(let connack)? = actions.packets.first else { return }
        #expect(!connack.sessionPresent)
        #expect(actions.subscribeRequests.isEmpty)
    }
}
