import NIOConcurrencyHelpers
import Testing
import WAMPCore

@testable import JunctionRouter

/// The realm's side of the cluster-wide meta API, with the cluster replaced by recorders: the
/// meta procedures merge the other nodes' sessions and subscriptions, meta events leave through
/// the cluster link, testament changes and remote kills reach the cluster, and a dead node's
/// sessions leave with `on_leave` here.
@Suite struct ClusterMetaTests {
    final class RecordingMeta: RealmClusterMeta, RealmClusterLink {
        struct Kill: Equatable {
            var sessions: [UInt64]
            var node: String
            var reason: String
        }
        let interest = NIOLockedValueBox<Set<String>>([])
        let testaments = NIOLockedValueBox<[UInt64: [ClusterTestament]]>([:])
        let kills = NIOLockedValueBox<[Kill]>([])
        let published = NIOLockedValueBox<[(topic: String, publisher: RemotePublisher, payload: Payload)]>([])

        func remoteInterest(realm: String, topic: String) -> Bool { self.interest.withLockedValue { $0.contains(topic) } }

        func realm(_ realm: String, testamentsOf publisher: RemotePublisher, changedTo testaments: [ClusterTestament]) {
            self.testaments.withLockedValue { $0[publisher.session] = testaments }
        }

        func realm(_ realm: String, kill sessions: [UInt64], onNode node: String, reason: String, message: String?) {
            self.kills.withLockedValue { $0.append(Kill(sessions: sessions, node: node, reason: reason)) }
        }

        func nodes() -> WAMPList { [["node": "node-a", "self": true]] }

        func realm(
            _ realm: String, published topic: String, publication: UInt64, payload: Payload, options: WAMPDict,
            details: WAMPDict, publisher: RemotePublisher
        ) {
            self.published.withLockedValue { $0.append((topic, publisher, payload)) }
        }
    }

    private static func clustered() -> (RealmHarness, RecordingMeta) {
        let h = RealmHarness()
        let meta = RecordingMeta()
        h.realm.attachCluster(meta)
        h.realm.attachClusterMeta(meta)
        return (h, meta)
    }

    private static let remote = RealmDirectory(
        sessions: [
            .init(id: 9_000_001, authid: "carol", authrole: "admin", details: ["session": 9_000_001, "authid": "carol"]),
            .init(id: 9_000_002, authid: "dave", authrole: "user", details: ["session": 9_000_002, "authid": "dave"]),
        ],
        subscriptions: [
            .init(id: 8_000_001, topic: "com.x", match: .exact, created: "t", subscribers: [9_000_001, 9_000_002]),
            .init(id: 8_000_002, topic: "com.", match: .prefix, created: "t", subscribers: [9_000_002]),
        ])

    @Test func sessionProceduresAnswerForTheOtherNodesToo() {
        let (h, _) = Self.clustered()
        let (me, peer) = h.join()
        h.realm.setRemoteDirectory(node: "node-b", Self.remote)
        #expect(h.meta(me, peer, "wamp.session.count").firstArg == .uint(3))
        #expect(h.meta(me, peer, "wamp.session.count", [["admin"]]).firstArg == .uint(1))
        #expect(h.meta(me, peer, "wamp.session.list", [["user"]]).firstArg == [.uint(9_000_002)])
        #expect(h.meta(me, peer, "wamp.session.get", [.uint(9_000_001)]).firstArg?["authid"] == "carol")
        h.realm.setRemoteDirectory(node: "node-b", nil)
        #expect(h.meta(me, peer, "wamp.session.count").firstArg == .uint(1))
        #expect(h.meta(me, peer, "wamp.session.get", [.uint(9_000_001)]).errorURI == WAMPErrorURI.noSuchSession)
    }

    @Test func subscriptionProceduresAnswerForTheOtherNodesToo() {
        let (h, _) = Self.clustered()
        let (me, peer) = h.join()
        let local = h.subscribe(me, peer, "com.x")
        h.realm.setRemoteDirectory(node: "node-b", Self.remote)
        let lists = h.meta(me, peer, "wamp.subscription.list").firstArg
        #expect(lists?["exact"] == .list([local, 8_000_001].sorted().map { .uint($0) }))
        #expect(lists?["prefix"] == [.uint(8_000_002)])
        #expect(h.meta(me, peer, "wamp.subscription.lookup", ["com.x"]).firstArg == .uint(local))
        #expect(h.meta(me, peer, "wamp.subscription.lookup", ["com.", ["match": "prefix"]]).firstArg == .uint(8_000_002))
        #expect(
            h.meta(me, peer, "wamp.subscription.match", ["com.x"]).firstArg
                == .list([local, 8_000_001, 8_000_002].sorted().map { .uint($0) }))
        #expect(h.meta(me, peer, "wamp.subscription.get", [.uint(8_000_002)]).firstArg?["uri"] == "com.")
        #expect(h.meta(me, peer, "wamp.subscription.count_subscribers", [.uint(8_000_001)]).firstArg == .uint(2))
        #expect(
            h.meta(me, peer, "wamp.subscription.list_subscribers", [.uint(8_000_002)]).firstArg == [.uint(9_000_002)])
    }

    @Test func killsReachSessionsOnOtherNodes() {
        let (h, meta) = Self.clustered()
        let (me, peer) = h.join()
        let (local, localPeer) = h.join(authid: "dave")
        h.realm.setRemoteDirectory(node: "node-b", Self.remote)
        #expect(h.meta(me, peer, "wamp.session.kill", [.uint(9_000_001)]).errorURI == nil)
        let killed = h.meta(me, peer, "wamp.session.kill_by_authid", ["dave"]).firstArg
        #expect(killed == .list([local, 9_000_002].sorted().map { .uint($0) }))
        #expect(localPeer.ended == ["goodbye:\(WAMPErrorURI.killed)"])
        #expect(
            meta.kills.withLockedValue { $0 } == [
                .init(sessions: [9_000_001], node: "node-b", reason: WAMPErrorURI.killed),
                .init(sessions: [9_000_002], node: "node-b", reason: WAMPErrorURI.killed),
            ])
        #expect(h.realm.killSessions([me, 123], reason: "com.bye", message: nil) == 1)
        #expect(peer.ended == ["goodbye:com.bye"])
    }

    @Test func aGoneNodesSessionsLeaveWithOnLeaveHereOnly() {
        let (h, meta) = Self.clustered()
        let (me, peer) = h.join()
        let onLeave = h.subscribe(me, peer, "wamp.session.on_leave")
        h.realm.setRemoteDirectory(node: "node-b", Self.remote)
        let before = meta.published.withLockedValue { $0.count }
        h.realm.remoteNodeGone("node-b")
        let events = peer.take().compactMap(\.event)
        #expect(events.map(\.subscription) == [onLeave, onLeave])
        #expect(events.map { $0.payload.args ?? [] } == [[.uint(9_000_001), "carol", "admin"], [.uint(9_000_002), "dave", "user"]])
        #expect(meta.published.withLockedValue { $0.count } == before)
        #expect(h.realm.remoteSessionIDs.isEmpty)
    }

    @Test func aGoneNodesSubscriptionsRaiseOnUnsubscribeAndOnDeleteHereOnly() {
        let (h, meta) = Self.clustered()
        let (me, peer) = h.join()
        let onUnsubscribe = h.subscribe(me, peer, "wamp.subscription.on_unsubscribe")
        let onDelete = h.subscribe(me, peer, "wamp.subscription.on_delete")
        h.realm.setRemoteDirectory(node: "node-b", Self.remote)
        let before = meta.published.withLockedValue { $0.count }
        h.realm.remoteNodeGone("node-b")
        let events = peer.take().compactMap(\.event)
        #expect(
            events.map(\.subscription) == [onUnsubscribe, onUnsubscribe, onDelete, onUnsubscribe, onDelete])
        #expect(
            events.map { $0.payload.args ?? [] } == [
                [.uint(9_000_001), .uint(8_000_001)], [.uint(9_000_002), .uint(8_000_001)],
                [.uint(9_000_002), .uint(8_000_001)], [.uint(9_000_002), .uint(8_000_002)],
                [.uint(9_000_002), .uint(8_000_002)],
            ])
        #expect(meta.published.withLockedValue { $0.count } == before)
        #expect(
            h.meta(me, peer, "wamp.subscription.get", [.uint(8_000_001)]).errorURI == WAMPErrorURI.noSuchSubscription)
    }

    @Test func metaEventsCrossWhenAnotherNodeListens() {
        let (h, meta) = Self.clustered()
        _ = h.join()
        #expect(meta.published.withLockedValue { $0.isEmpty })
        meta.interest.withLockedValue { $0 = ["wamp.session.on_join"] }
        let (other, _) = h.join(authid: "erin")
        let published = meta.published.withLockedValue { $0 }
        #expect(published.map(\.topic) == ["wamp.session.on_join"])
        #expect(published.first?.publisher == Realm.routerPublisher)
        #expect(published.first?.payload.args?.first?["session"] == .uint(other))
    }

    @Test func testamentChangesReachTheClusterAndAreForgottenOncePublished() {
        let (h, meta) = Self.clustered()
        let (me, peer) = h.join(authid: "dev")
        _ = h.meta(me, peer, "wamp.session.add_testament", ["com.dev.gone", [1], ["k": "v"]])
        _ = h.meta(me, peer, "wamp.session.add_testament", ["com.dev.gone", [2]], kwargs: ["scope": "detached"])
        let stored = meta.testaments.withLockedValue { $0[me] }
        #expect(stored?.map(\.scope) == ["detached", "destroyed"])
        #expect(stored?.map { $0.payload.args ?? [] } == [[2], [1]])
        #expect(h.meta(me, peer, "wamp.session.flush_testaments", kwargs: ["scope": "detached"]).firstArg == .uint(1))
        #expect(meta.testaments.withLockedValue { $0[me]?.count } == 1)
        #expect(h.realm.testamentsSnapshot().map(\.publisher.session) == [me])
        h.realm.leave(session: me)
        #expect(meta.testaments.withLockedValue { $0[me] } == [])
    }

    @Test func aDeadNodesTestamentsArePublishedHereAndAcrossTheCluster() {
        let (h, meta) = Self.clustered()
        let (me, peer) = h.join()
        let subscription = h.subscribe(me, peer, "com.dev.gone")
        let publisher = RemotePublisher(session: 9_000_003, authid: "dev", authrole: "device")
        h.realm.publishOrphanedTestaments(
            [
                ClusterTestament(scope: "destroyed", topic: "com.dev.gone", payload: .init(args: ["second"]), options: [:]),
                ClusterTestament(
                    scope: "detached", topic: "com.dev.gone", payload: .init(args: ["first"]),
                    options: ["disclose_me": true]),
            ], of: publisher)
        let events = peer.take().compactMap(\.event)
        #expect(events.map(\.subscription) == [subscription, subscription])
        #expect(events.map { $0.payload.args ?? [] } == [["first"], ["second"]])
        #expect(events.first?.details["publisher"] == .uint(9_000_003))
        #expect(events.last?.details["publisher"] == nil)
        #expect(meta.published.withLockedValue { $0.map(\.publisher) } == [publisher, publisher])
    }

    @Test func clusterNodesIsAnsweredOnlyInACluster() {
        let alone = RealmHarness()
        let (me, peer) = alone.join()
        #expect(alone.meta(me, peer, "junction.cluster.nodes").errorURI == WAMPErrorURI.noSuchProcedure)
        let (h, _) = Self.clustered()
        let (you, yourPeer) = h.join()
        #expect(h.meta(you, yourPeer, "junction.cluster.nodes").firstArg == [["node": "node-a", "self": true]])
    }

    @Test func subscriptionIdsCarryTheNodesSlotLikeSessionIds() {
        let h = RealmHarness()
        h.realm.setClusterSessionSlot(513)
        let (me, peer) = h.join()
        let subscription = h.subscribe(me, peer, "com.slot")
        #expect(me >> 43 == 513)
        #expect(subscription >> 43 == 513)
    }
}
