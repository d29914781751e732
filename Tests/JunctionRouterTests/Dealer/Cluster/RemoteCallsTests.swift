import NIOConcurrencyHelpers
import Testing
import WAMPCore

@testable import JunctionRouter

/// Two realms standing for two nodes, joined by a fake RPC link the test pumps by hand: the
/// caller's node routes to a proxy of the remote callee, the callee's node runs the call through
/// its own dealer, and every failure ends the call in ERROR.
@Suite struct RemoteCallsTests {
    final class FakeLink: RealmClusterRPCLink {
        struct Sent {
            var message: WAMPMessage
            var callee: UInt64
            var node: RemoteNode
            var continuation: Bool
        }

        let sent = NIOLockedValueBox<[Sent]>([])
        let reachable = NIOLockedValueBox(true)
        let claims = NIOLockedValueBox<[String: String]>([:])
        let owner: String
        let shared: NIOLockedValueBox<[String: String]>

        init(owner: String, claims shared: NIOLockedValueBox<[String: String]>) {
            self.owner = owner
            self.shared = shared
        }

        func send(_ message: WAMPMessage, realm: String, callee: UInt64, to node: RemoteNode, continuation: Bool) -> Bool {
            guard self.reachable.withLockedValue({ $0 }) else { return false }
            self.sent.withLockedValue { $0.append(Sent(message: message, callee: callee, node: node, continuation: continuation)) }
            return true
        }

        func take() -> [Sent] {
            self.sent.withLockedValue { sent in
                defer { sent = [] }
                return sent
            }
        }

        func claim(realm: String, procedure: String, match: MatchPolicy, answer: @escaping @Sendable (Bool) -> Void) {
            let owner = self.owner
            answer(
                self.shared.withLockedValue { claims in
                    if let holder = claims[procedure], holder != owner { return false }
                    claims[procedure] = owner
                    return true
                })
        }

        func release(realm: String, procedure: String, match: MatchPolicy) {
            let owner = self.owner
            self.shared.withLockedValue { claims in if claims[procedure] == owner { claims[procedure] = nil } }
        }
    }

    let a = RealmHarness()
    let b = RealmHarness()
    let nodeA = RemoteNode(node: "node-a", epoch: 1)
    let nodeB = RemoteNode(node: "node-b", epoch: 2)
    let claims = NIOLockedValueBox<[String: String]>([:])
    let linkA: FakeLink
    let linkB: FakeLink

    init() {
        self.linkA = FakeLink(owner: "a", claims: self.claims)
        self.linkB = FakeLink(owner: "b", claims: self.claims)
        self.a.realm.attachClusterRPC(self.linkA)
        self.b.realm.attachClusterRPC(self.linkB)
    }

    /// Delivers what each node sent to the other, until nothing moves.
    func pump() {
        while true {
            let fromA = self.linkA.take()
            let fromB = self.linkB.take()
            if fromA.isEmpty && fromB.isEmpty { return }
            for sent in fromA {
                self.b.realm.receiveRemoteRPC(sent.message, callee: sent.callee, continuation: sent.continuation, from: self.nodeA)
            }
            for sent in fromB {
                self.a.realm.receiveRemoteRPC(sent.message, callee: sent.callee, continuation: sent.continuation, from: self.nodeB)
            }
            self.a.loop.run()
            self.b.loop.run()
        }
    }

    /// Registers on `harness` (a single registration is claimed first, answered on the next loop turn).
    func register(
        _ harness: RealmHarness, _ session: UInt64, _ peer: FakePeer, _ procedure: String, options: WAMPDict = [:]
    ) -> UInt64 {
        harness.send(.register(.init(request: 1, options: options, procedure: procedure)), from: session)
        harness.loop.run()
        guard case .registered(let registered) = peer.take().last else { return 0 }
        return registered.registration
    }

    func mirrorB() {
        self.a.realm.updateRemoteRegistrations(Set(self.b.realm.clusterRegistrations()), of: self.nodeB)
    }

    /// A callee joined on node B that registered `procedure`, its registration mirrored on node A.
    func calleeOnB(_ procedure: String, options: WAMPDict = [:]) -> (session: UInt64, peer: FakePeer) {
        let (callee, calleePeer) = self.b.join()
        _ = self.register(self.b, callee, calleePeer, procedure, options: options)
        self.mirrorB()
        return (callee, calleePeer)
    }

    @Test func aCallToARemoteCalleeCrossesAndItsResultComesBack() {
        let (callee, calleePeer) = self.b.join()
        let registration = self.register(self.b, callee, calleePeer, "com.app.add", options: ["disclose_caller": true])
        self.mirrorB()
        let (caller, callerPeer) = self.a.join()
        self.a.send(
            .call(.init(request: 7, options: ["receive_progress": true], procedure: "com.app.add", payload: .init(args: [1, 2]))),
            from: caller)
        self.pump()
        let invocation = calleePeer.take().first?.invocation
        #expect(invocation?.registration == registration)
        #expect(invocation?.payload.args == [1, 2])
        #expect(invocation?.details["caller"]?.unsignedInteger == caller)
        #expect(invocation?.details["receive_progress"]?.boolValue == true)
        guard let invocation else { return }
        self.b.send(.yield(.init(request: invocation.request, options: ["progress": true], payload: .init(args: [1]))), from: callee)
        self.b.send(.yield(.init(request: invocation.request, payload: .init(args: [3]))), from: callee)
        self.pump()
        let results = callerPeer.take().compactMap(\.resultMessage)
        #expect(results.map(\.request) == [7, 7])
        #expect(results.map { $0.details["progress"]?.boolValue ?? false } == [true, false])
        #expect(results.last?.payload.args == [3])
        // The meta API on A sees B's callee.
        #expect(self.a.meta(caller, callerPeer, "wamp.registration.match", ["com.app.add"]).firstArg == .uint(registration))
    }

    @Test func aKillCancelInterruptsTheRemoteCalleeAndForwardsItsAnswer() {
        let (callee, calleePeer) = self.calleeOnB("com.app.slow")
        let (caller, callerPeer) = self.a.join()
        self.a.send(.call(.init(request: 1, procedure: "com.app.slow")), from: caller)
        self.pump()
        guard let invocation = calleePeer.take().first?.invocation else {
            Issue.record("no invocation")
            return
        }
        self.a.send(.cancel(.init(request: 1, options: ["mode": "kill"])), from: caller)
        self.pump()
        #expect(calleePeer.take().first?.interrupt?.request == invocation.request)
        self.b.send(.error(.init(requestType: .invocation, request: invocation.request, error: WAMPErrorURI.canceled)), from: callee)
        self.pump()
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.canceled)
    }

    @Test func aRemovedNodeEndsCallsToItsCalleesAndItsRegistrationsVanish() {
        _ = self.calleeOnB("com.app.slow")
        let (caller, callerPeer) = self.a.join()
        let (watcher, watcherPeer) = self.a.join()
        _ = self.a.subscribe(watcher, watcherPeer, "wamp.registration.on_delete")
        self.a.send(.call(.init(request: 1, procedure: "com.app.slow")), from: caller)
        self.a.realm.removeRemoteNode(self.nodeB, error: WAMPErrorURI.canceled, reason: "gone")
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.canceled)
        #expect(watcherPeer.take().contains { $0.event != nil })
        self.a.send(.call(.init(request: 2, procedure: "com.app.slow")), from: caller)
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.noSuchProcedure)
    }

    @Test func aResetConnectionEndsCallsInFlightWithNetworkFailureOnBothSides() {
        let (_, calleePeer) = self.calleeOnB("com.app.slow")
        let (caller, callerPeer) = self.a.join()
        self.a.send(.call(.init(request: 1, procedure: "com.app.slow")), from: caller)
        self.pump()
        #expect(calleePeer.take().first?.invocation != nil)
        self.a.realm.resetRemoteCalls(with: self.nodeB, reason: "reset")
        self.b.realm.resetRemoteCalls(with: self.nodeA, reason: "reset")
        #expect(callerPeer.take().first?.errorURI == Realm.networkFailure)
        #expect(calleePeer.take().first?.interrupt != nil)
    }

    @Test func anUnreachableNodeFailsTheCallAtOnce() {
        _ = self.calleeOnB("com.app.add")
        let (caller, callerPeer) = self.a.join()
        self.linkA.reachable.withLockedValue { $0 = false }
        self.a.send(.call(.init(request: 1, procedure: "com.app.add")), from: caller)
        self.a.loop.run()
        #expect(callerPeer.take().first?.errorURI == Realm.networkFailure)
    }

    @Test func aSingleRegistrationClaimedByAnotherNodeIsRefused() {
        let (calleeB, peerB) = self.b.join()
        _ = self.register(self.b, calleeB, peerB, "com.app.unique")
        let (calleeA, peerA) = self.a.join()
        self.a.send(.register(.init(request: 1, procedure: "com.app.unique")), from: calleeA)
        self.a.loop.run()
        #expect(peerA.take().first?.errorURI == WAMPErrorURI.procedureAlreadyExists)
        // Once B's callee leaves, its claim is released and A may register.
        self.b.realm.leave(session: calleeB)
        self.a.send(.register(.init(request: 2, procedure: "com.app.unique")), from: calleeA)
        self.a.loop.run()
        #expect(peerA.take().first.map { if case .registered = $0 { true } else { false } } == true)
    }

    @Test func sharedRegistrationsMixLocalAndRemoteCallees() {
        let (_, remotePeer) = self.calleeOnB("com.app.shared", options: ["invoke": "roundrobin"])
        let (local, localPeer) = self.a.join()
        _ = self.register(self.a, local, localPeer, "com.app.shared", options: ["invoke": "roundrobin"])
        let (caller, _) = self.a.join()
        for request in 1...4 as ClosedRange<UInt64> {
            self.a.send(.call(.init(request: request, procedure: "com.app.shared")), from: caller)
        }
        self.pump()
        #expect(remotePeer.take().count == 2)
        #expect(localPeer.take().count == 2)
    }

    @Test func progressiveCallInvocationsReachTheSameRemoteInvocation() {
        let (callee, calleePeer) = self.calleeOnB("com.app.upload")
        let (caller, callerPeer) = self.a.join()
        self.a.send(.call(.init(request: 5, options: ["progress": true], procedure: "com.app.upload", payload: .init(args: [1]))), from: caller)
        self.pump()
        self.a.send(.call(.init(request: 5, options: ["progress": true], procedure: "com.app.upload", payload: .init(args: [2]))), from: caller)
        self.a.send(.call(.init(request: 5, procedure: "com.app.upload", payload: .init(args: [3]))), from: caller)
        self.pump()
        let invocations = calleePeer.take().compactMap(\.invocation)
        #expect(invocations.count == 3)
        #expect(Set(invocations.map(\.request)).count == 1)
        #expect(invocations.map { $0.payload.args?.first } == [1, 2, 3])
        #expect(invocations.map { $0.details["progress"]?.boolValue ?? false } == [true, true, false])
        self.b.send(.yield(.init(request: invocations[0].request, payload: .init(args: ["ok"]))), from: callee)
        self.pump()
        #expect(callerPeer.take().first?.resultMessage?.payload.args == ["ok"])
    }

    @Test func aCallThatReachesANodeAfterItsCalleeLeftEndsInError() {
        let (callee, _) = self.calleeOnB("com.app.add")
        self.b.realm.leave(session: callee)
        let (caller, callerPeer) = self.a.join()
        self.a.send(.call(.init(request: 1, procedure: "com.app.add")), from: caller)
        self.pump()
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.canceled)
    }

    @Test func aCalleeLeavingOnItsNodeEndsTheRemoteCallersCall() {
        let (callee, _) = self.calleeOnB("com.app.slow")
        let (caller, callerPeer) = self.a.join()
        self.a.send(.call(.init(request: 1, procedure: "com.app.slow")), from: caller)
        self.pump()
        self.b.realm.leave(session: callee)
        self.pump()
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.canceled)
    }
}
