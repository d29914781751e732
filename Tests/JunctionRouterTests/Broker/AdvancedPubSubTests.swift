import Testing
import WAMPCore

@testable import JunctionRouter

/// Advanced Profile PubSub features, driven through the realm with fake peers.
@Suite struct AdvancedPubSubTests {
    @Test func patternSubscriptionsGetOneEventPerSubscriptionWithTheTopic() {
        let h = RealmHarness()
        let (publisher, _) = h.join()
        let (subscriber, peer) = h.join()
        let exact = h.subscribe(subscriber, peer, "com.app.temp")
        let prefix = h.subscribe(subscriber, peer, "com.app", options: ["match": "prefix"])
        let wildcard = h.subscribe(subscriber, peer, "com..temp", options: ["match": "wildcard"])
        h.send(.publish(.init(request: 1, topic: "com.app.temp", payload: .init(args: [21]))), from: publisher)
        let events = peer.take().compactMap(\.event)
        #expect(Set(events.map(\.subscription)) == [exact, prefix, wildcard])
        #expect(Set(events.map(\.publication)).count == 1)
        for event in events {
            #expect(event.details["topic"] == (event.subscription == exact ? nil : "com.app.temp"))
        }
        h.send(.publish(.init(request: 2, topic: "com.other.temp")), from: publisher)
        #expect(peer.take().compactMap(\.event).map(\.subscription) == [wildcard])
        h.send(.subscribe(.init(request: 3, options: ["match": "prefix"], topic: "com.app")), from: subscriber)
        #expect(peer.take() == [.subscribed(.init(request: 3, subscription: prefix))])
    }

    /// The dashboard counts a realm's publications with one wildcard of empty components per URI
    /// length: each publication matches exactly one of them, meta events included.
    @Test func emptyWildcardsMatchEveryURIOfTheirLengthOnce() {
        let h = RealmHarness()
        let (publisher, _) = h.join()
        let (subscriber, peer) = h.join()
        let probes = (0..<4).map { dots in
            h.subscribe(subscriber, peer, String(repeating: ".", count: dots), options: ["match": "wildcard"])
        }
        for (index, topic) in ["a", "com.a", "com.app.a", "com.app.x.a", "com.app.x.y.a"].enumerated() {
            h.send(.publish(.init(request: UInt64(index + 1), topic: topic)), from: publisher)
        }
        let events = peer.take().compactMap(\.event)
        #expect(events.map(\.subscription) == probes)
        #expect(events.map { $0.details["topic"] } == ["a", "com.a", "com.app.a", "com.app.x.a"])
        _ = h.join(authid: "carol")
        #expect(peer.take().compactMap(\.event).map { $0.details["topic"] } == ["wamp.session.on_join"])
    }

    @Test func blackAndWhiteListing() {
        let h = RealmHarness()
        let (publisher, _) = h.join()
        let subscribers = ["alice", "bob", "carol"].map { h.join(authid: $0) }
        for (id, peer) in subscribers { _ = h.subscribe(id, peer, "com.t") }
        func receivers(_ options: WAMPDict) -> [String] {
            h.send(.publish(.init(request: 1, options: options, topic: "com.t")), from: publisher)
            return zip(["alice", "bob", "carol"], subscribers).filter { !$0.1.1.take().isEmpty }.map(\.0)
        }
        #expect(receivers([:]) == ["alice", "bob", "carol"])
        #expect(receivers(["exclude": [.uint(subscribers[0].0)]]) == ["bob", "carol"])
        #expect(receivers(["eligible": [.uint(subscribers[0].0), .uint(subscribers[1].0)]]) == ["alice", "bob"])
        #expect(receivers(["exclude_authid": ["bob"]]) == ["alice", "carol"])
        #expect(receivers(["eligible_authid": ["carol", "bob"], "exclude": [.uint(subscribers[1].0)]]) == ["carol"])
        #expect(receivers(["eligible_authrole": ["admin"]]) == [])
        #expect(receivers(["exclude_authrole": ["anonymous"]]) == [])
        #expect(receivers(["eligible_authrole": ["anonymous"], "eligible_authid": ["alice"]]) == ["alice"])
    }

    @Test func publisherIdentificationAndTrustLevels() {
        var configuration = RealmConfiguration.openRealm(named: "realm1")
        configuration.trustLevels = ["anonymous": 1]
        let h = RealmHarness(configuration)
        let (publisher, _) = h.join(authid: "pub")
        let (subscriber, peer) = h.join()
        _ = h.subscribe(subscriber, peer, "com.t")
        h.send(.publish(.init(request: 1, options: ["disclose_me": true], topic: "com.t")), from: publisher)
        let details = peer.take().first?.event?.details
        #expect(details?["publisher"] == .uint(publisher))
        #expect(details?["publisher_authid"] == "pub")
        #expect(details?["publisher_authrole"] == "anonymous")
        #expect(details?["trustlevel"] == .uint(1))
        h.send(.publish(.init(request: 2, topic: "com.t")), from: publisher)
        #expect(peer.take().first?.event?.details == ["trustlevel": .uint(1)])
    }

    @Test func retainedEvents() {
        let h = RealmHarness()
        let (publisher, _) = h.join()
        h.send(.publish(.init(request: 1, options: ["retain": true], topic: "com.sensor.a", payload: .init(args: [1]))), from: publisher)
        h.send(.publish(.init(request: 2, options: ["retain": true], topic: "com.sensor.a", payload: .init(args: [2]))), from: publisher)
        h.send(.publish(.init(request: 3, topic: "com.sensor.a", payload: .init(args: [3]))), from: publisher)
        h.send(.publish(.init(request: 4, options: ["retain": true, "eligible_authid": ["nobody"]], topic: "com.sensor.b")), from: publisher)
        let (subscriber, peer) = h.join()
        h.send(.subscribe(.init(request: 1, options: ["get_retained": true], topic: "com.sensor.a")), from: subscriber)
        var retained = peer.take()
        guard case .subscribed(let subscribed) = retained.removeFirst() else {
            Issue.record("no SUBSCRIBED first")
            return
        }
        let id = subscribed.subscription
        #expect(retained.count == 1)
        #expect(retained.first?.event?.subscription == id)
        #expect(retained.first?.event?.details["retained"] == true)
        #expect(retained.first?.event?.payload == .init(args: [2]))
        h.send(.subscribe(.init(request: 2, options: ["match": "prefix", "get_retained": true], topic: "com.sensor")), from: subscriber)
        let viaPrefix = peer.take().compactMap(\.event)
        #expect(viaPrefix.map { $0.details["topic"] } == ["com.sensor.a"])  // com.sensor.b: not eligible
        let (other, otherPeer) = h.join()
        _ = h.subscribe(other, otherPeer, "com.sensor.a")
        #expect(otherPeer.take().isEmpty)  // did not ask for it
    }

    @Test func eventHistoryServedByGetEvents() {
        var configuration = RealmConfiguration.openRealm(named: "realm1")
        configuration.eventHistory = [
            EventHistoryRule(uri: "com.log.", match: .prefix, limit: 3),
            EventHistoryRule(uri: "com.aged", match: .exact, maxAge: 60),
        ]
        let h = RealmHarness(configuration)
        let (publisher, _) = h.join()
        for n in 1...5 {
            h.send(.publish(.init(request: UInt64(n), topic: "com.log.auth", payload: .init(args: [.int(Int64(n))]))), from: publisher)
        }
        h.send(.publish(.init(request: 6, options: ["exclude": [.uint(publisher)]], topic: "com.log.auth")), from: publisher)
        h.send(.publish(.init(request: 7, topic: "com.unlogged")), from: publisher)
        let (reader, peer) = h.join()
        let exact = h.subscribe(reader, peer, "com.log.auth")
        let events = h.meta(reader, peer, "wamp.subscription.get_events", [.uint(exact)]).firstArg?.listValue ?? []
        #expect(events.map { $0["args"] } == [[3], [4], [5]])
        #expect(events.first?["subscription"] == .uint(exact))
        #expect(events.first?["topic"] == "com.log.auth")
        #expect(events.first?["timestamp"]?.stringValue?.hasSuffix("Z") == true)
        let limited = h.meta(reader, peer, "wamp.subscription.get_events", [.uint(exact)], kwargs: ["limit": 1])
        #expect(limited.firstArg?.listValue?.map { $0["args"] } == [[5]])

        h.send(.publish(.init(request: 8, topic: "com.aged", payload: .init(args: ["old"]))), from: publisher)
        h.advanceClock(seconds: 61)
        h.send(.publish(.init(request: 9, topic: "com.aged", payload: .init(args: ["new"]))), from: publisher)
        let aged = h.subscribe(reader, peer, "com.aged")
        let agedEvents = h.meta(reader, peer, "wamp.subscription.get_events", [.uint(aged)]).firstArg?.listValue
        #expect(agedEvents?.map { $0["args"] } == [["new"]])
        #expect(h.meta(reader, peer, "wamp.subscription.get_events", [999]).errorURI == WAMPErrorURI.noSuchSubscription)
    }

    @Test func subscriptionRevocation() {
        let h = RealmHarness()
        let (admin, adminPeer) = h.join()
        let (subscriber, peer) = h.join()
        let id = h.subscribe(subscriber, peer, "com.t")
        let reply = h.meta(admin, adminPeer, "wamp.subscription.remove_subscriber", [.uint(id), .uint(subscriber)], kwargs: ["reason": "no longer authorized"])
        #expect(reply.errorURI == nil)
        #expect(peer.take() == [.unsubscribed(.init(request: 0, details: ["subscription": .uint(id), "reason": "no longer authorized"]))])
        h.send(.publish(.init(request: 1, topic: "com.t")), from: admin)
        #expect(peer.take().isEmpty)
        #expect(h.realm.broker.subscriptions.isEmpty)
    }

    @Test func passthruPublicationsAreForwardedUntouched() {
        let h = RealmHarness()
        let (publisher, _) = h.join()
        let (subscriber, peer) = h.join()
        _ = h.subscribe(subscriber, peer, "com.t")
        let options: WAMPDict = ["ppt_scheme": "mqtt", "ppt_serializer": "native"]
        h.send(.publish(.init(request: 1, options: options, topic: "com.t", payload: .transparent([0, 1, 255]))), from: publisher)
        let event = peer.take().first?.event
        #expect(event?.payload == .transparent([0, 1, 255]))
        #expect(event?.details == options)
        let (rude, rudePeer) = h.join(features: ["publisher": []])
        h.send(.publish(.init(request: 1, options: options, topic: "com.t", payload: .transparent([1]))), from: rude)
        #expect(rudePeer.ended == ["abort:\(WAMPErrorURI.protocolViolation)"])
    }

    @Test func welcomeAnnouncesBothRolesAndTheFeaturesTheClientUses() {
        let subscriberOnly = Realm.routerRoles(for: ["subscriber": [:]])
        #expect(subscriberOnly.keys.sorted() == ["broker", "dealer"])
        #expect(subscriberOnly["dealer"] == [:])
        #expect(subscriberOnly["broker"]?["features"]?["publisher_exclusion"] == nil)
        #expect(subscriberOnly["broker"]?["features"]?["pattern_based_subscription"] == true)
        let calleeOnly = Realm.routerRoles(for: ["callee": [:]])
        #expect(calleeOnly.keys.sorted() == ["broker", "dealer"])
        #expect(calleeOnly["broker"] == [:])
        #expect(calleeOnly["dealer"]?["features"]?["call_canceling"] == true)
        let both = Realm.routerRoles(for: ["caller": [:], "publisher": [:]])
        #expect(both["broker"]?["features"]?["publisher_exclusion"] == true)
        #expect(both["dealer"]?["features"]?["call_timeout"] == true)
    }

    @Test func routerAnnouncesExactlyTheFeaturesThatWork() {
        let broker = Set(Realm.routerRoles["broker"]?["features"]?.dictValue?.keys.map { $0 } ?? [])
        let dealer = Set(Realm.routerRoles["dealer"]?["features"]?.dictValue?.keys.map { $0 } ?? [])
        #expect(
            broker == [
                "publisher_exclusion", "publisher_identification", "subscriber_blackwhite_listing",
                "pattern_based_subscription", "publication_trustlevels", "subscription_revocation", "event_retention",
                "event_history", "session_meta_api", "subscription_meta_api", "payload_passthru_mode",
            ])
        #expect(
            dealer == [
                "progressive_call_results", "progressive_call_invocations", "call_timeout", "call_canceling",
                "caller_identification", "call_trustlevels", "pattern_based_registration", "shared_registration",
                "registration_revocation", "session_meta_api", "registration_meta_api", "testament_meta_api",
                "payload_passthru_mode",
            ])
    }
}
