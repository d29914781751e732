import Testing
import WAMPCore

@testable import JunctionRouter

/// The realm's own session, which calls dynamic authorizers and authenticators.
@Suite struct LocalSessionRouterSessionTests {
    @Test func routerSessionIsUnlistedAndCannotBeKilled() {
        let harness = RealmHarness(AuthorizationTests.configuration)
        let (authz, authzPeer) = harness.join(role: "trusted", authid: "authorizer")
        _ = harness.register(authz, authzPeer, "com.authz", options: ["disclose_caller": true])
        let (user, peer) = harness.join(role: "dyn", authid: "d1")
        harness.send(.subscribe(.init(request: 1, topic: "com.t")), from: user)
        guard let invocation = authzPeer.take().compactMap(\.invocation).first else {
            Issue.record("expected the authorizer to be invoked")
            return
        }
        // The authorizer sees the router's session as its caller...
        let routerID = invocation.details["caller"]?.unsignedInteger
        #expect(routerID != nil)
        #expect(invocation.details["caller_authrole"] == "junction.internal")
        harness.send(.yield(.init(request: invocation.request, payload: .init(args: [true]))), from: authz)
        guard case .subscribed = peer.take().first else {
            Issue.record("expected SUBSCRIBED")
            return
        }
        // ...but the meta API does not list, count, show or kill it.
        guard case .result(let count) = harness.meta(authz, authzPeer, "wamp.session.count"),
            case .result(let list) = harness.meta(authz, authzPeer, "wamp.session.list")
        else {
            Issue.record("expected meta results")
            return
        }
        #expect(count.payload.args == [.uint(2)])
        #expect(list.payload.args?.first?.listValue?.contains(.uint(routerID ?? 0)) == false)
        guard case .error(let get) = harness.meta(authz, authzPeer, "wamp.session.get", [.uint(routerID ?? 0)]),
            case .error(let kill) = harness.meta(authz, authzPeer, "wamp.session.kill", [.uint(routerID ?? 0)])
        else {
            Issue.record("expected the router's session to be unknown")
            return
        }
        #expect(get == WAMPErrorURI.noSuchSession)
        #expect(kill == WAMPErrorURI.noSuchSession)
        guard case .result(let killed) = harness.meta(authz, authzPeer, "wamp.session.kill_all") else {
            Issue.record("expected kill_all to answer")
            return
        }
        #expect(killed.payload.args == [.uint(1)])
        // The router's session survived kill_all: the authorizer is still reachable.
        harness.realm.callInternal(procedure: "com.authz", args: [], timeoutMilliseconds: 1000) { _ in }
        guard let again = authzPeer.take().compactMap(\.invocation).first else {
            Issue.record("expected a second invocation")
            return
        }
        #expect(again.details["caller"]?.unsignedInteger == routerID)
    }

    @Test func calleeLeavingAndShutdownMakeInternalCallsUnavailable() {
        let harness = RealmHarness(AuthorizationTests.configuration)
        let (authz, authzPeer) = harness.join(role: "trusted", authid: "authorizer")
        _ = harness.register(authz, authzPeer, "com.authz")
        let outcomes = OutcomeLog()
        harness.realm.callInternal(procedure: "com.authz", args: [1], timeoutMilliseconds: 1000) { outcomes.append($0) }
        #expect(authzPeer.take().compactMap(\.invocation).count == 1)
        harness.realm.leave(session: authz)
        harness.realm.callInternal(procedure: "com.authz", args: [2], timeoutMilliseconds: 1000) { outcomes.append($0) }
        harness.realm.shutdown()
        harness.realm.callInternal(procedure: "com.authz", args: [3], timeoutMilliseconds: 1000) { outcomes.append($0) }
        #expect(
            outcomes.reasons == [
                "the callee left", "no callee registered for 'com.authz'", "the router is shutting down",
            ]
        )
    }
}

/// Outcomes of internal calls, in order (the embedded loop runs everything on the test's thread).
final class OutcomeLog: @unchecked Sendable {
    private(set) var reasons: [String] = []

    func append(_ outcome: InternalCallOutcome) {
        switch outcome {
        case .result: self.reasons.append("result")
        case .error(let uri): self.reasons.append("error \(uri)")
        case .unavailable(let reason): self.reasons.append(reason)
        }
    }
}
