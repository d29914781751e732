import NIOConcurrencyHelpers
import Testing
import WAMPCore

@testable import JunctionRouter

/// `remove_subscriber` and `remove_callee` for subscribers and callees on another node, with two
/// realms standing for two nodes and the cluster replaced by a recorder the test answers by hand:
/// the asking node checks ids as on one node, asks the other node and answers once the request
/// arrived (or `network_failure`); the other node revokes as its own meta API would.
@Suite struct ClusterRemovalTests {
    final class RecordingMeta: RealmClusterMeta {
        struct Removal {
            var removal: ClusterRemoval
            var node: String
            var reason: String
            var delivered: @Sendable (Bool) -> Void
        }

        let removals = NIOLockedValueBox<[Removal]>([])

        func remoteInterest(realm: String, topic: String) -> Bool { false }
        func realm(
            _ realm: String, testamentsOf publisher: RemotePublisher, changedTo testaments: [ClusterTestament]
        ) {}
        func realm(_ realm: String, kill sessions: [UInt64], onNode node: String, reason: String, message: String?) {}
        func nodes() -> WAMPList { [] }

        func realm(
            _ realm: String, remove removal: ClusterRemoval, onNode node: String, reason: String,
            delivered: @escaping @Sendable (Bool) -> Void
        ) {
            self.removals.withLockedValue {
                $0.append(Removal(removal: removal, node: node, reason: reason, delivered: delivered))
            }
        }

        func take() -> [Removal] {
            self.removals.withLockedValue { removals in
                defer { removals = [] }
                return removals
            }
        }
    }

    let a = RealmHarness()
    let b = RealmHarness()
    let meta = RecordingMeta()

    init() {
        self.a.realm.attachClusterMeta(self.meta)
    }

    private func reply(_ peer: FakePeer) -> MetaOutcome? {
        for message in peer.take().reversed() {
            if case .result(let result) = message, result.request == 99 { return .result(result) }
            if case .error(let error) = message, error.request == 99 { return .error(error.error) }
        }
        return nil
    }

    @Test func aSubscriberOnAnotherNodeIsRemovedThereWithRevocationAndMetaEvents() throws {
        let (subscriber, subscriberPeer) = self.b.join()
        let subscription = self.b.subscribe(subscriber, subscriberPeer, "com.x")
        let (watcher, watcherPeer) = self.b.join()
        let onUnsubscribe = self.b.subscribe(watcher, watcherPeer, "wamp.subscription.on_unsubscribe")
        let onDelete = self.b.subscribe(watcher, watcherPeer, "wamp.subscription.on_delete")
        self.a.realm.setRemoteDirectory(node: "node-b", self.b.realm.directorySnapshot())
        let (admin, adminPeer) = self.a.join()

        let outcome = self.a.meta(
            admin, adminPeer, "wamp.subscription.remove_subscriber", [.uint(subscription), .uint(subscriber)],
            kwargs: ["reason": "maintenance"])
        #expect(outcome == .error("no reply"), "answered only once the request reached node B")
        let removals = self.meta.take()
        try #require(removals.count == 1)
        #expect(removals[0].removal == .subscriber(subscription: subscription, session: subscriber))
        #expect(removals[0].node == "node-b")
        #expect(removals[0].reason == "maintenance")
        removals[0].delivered(true)
        self.a.loop.run()
        #expect(self.reply(adminPeer)?.errorURI == nil)

        #expect(self.b.realm.applyClusterRemoval(removals[0].removal, reason: removals[0].reason))
        let revoked = subscriberPeer.take()
        #expect(
            revoked == [
                .unsubscribed(
                    .init(request: 0, details: ["subscription": .uint(subscription), "reason": "maintenance"]))
            ])
        let events = watcherPeer.take().compactMap(\.event)
        #expect(events.map(\.subscription) == [onUnsubscribe, onDelete])
        #expect(events.allSatisfy { $0.payload.args == [.uint(subscriber), .uint(subscription)] })
        let (publisher, _) = self.b.join()
        self.b.send(
            .publish(.init(request: 5, options: [:], topic: "com.x", payload: .init(args: [1]))), from: publisher)
        #expect(subscriberPeer.take().isEmpty, "no more events for the removed subscriber")
        // Gone meanwhile (a second request, or it left): nothing happens and the caller was answered.
        #expect(!self.b.realm.applyClusterRemoval(removals[0].removal, reason: "again"))
    }

    @Test func aCalleeOnAnotherNodeIsRemovedThereUnderItsNodesRegistrationID() throws {
        let (callee, calleePeer) = self.b.join()
        let registrationOnB = self.b.register(callee, calleePeer, "com.proc")
        self.a.realm.updateRemoteRegistrations(
            Set(self.b.realm.clusterRegistrations()), of: RemoteNode(node: "node-b", epoch: 1))
        let (admin, adminPeer) = self.a.join()
        let registrationOnA = try #require(
            self.a.meta(admin, adminPeer, "wamp.registration.match", ["com.proc"]).firstArg?.unsignedInteger)

        _ = self.a.meta(admin, adminPeer, "wamp.registration.remove_callee", [.uint(registrationOnA), .uint(callee)])
        let removals = self.meta.take()
        try #require(removals.count == 1)
        #expect(removals[0].removal == .callee(registration: registrationOnB, session: callee))
        #expect(removals[0].node == "node-b")
        #expect(removals[0].reason == "removed by the meta API")
        // A's mirror keeps the callee until B's registration list says otherwise.
        #expect(
            self.a.meta(admin, adminPeer, "wamp.registration.count_callees", [.uint(registrationOnA)]).firstArg
                == .uint(1))
        removals[0].delivered(true)
        self.a.loop.run()
        #expect(self.reply(adminPeer)?.errorURI == nil)

        #expect(self.b.realm.applyClusterRemoval(removals[0].removal, reason: removals[0].reason))
        #expect(
            calleePeer.take() == [
                .unregistered(
                    .init(
                        request: 0,
                        details: ["registration": .uint(registrationOnB), "reason": "removed by the meta API"]))
            ])
        #expect(self.b.realm.clusterRegistrations().isEmpty)
        self.a.realm.updateRemoteRegistrations(
            Set(self.b.realm.clusterRegistrations()), of: RemoteNode(node: "node-b", epoch: 1))
        #expect(self.a.meta(admin, adminPeer, "wamp.registration.match", ["com.proc"]).firstArg == .null)
    }

    @Test func anUnreachableNodeEndsTheCallInNetworkFailure() throws {
        let (subscriber, subscriberPeer) = self.b.join()
        let subscription = self.b.subscribe(subscriber, subscriberPeer, "com.x")
        self.a.realm.setRemoteDirectory(node: "node-b", self.b.realm.directorySnapshot())
        let (admin, adminPeer) = self.a.join()
        _ = self.a.meta(
            admin, adminPeer, "wamp.subscription.remove_subscriber", [.uint(subscription), .uint(subscriber)])
        let removals = self.meta.take()
        try #require(removals.count == 1)
        removals[0].delivered(false)
        self.a.loop.run()
        #expect(self.reply(adminPeer)?.errorURI == Realm.networkFailure)
    }

    @Test func unknownIdsGetTheSameErrorsAsOnOneNodeAndNothingCrosses() {
        let (subscriber, subscriberPeer) = self.b.join()
        let subscription = self.b.subscribe(subscriber, subscriberPeer, "com.x")
        let (callee, calleePeer) = self.b.join()
        _ = self.b.register(callee, calleePeer, "com.proc")
        self.a.realm.setRemoteDirectory(node: "node-b", self.b.realm.directorySnapshot())
        self.a.realm.updateRemoteRegistrations(
            Set(self.b.realm.clusterRegistrations()), of: RemoteNode(node: "node-b", epoch: 1))
        let (admin, adminPeer) = self.a.join()
        let remove = "wamp.subscription.remove_subscriber"
        #expect(
            self.a.meta(admin, adminPeer, remove, [.uint(subscription + 1), .uint(subscriber)]).errorURI
                == WAMPErrorURI.noSuchSubscription)
        // A known subscription, but the session is not one of its subscribers.
        #expect(
            self.a.meta(admin, adminPeer, remove, [.uint(subscription), .uint(callee)]).errorURI
                == WAMPErrorURI.noSuchSubscription)
        #expect(
            self.a.meta(admin, adminPeer, "wamp.registration.remove_callee", [.uint(12345), .uint(callee)]).errorURI
                == WAMPErrorURI.noSuchRegistration)
        #expect(
            self.a.meta(admin, adminPeer, remove, [.uint(subscription)]).errorURI == WAMPErrorURI.invalidArgument)
        #expect(self.meta.take().isEmpty)
    }
}
