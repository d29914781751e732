import Logging
import Testing
import WAMPCore

@testable import JunctionRouter

/// The meta API and testaments, served by the realm itself.
@Suite struct MetaAPITests {
    @Test func sessionProceduresAndEvents() {
        let h = RealmHarness()
        let (watcher, watcherPeer) = h.join()
        let onJoin = h.subscribe(watcher, watcherPeer, "wamp.session.on_join")
        let onLeave = h.subscribe(watcher, watcherPeer, "wamp.session.on_leave")
        let (other, _) = h.join(authid: "bob")
        let joined = watcherPeer.take().first?.event
        #expect(joined?.subscription == onJoin)
        #expect(joined?.payload.args?.first?["session"] == .uint(other))
        #expect(joined?.payload.args?.first?["authid"] == "bob")
        #expect(h.meta(watcher, watcherPeer, "wamp.session.count").firstArg == .uint(2))
        #expect(h.meta(watcher, watcherPeer, "wamp.session.count", [["nobody"]]).firstArg == .uint(0))
        #expect(h.meta(watcher, watcherPeer, "wamp.session.count", [["anonymous"]]).firstArg == .uint(2))
        #expect(h.meta(watcher, watcherPeer, "wamp.session.list").firstArg == .list([watcher, other].sorted().map { .uint($0) }))
        #expect(h.meta(watcher, watcherPeer, "wamp.session.get", [.uint(other)]).firstArg?["authid"] == "bob")
        #expect(h.meta(watcher, watcherPeer, "wamp.session.get", [12345]).errorURI == WAMPErrorURI.noSuchSession)
        h.realm.leave(session: other)
        let left = watcherPeer.take().first?.event
        #expect(left?.subscription == onLeave)
        #expect(left?.payload.args == [.uint(other), "bob", "anonymous"])
    }

    /// `joined` is what dashboards show as "since": the realm's wall clock when it admitted the session.
    @Test func sessionDetailsSayWhenTheSessionJoined() {
        let h = RealmHarness()
        let (watcher, watcherPeer) = h.join()
        _ = h.subscribe(watcher, watcherPeer, "wamp.session.on_join")
        h.advanceClock(seconds: 90)
        let (other, _) = h.join(authid: "bob")
        let expected = WAMPValue.string(WallClock.iso8601(1_700_000_090_000))
        #expect(watcherPeer.take().first?.event?.payload.args?.first?["joined"] == expected)
        h.advanceClock(seconds: 5)
        #expect(h.meta(watcher, watcherPeer, "wamp.session.get", [.uint(other)]).firstArg?["joined"] == expected)
        #expect(expected == "2023-11-14T22:14:50.000Z")
    }

    @Test func killNeverKillsTheCaller() {
        let h = RealmHarness()
        let (admin, adminPeer) = h.join(authid: "admin")
        let (a, peerA) = h.join(authid: "x")
        let (b, peerB) = h.join(authid: "x")
        let (c, peerC) = h.join(authid: "y")
        #expect(h.meta(admin, adminPeer, "wamp.session.kill", [.uint(admin)]).errorURI == WAMPErrorURI.noSuchSession)
        #expect(h.meta(admin, adminPeer, "wamp.session.kill", [.uint(c)], kwargs: ["reason": "com.bye", "message": "m"]).errorURI == nil)
        #expect(peerC.ended == ["goodbye:com.bye"])
        #expect(h.meta(admin, adminPeer, "wamp.session.kill", [.uint(a)], kwargs: ["reason": "not a uri!"]).errorURI == WAMPErrorURI.invalidURI)
        let killed = h.meta(admin, adminPeer, "wamp.session.kill_by_authid", ["x"]).firstArg
        #expect(killed == .list([a, b].sorted().map { .uint($0) }))
        #expect(peerA.ended == ["goodbye:\(WAMPErrorURI.killed)"])
        #expect(peerB.ended == ["goodbye:\(WAMPErrorURI.killed)"])
        let (d, _) = h.join()
        _ = d
        #expect(h.meta(admin, adminPeer, "wamp.session.kill_by_authrole", ["anonymous"]).firstArg == .uint(1))
        _ = h.join()
        #expect(h.meta(admin, adminPeer, "wamp.session.kill_all").firstArg == .uint(1))
        #expect(h.realm.sessions.keys.sorted() == [admin])
        #expect(adminPeer.ended.isEmpty)
    }

    @Test func registrationMetaAPI() {
        let h = RealmHarness()
        let (watcher, watcherPeer) = h.join()
        for topic in ["on_create", "on_register", "on_unregister", "on_delete"] {
            _ = h.subscribe(watcher, watcherPeer, "wamp.registration.\(topic)")
        }
        let (callee, calleePeer) = h.join()
        let exact = h.register(callee, calleePeer, "com.p")
        let prefix = h.register(callee, calleePeer, "com.", options: ["match": "prefix", "invoke": "roundrobin"])
        let events = watcherPeer.take().compactMap(\.event)
        #expect(events.count == 4)
        #expect(events[0].payload.args?[1]["uri"] == "com.p")
        #expect(events[1].payload.args == [.uint(callee), .uint(exact)])
        let list = h.meta(watcher, watcherPeer, "wamp.registration.list").firstArg
        #expect(list?["exact"] == .list([.uint(exact)]))
        #expect(list?["prefix"] == .list([.uint(prefix)]))
        #expect(list?["wildcard"] == .list([]))
        #expect(h.meta(watcher, watcherPeer, "wamp.registration.lookup", ["com.p"]).firstArg == .uint(exact))
        #expect(h.meta(watcher, watcherPeer, "wamp.registration.lookup", ["com.", ["match": "prefix"]]).firstArg == .uint(prefix))
        #expect(h.meta(watcher, watcherPeer, "wamp.registration.lookup", ["com.q"]).firstArg == .null)
        #expect(h.meta(watcher, watcherPeer, "wamp.registration.match", ["com.q"]).firstArg == .uint(prefix))
        #expect(h.meta(watcher, watcherPeer, "wamp.registration.match", ["org.q"]).firstArg == .null)
        let details = h.meta(watcher, watcherPeer, "wamp.registration.get", [.uint(prefix)]).firstArg
        #expect(details?["match"] == "prefix")
        #expect(details?["invoke"] == "roundrobin")
        #expect(details?["created"]?.stringValue?.hasPrefix("2023-11-14T22:13:20") == true)
        #expect(h.meta(watcher, watcherPeer, "wamp.registration.list_callees", [.uint(exact)]).firstArg == .list([.uint(callee)]))
        #expect(h.meta(watcher, watcherPeer, "wamp.registration.count_callees", [.uint(exact)]).firstArg == .uint(1))
        #expect(h.meta(watcher, watcherPeer, "wamp.registration.get", [999]).errorURI == WAMPErrorURI.noSuchRegistration)
        h.send(.unregister(.init(request: 5, registration: exact)), from: callee)
        #expect(watcherPeer.take().compactMap(\.event).map { $0.payload.args } == [[.uint(callee), .uint(exact)], [.uint(callee), .uint(exact)]])
    }

    @Test func subscriptionMetaAPI() {
        let h = RealmHarness()
        let (watcher, watcherPeer) = h.join()
        for topic in ["on_create", "on_subscribe", "on_unsubscribe", "on_delete"] {
            _ = h.subscribe(watcher, watcherPeer, "wamp.subscription.\(topic)")
        }
        let (subscriber, peer) = h.join()
        let exact = h.subscribe(subscriber, peer, "com.t")
        let wildcard = h.subscribe(subscriber, peer, "com.", options: ["match": "wildcard"])
        #expect(watcherPeer.take().compactMap(\.event).count == 4)
        #expect(h.meta(watcher, watcherPeer, "wamp.subscription.lookup", ["com.t"]).firstArg == .uint(exact))
        // Ids are random: the router lists them in ascending order.
        #expect(
            h.meta(watcher, watcherPeer, "wamp.subscription.match", ["com.t"]).firstArg
                == .list([exact, wildcard].sorted().map { .uint($0) }))
        #expect(h.meta(watcher, watcherPeer, "wamp.subscription.get", [.uint(wildcard)]).firstArg?["match"] == "wildcard")
        #expect(h.meta(watcher, watcherPeer, "wamp.subscription.list_subscribers", [.uint(exact)]).firstArg == .list([.uint(subscriber)]))
        #expect(h.meta(watcher, watcherPeer, "wamp.subscription.count_subscribers", [.uint(exact)]).firstArg == .uint(1))
        let list = h.meta(watcher, watcherPeer, "wamp.subscription.list").firstArg
        #expect(list?["wildcard"] == .list([.uint(wildcard)]))
        h.realm.leave(session: subscriber)
        #expect(watcherPeer.take().compactMap(\.event).count == 4)  // unsubscribe + delete, twice
    }

    @Test func metaProceduresObeyPermissions() {
        let role = Role(
            name: "user",
            permissions: [
                Permission(uri: "", match: .prefix, allow: [.call, .subscribe, .publish, .register]),
                Permission(uri: "wamp.session.kill", match: .prefix, allow: []),
            ])
        let h = RealmHarness(RealmConfiguration(name: "realm1", roles: [role], anonymousRole: "user"))
        let (a, peer) = h.join()
        let (b, _) = h.join()
        #expect(h.meta(a, peer, "wamp.session.kill", [.uint(b)]).errorURI == WAMPErrorURI.notAuthorized)
        #expect(h.meta(a, peer, "wamp.session.kill_all").errorURI == WAMPErrorURI.notAuthorized)
        #expect(h.meta(a, peer, "wamp.session.count").firstArg == .uint(2))
        #expect(h.meta(a, peer, "wamp.session.nope").errorURI == WAMPErrorURI.noSuchProcedure)
        h.send(.register(.init(request: 1, procedure: "wamp.session.count")), from: a)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.invalidURI)
    }

    @Test func testamentsArePublishedWhenTheSessionGoesAway() {
        let h = RealmHarness()
        let (listener, listenerPeer) = h.join()
        _ = h.subscribe(listener, listenerPeer, "com.gone")
        let (leaver, leaverPeer) = h.join()
        _ = h.meta(leaver, leaverPeer, "wamp.session.add_testament", ["com.gone", ["destroyed-1"], [:]])
        _ = h.meta(leaver, leaverPeer, "wamp.session.add_testament", ["com.gone", ["detached"], ["k": 1]], kwargs: ["scope": "detached"])
        _ = h.meta(leaver, leaverPeer, "wamp.session.add_testament", ["com.gone", ["destroyed-2"]], kwargs: ["publish_options": ["disclose_me": true]])
        #expect(h.meta(leaver, leaverPeer, "wamp.session.add_testament", ["com.gone"], kwargs: ["scope": "bad"]).errorURI == WAMPErrorURI.invalidArgument)
        #expect(h.meta(leaver, leaverPeer, "wamp.session.add_testament", ["wamp.x", []]).errorURI == WAMPErrorURI.invalidURI)
        h.realm.leave(session: leaver)
        let events = listenerPeer.take().compactMap(\.event)
        #expect(events.map { $0.payload.args?.first } == ["detached", "destroyed-1", "destroyed-2"])
        #expect(events[1].details["publisher"] == nil)
        #expect(events[2].details["publisher"] == .uint(leaver))

        let (flusher, flusherPeer) = h.join()
        _ = h.meta(flusher, flusherPeer, "wamp.session.add_testament", ["com.gone", ["x"]])
        #expect(h.meta(flusher, flusherPeer, "wamp.session.flush_testaments").firstArg == .uint(1))
        h.realm.leave(session: flusher)
        #expect(listenerPeer.take().isEmpty)
    }
}
