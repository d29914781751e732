import MQTTCore
import Testing

@testable import JunctionMQTT

/// SUBSCRIBE/UNSUBSCRIBE, SUBACK codes, subscription identifiers, No Local, Retain As Published,
/// Retain Handling, shared subscriptions and `$` topics.
@Suite struct MQTTSessionSubscribeTests {
    @Test func subackAfterTheRealmAnsweredEveryFilter() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        let actions = machine.packetReceived(
            .subscribe(
                MQTTSubscribe(
                    packetIdentifier: 3,
                    subscriptions: [
                        MQTTSubscription(topicFilter: "a/+", options: .init(maximumQoS: .atLeastOnce)),
                        MQTTSubscription(topicFilter: "a/#/b"),
                        MQTTSubscription(topicFilter: "secret/#", options: .init(maximumQoS: .exactlyOnce)),
                    ]
                )
            ),
            now: 0
        )
        let requests = actions.subscribeRequests
        #expect(requests.map(\.filter) == ["a/+", "secret/#"])
        #expect(requests[0].realm == .init(uri: "a.", match: .wildcard))
        #expect(actions.packets.isEmpty)
        #expect(machine.realmSubscribed(requests[0].token, subscription: 1).isEmpty)
        let done = machine.realmSubscribeFailed(requests[1].token, reason: .notAuthorized)
        #expect(
            done.packets == [
                .suback(
                    MQTTSubAck(packetIdentifier: 3, reasonCodes: [.grantedQoS1, .topicFilterInvalid, .notAuthorized])
                )
            ]
        )
        #expect(machine.session.subscriptions.keys.sorted() == ["a/+"])
    }

    @Test func unsubscribeDropsTheRealmSubscriptionWithItsLastFilter() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "a/#", id: 1, realm: 5)
        _ = subscribe(&machine, "a/+/#", id: 2, realm: 5)
        let first = machine.packetReceived(
            .unsubscribe(MQTTUnsubscribe(packetIdentifier: 4, topicFilters: ["a/#", "x"])),
            now: 0
        )
        #expect(
            first == [
                .send(.unsuback(MQTTUnsubAck(packetIdentifier: 4, reasonCodes: [.success, .noSubscriptionExisted])))
            ]
        )
        let second = machine.packetReceived(
            .unsubscribe(MQTTUnsubscribe(packetIdentifier: 5, topicFilters: ["a/+/#"])),
            now: 0
        )
        #expect(second.first == .unsubscribe(realmSubscription: 5))
    }

    @Test func eventsAreMatchedAgainstTheFilterItself() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "a/#")
        // The realm's prefix `a` also matches `ab`; the filter does not.
        #expect(machine.eventReceived(subscription: 7, message: message("ab"), retained: false, now: 0).isEmpty)
        #expect(
            machine.eventReceived(subscription: 7, message: message("a"), retained: false, now: 0).publishes.count == 1
        )
        #expect(
            machine.eventReceived(subscription: 7, message: message("a/b/c"), retained: false, now: 0).publishes.count
                == 1
        )
    }

    @Test func dollarTopicsAreNotMatchedByLeadingWildcards() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "#", id: 1, realm: 1)
        _ = subscribe(&machine, "$SYS/#", id: 2, realm: 2)
        #expect(machine.eventReceived(subscription: 1, message: message("$SYS/x"), retained: false, now: 0).isEmpty)
        #expect(
            machine.eventReceived(subscription: 2, message: message("$SYS/x"), retained: false, now: 0).publishes.count
                == 1
        )
    }

    @Test func overlappingSubscriptionsGiveOnePublishWithEveryIdentifier() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "a/#", qos: .atMostOnce, id: 1, realm: 7, identifier: 11)
        _ = subscribe(&machine, "a/b", qos: .atLeastOnce, id: 2, realm: 8, identifier: 12)
        _ = subscribe(&machine, "a/+", qos: .atMostOnce, id: 3, realm: 7, identifier: 13)
        // Realm subscription 7 serves two filters; one EVENT per realm subscription.
        let viaPrefix = machine.eventReceived(
            subscription: 7,
            message: message("a/b", qos: .exactlyOnce),
            retained: false,
            now: 0
        )
        #expect(viaPrefix.publishes.count == 1)
        #expect(viaPrefix.publishes[0].properties.subscriptionIdentifiers == [11, 13])
        #expect(viaPrefix.publishes[0].qos == .atMostOnce)
    }

    @Test func onePublicationThroughSeveralRealmSubscriptionsIsOnePublish() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        // `a/#` is a prefix subscription in the realm, `a/+` a wildcard one, `a/c` an exact one.
        _ = subscribe(&machine, "a/#", qos: .atMostOnce, id: 1, realm: 7, identifier: 11)
        _ = subscribe(&machine, "a/+", qos: .atLeastOnce, id: 2, realm: 8, identifier: 12)
        _ = subscribe(&machine, "a/c", qos: .exactlyOnce, id: 3, realm: 9, identifier: 13)
        let first = machine.eventReceived(
            subscription: 7,
            publication: 100,
            message: message("a/b", qos: .exactlyOnce),
            retained: false,
            now: 0
        )
        #expect(first.publishes.count == 1)
        #expect(first.publishes.first?.properties.subscriptionIdentifiers == [11, 12])
        #expect(first.publishes.first?.qos == .atLeastOnce)
        let second = machine.eventReceived(
            subscription: 8,
            publication: 100,
            message: message("a/b", qos: .exactlyOnce),
            retained: false,
            now: 0
        )
        #expect(second.publishes.isEmpty)
        #expect(machine.mergedPublications.isEmpty)
        // Whichever EVENT comes first delivers; the next publication is delivered again.
        let third = machine.eventReceived(
            subscription: 8,
            publication: 101,
            message: message("a/b", qos: .atMostOnce),
            retained: false,
            now: 0
        )
        #expect(third.publishes.first?.properties.subscriptionIdentifiers == [11, 12])
        #expect(
            machine.eventReceived(
                subscription: 7,
                publication: 101,
                message: message("a/b"),
                retained: false,
                now: 0
            ).publishes.isEmpty
        )
    }

    @Test func aRetainedMessageIsForTheNewSubscriptionAlone() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "a/#", qos: .atMostOnce, id: 1, realm: 7, identifier: 11)
        _ = subscribe(&machine, "a/+", qos: .atMostOnce, id: 2, realm: 8, identifier: 12)
        let retained = machine.eventReceived(
            subscription: 8,
            publication: 100,
            message: message("a/b", retain: true),
            retained: true,
            now: 0
        )
        #expect(retained.publishes.first?.properties.subscriptionIdentifiers == [12])
        #expect(machine.mergedPublications.isEmpty)
    }

    @Test func unsubscribingForgetsTheEventsStillExpected() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "a/#", id: 1, realm: 7)
        _ = subscribe(&machine, "a/+", id: 2, realm: 8)
        _ = machine.eventReceived(subscription: 7, publication: 5, message: message("a/b"), retained: false, now: 0)
        #expect(machine.mergedPublications == [5: [8]])
        let unsubscribe = MQTTUnsubscribe(packetIdentifier: 3, topicFilters: ["a/+"])
        let actions = machine.packetReceived(.unsubscribe(unsubscribe), now: 0)
        #expect(actions.contains { if case .unsubscribe(8) = $0 { return true } else { return false } })
        #expect(machine.mergedPublications.isEmpty)
    }

    @Test func mergedPublicationsStayBounded() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "a/#", id: 1, realm: 7)
        _ = subscribe(&machine, "a/+", id: 2, realm: 8)
        // The second EVENT never comes (say realm subscription 8 went away meanwhile).
        for publication in 1...UInt64(MQTTSessionStateMachine.mergedPublicationsLimit + 10) {
            _ = machine.eventReceived(
                subscription: 7,
                publication: publication,
                message: message("a/b"),
                retained: false,
                now: 0
            )
        }
        #expect(machine.mergedPublications.count <= MQTTSessionStateMachine.mergedPublicationsLimit)
    }

    @Test func noLocalAppliesToTheClientsOwnPublications() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "own/#", id: 1, realm: 1, options: .init(maximumQoS: .atMostOnce, noLocal: true))
        _ = subscribe(&machine, "echo/#", id: 2, realm: 2)
        let own = machine.packetReceived(.publish(MQTTPublish(topicName: "own/x", payload: [1])), now: 0)
        #expect(own.publishes.isEmpty)
        #expect(own.realmPublications.count == 1)
        let echo = machine.packetReceived(.publish(MQTTPublish(topicName: "echo/x", payload: [1])), now: 0)
        #expect(echo.publishes.map(\.topicName) == ["echo/x"])
    }

    @Test func retainFlagIsClearedUnlessRetainAsPublished() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&machine, "plain", id: 1, realm: 1)
        _ = subscribe(
            &machine,
            "rap",
            id: 2,
            realm: 2,
            options: .init(maximumQoS: .atMostOnce, retainAsPublished: true)
        )
        #expect(
            machine.eventReceived(subscription: 1, message: message("plain", retain: true), retained: false, now: 0)
                .publishes[0].retain == false
        )
        #expect(
            machine.eventReceived(subscription: 2, message: message("rap", retain: true), retained: false, now: 0)
                .publishes[0].retain
        )
        // Sent because of the subscription: retained, always flagged.
        #expect(
            machine.eventReceived(subscription: 1, message: message("plain", retain: true), retained: true, now: 0)
                .publishes[0].retain
        )
        // A deleted retained message (empty payload) is not delivered.
        #expect(
            machine.eventReceived(subscription: 1, message: message("plain", "", retain: true), retained: true, now: 0)
                .isEmpty
        )
    }

    @Test func retainHandling() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        func request(_ handling: MQTTRetainHandling, id: UInt16) -> Bool? {
            machine.packetReceived(
                .subscribe(
                    MQTTSubscribe(
                        packetIdentifier: id,
                        subscriptions: [MQTTSubscription(topicFilter: "r", options: .init(retainHandling: handling))]
                    )
                ),
                now: 0
            ).subscribeRequests.first?.getRetained
        }
        #expect(request(.sendAtSubscribeIfNew, id: 1) == true)
        #expect(request(.sendAtSubscribeIfNew, id: 2) == false)
        #expect(request(.sendAtSubscribe, id: 3) == true)
        #expect(request(.doNotSend, id: 4) == false)
    }

    @Test func sharedSubscriptionsDeliverOnlyWhenChosen() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        let actions = subscribe(&machine, "$share/g1/jobs/#", qos: .atLeastOnce)
        #expect(actions.subscribeRequests.first?.filter == "jobs/#")
        #expect(actions.subscribeRequests.first?.getRetained == false)
        var asked: [(String, String)] = []
        let notChosen = machine.eventReceived(
            subscription: 7,
            message: message("jobs/1"),
            retained: false,
            now: 0,
            deliverShared: {
                asked.append(($0, $1))
                return false
            }
        )
        #expect(notChosen.isEmpty)
        #expect(asked.map(\.0) == ["g1"])
        let chosen = machine.eventReceived(subscription: 7, message: message("jobs/1"), retained: false, now: 0)
        #expect(chosen.publishes.count == 1)
    }

    @Test func invalidSharedSubscriptionsAndNoLocalOnThem() {
        var (machine, _) = MQTTSessionStateMachine.connected()
        let invalid = machine.packetReceived(
            .subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "$share/g")])),
            now: 0
        )
        #expect(invalid.packets == [.suback(MQTTSubAck(packetIdentifier: 1, reasonCodes: [.topicFilterInvalid]))])
        let noLocal = machine.packetReceived(
            .subscribe(
                MQTTSubscribe(
                    packetIdentifier: 2,
                    subscriptions: [MQTTSubscription(topicFilter: "$share/g/t", options: .init(noLocal: true))]
                )
            ),
            now: 0
        )
        #expect(noLocal.packets == [.disconnect(MQTTDisconnect(reasonCode: .protocolError))])
    }

    @Test func undeliveredSharedMessagesAreTakenForAnotherMember() {
        var (machine, _) = MQTTSessionStateMachine.connected(
            properties: {
                var properties = MQTTProperties()
                properties.receiveMaximum = 1
                return properties
            }()
        )
        _ = subscribe(&machine, "$share/g/jobs/#", qos: .atLeastOnce, id: 1, realm: 7)
        _ = subscribe(&machine, "own/#", qos: .atLeastOnce, id: 2, realm: 8)
        _ = machine.eventReceived(
            subscription: 7,
            message: message("jobs/1", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        _ = machine.eventReceived(
            subscription: 7,
            message: message("jobs/2", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        _ = machine.eventReceived(
            subscription: 8,
            message: message("own/1", qos: .atLeastOnce),
            retained: false,
            now: 0
        )
        let taken = machine.takeSharedMessages()
        #expect(taken.map(\.message.topic) == ["jobs/1", "jobs/2"])
        #expect(taken.allSatisfy { $0.share == MQTTShare(shareName: "g", filter: "jobs/#") })
        #expect(machine.session.queue.map(\.message.topic) == ["own/1"])
        // Another member of the group takes one; a session outside the group does not.
        var (member, _) = MQTTSessionStateMachine.connected()
        _ = subscribe(&member, "$share/g/jobs/#", qos: .atLeastOnce)
        #expect(member.redispatched(taken[0], now: 0).publishes.map(\.topicName) == ["jobs/1"])
        var (outsider, _) = MQTTSessionStateMachine.connected()
        #expect(outsider.redispatched(taken[1], now: 0).publishes.isEmpty)
    }
}
