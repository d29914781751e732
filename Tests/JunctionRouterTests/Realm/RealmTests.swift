import Logging
import NIOEmbedded
import Testing
import WAMPCore

@testable import JunctionRouter

/// Drives a realm with fake peers on an embedded event loop: routing without any network.
@Suite struct RealmTests {
    let loop = EmbeddedEventLoop()
    let realm: Realm

    init() {
        self.realm = Realm(
            configuration: .openRealm(named: "realm1"), eventLoop: self.loop, logger: Logger(label: "test"))
    }

    func join(_ peer: FakePeer = FakePeer()) -> (UInt64, FakePeer) {
        let hello = WAMPMessage.Hello(
            realm: "realm1", details: ["roles": ["caller": [:], "callee": [:], "publisher": [:], "subscriber": [:]]])
        guard case .welcome(let id, let details) = self.realm.join(hello: hello, peer: peer, transport: "test") else {
            Issue.record("join refused")
            return (0, peer)
        }
        #expect(WAMPID.isValid(id))
        #expect(details["authrole"] == "anonymous")
        #expect(details["roles"]?["broker"] != nil)
        #expect(details["roles"]?["dealer"] != nil)
        return (id, peer)
    }

    func errorURI(_ message: WAMPMessage?) -> String? {
        if case .error(let error) = message { return error.error }
        return nil
    }

    @Test func subscribersShareOneSubscriptionAndPublisherIsExcluded() {
        let (a, peerA) = self.join()
        let (b, peerB) = self.join()
        self.realm.receive(.subscribe(.init(request: 1, topic: "com.x")), from: a)
        self.realm.receive(.subscribe(.init(request: 1, topic: "com.x")), from: b)
        guard case .subscribed(let sa) = peerA.take().first, case .subscribed(let sb) = peerB.take().first else {
            Issue.record("no SUBSCRIBED")
            return
        }
        #expect(sa.subscription == sb.subscription)
        self.realm.receive(
            .publish(.init(request: 2, options: ["acknowledge": true], topic: "com.x", payload: .init(args: [1]))),
            from: a)
        let toA = peerA.take()
        #expect(toA.count == 1)
        guard case .published(let published) = toA.first else {
            Issue.record("no PUBLISHED")
            return
        }
        guard case .event(let event) = peerB.take().first else {
            Issue.record("no EVENT")
            return
        }
        #expect(event.subscription == sb.subscription)
        #expect(event.publication == published.publication)
        #expect(event.payload == .init(args: [1]))
    }

    @Test func excludeMeFalseDeliversToPublisher() {
        let (a, peerA) = self.join()
        self.realm.receive(.subscribe(.init(request: 1, topic: "com.x")), from: a)
        _ = peerA.take()
        self.realm.receive(.publish(.init(request: 2, options: ["exclude_me": false], topic: "com.x")), from: a)
        guard case .event = peerA.take().first else {
            Issue.record("publisher did not get its own event")
            return
        }
    }

    @Test func unsubscribeAndUnknownSubscription() {
        let (a, peer) = self.join()
        self.realm.receive(.subscribe(.init(request: 1, topic: "com.x")), from: a)
        guard case .subscribed(let s) = peer.take().first else { return }
        self.realm.receive(.unsubscribe(.init(request: 2, subscription: s.subscription)), from: a)
        #expect(peer.take() == [.unsubscribed(.init(request: 2))])
        self.realm.receive(.unsubscribe(.init(request: 3, subscription: s.subscription)), from: a)
        #expect(self.errorURI(peer.take().first) == WAMPErrorURI.noSuchSubscription)
    }

    @Test(arguments: ["com..x", "com.#x", "with space", "", "com.x."])
    func invalidURIsAreRefused(uri: String) {
        let (a, peer) = self.join()
        self.realm.receive(.subscribe(.init(request: 1, topic: uri)), from: a)
        self.realm.receive(.register(.init(request: 2, procedure: uri)), from: a)
        self.realm.receive(.call(.init(request: 3, procedure: uri)), from: a)
        self.realm.receive(.publish(.init(request: 4, options: ["acknowledge": true], topic: uri)), from: a)
        #expect(peer.take().map(self.errorURI) == Array(repeating: WAMPErrorURI.invalidURI, count: 4))
    }

    @Test func callIsRoutedAndResultReturned() {
        let (caller, callerPeer) = self.join()
        let (callee, calleePeer) = self.join()
        self.realm.receive(.register(.init(request: 1, procedure: "com.add")), from: callee)
        guard case .registered(let registered) = calleePeer.take().first else { return }
        self.realm.receive(
            .call(.init(request: 7, procedure: "com.add", payload: .init(args: [1, 2], kwargs: ["k": "v"]))),
            from: caller)
        guard case .invocation(let invocation) = calleePeer.take().first else {
            Issue.record("no INVOCATION")
            return
        }
        #expect(invocation.registration == registered.registration)
        #expect(invocation.request == 1)
        #expect(invocation.payload == .init(args: [1, 2], kwargs: ["k": "v"]))
        self.realm.receive(.yield(.init(request: invocation.request, payload: .init(args: [3]))), from: callee)
        #expect(callerPeer.take() == [.result(.init(request: 7, payload: .init(args: [3])))])
    }

    @Test func calleeErrorIsForwarded() {
        let (caller, callerPeer) = self.join()
        let (callee, calleePeer) = self.join()
        self.realm.receive(.register(.init(request: 1, procedure: "com.fail")), from: callee)
        self.realm.receive(.call(.init(request: 5, procedure: "com.fail")), from: caller)
        _ = calleePeer.take()
        self.realm.receive(
            .error(
                .init(
                    requestType: .invocation, request: 1, details: ["d": 1], error: "com.err",
                    payload: .init(args: ["a"], kwargs: ["b": 2]))), from: callee)
        #expect(
            callerPeer.take() == [
                .error(
                    .init(
                        requestType: .call, request: 5, details: ["d": 1], error: "com.err",
                        payload: .init(args: ["a"], kwargs: ["b": 2])))
            ])
    }

    @Test func noSuchProcedureAndAlreadyExists() {
        let (a, peer) = self.join()
        self.realm.receive(.call(.init(request: 1, procedure: "com.none")), from: a)
        #expect(self.errorURI(peer.take().first) == WAMPErrorURI.noSuchProcedure)
        self.realm.receive(.register(.init(request: 2, procedure: "com.p")), from: a)
        self.realm.receive(.register(.init(request: 3, procedure: "com.p")), from: a)
        let replies = peer.take()
        #expect(self.errorURI(replies.last) == WAMPErrorURI.procedureAlreadyExists)
    }

    @Test func reservedURIsCannotBeRegisteredOrPublished() {
        let (a, peer) = self.join()
        self.realm.receive(.register(.init(request: 1, procedure: "wamp.session.count")), from: a)
        #expect(self.errorURI(peer.take().first) == WAMPErrorURI.invalidURI)
    }

    @Test func calleeLeavingFailsPendingCallsAndDropsRegistrations() {
        let (caller, callerPeer) = self.join()
        let (callee, _) = self.join()
        self.realm.receive(.register(.init(request: 1, procedure: "com.slow")), from: callee)
        self.realm.receive(.call(.init(request: 11, procedure: "com.slow")), from: caller)
        self.realm.leave(session: callee)
        #expect(self.errorURI(callerPeer.take().first) == WAMPErrorURI.canceled)
        self.realm.receive(.call(.init(request: 12, procedure: "com.slow")), from: caller)
        #expect(self.errorURI(callerPeer.take().first) == WAMPErrorURI.noSuchProcedure)
    }

    @Test func callerLeavingDropsInvocationsAndLateYieldIsIgnored() {
        let (caller, _) = self.join()
        let (callee, calleePeer) = self.join()
        self.realm.receive(.register(.init(request: 1, procedure: "com.slow")), from: callee)
        self.realm.receive(.call(.init(request: 11, procedure: "com.slow")), from: caller)
        self.realm.leave(session: caller)
        _ = calleePeer.take()
        self.realm.receive(.yield(.init(request: 1)), from: callee)
        #expect(calleePeer.ended.isEmpty)
        #expect(self.realm.dealer.pending.isEmpty)
    }

    @Test func yieldForANeverIssuedInvocationAborts() {
        let (callee, peer) = self.join()
        self.realm.receive(.yield(.init(request: 99)), from: callee)
        #expect(peer.ended == ["abort:\(WAMPErrorURI.protocolViolation)"])
        #expect(self.realm.sessions[callee] == nil)
    }

    @Test func leavingRemovesSubscriptions() {
        let (a, _) = self.join()
        self.realm.receive(.subscribe(.init(request: 1, topic: "com.x")), from: a)
        #expect(self.realm.broker.subscriptions.count == 1)
        self.realm.leave(session: a)
        #expect(self.realm.broker.subscriptions.isEmpty)
        self.realm.leave(session: a)
    }

    @Test func shutdownSaysGoodbyeToEveryone() {
        let (_, a) = self.join()
        let (_, b) = self.join()
        self.realm.shutdown()
        #expect(a.ended == ["goodbye:\(WAMPErrorURI.systemShutdown)"])
        #expect(b.ended == ["goodbye:\(WAMPErrorURI.systemShutdown)"])
        #expect(self.realm.sessionCount == 0)
        let hello = WAMPMessage.Hello(realm: "realm1", details: ["roles": ["caller": [:]]])
        guard case .abort = self.realm.join(hello: hello, peer: FakePeer(), transport: "t") else {
            Issue.record("joined a closed realm")
            return
        }
    }

    @Test func permissionsAreEnforced() {
        let role = Role(
            name: "limited",
            permissions: [
                Permission(uri: "com.", match: .prefix, allow: [.subscribe, .call]),
                Permission(uri: "com.secret", match: .exact, allow: []),
            ])
        let realm = Realm(
            configuration: RealmConfiguration(name: "r", roles: [role], anonymousRole: "limited"), eventLoop: self.loop,
            logger: Logger(label: "test"))
        let peer = FakePeer()
        guard
            case .welcome(let id, _) = realm.join(
                hello: .init(realm: "r", details: ["roles": ["subscriber": [:]]]), peer: peer, transport: "t")
        else { return }
        realm.receive(.subscribe(.init(request: 1, topic: "com.open")), from: id)
        realm.receive(.subscribe(.init(request: 2, topic: "com.secret")), from: id)
        realm.receive(.register(.init(request: 3, procedure: "com.open")), from: id)
        let replies = peer.take()
        guard case .subscribed = replies[0] else {
            Issue.record("allowed subscribe refused")
            return
        }
        #expect(self.errorURI(replies[1]) == WAMPErrorURI.notAuthorized)
        #expect(self.errorURI(replies[2]) == WAMPErrorURI.notAuthorized)
    }
}

@Suite struct PermissionTests {
    @Test func wildcardMatching() {
        #expect(MatchPolicy.wildcard.matches(pattern: "com..update", uri: "com.foo.update"))
        #expect(!MatchPolicy.wildcard.matches(pattern: "com..update", uri: "com.foo.bar.update"))
        #expect(MatchPolicy.prefix.matches(pattern: "com.", uri: "com.x"))
        #expect(!MatchPolicy.exact.matches(pattern: "com.x", uri: "com.xy"))
    }
}
