import Testing
import WAMPCore

@testable import JunctionRouter

extension RealmHarness {
    /// Joins an authenticated session with `role`.
    func join(role: String, authid: String) -> (UInt64, FakePeer) {
        let peer = FakePeer()
        let roles: WAMPDict = ["caller": [:], "callee": [:], "publisher": [:], "subscriber": [:]]
        let identity = AuthenticatedIdentity(authid: authid, authrole: role, authmethod: .ticket, authprovider: "static")
        guard
            case .welcome(let id, _) = self.realm.join(
                hello: .init(realm: "realm1", details: ["roles": .dict(roles)]), identity: identity, peer: peer,
                transport: "test")
        else { fatalError("join refused") }
        return (id, peer)
    }
}

@Suite struct AuthorizationTests {
    static let configuration = RealmConfiguration(
        name: "realm1",
        roles: [
            .allowAll(name: "trusted"),
            Role(
                name: "user",
                permissions: [
                    Permission(uri: "com.app.", match: .prefix, allow: [.call, .subscribe]),
                    Permission(uri: "com.app.audited", match: .exact, allow: [.call], disclose: [.caller]),
                    Permission(uri: "com.app.secret", match: .exact, allow: []),
                    Permission(uri: "com.app..admin", match: .wildcard, allow: []),
                ]),
            Role(name: "dyn", permissions: [], authorizer: AuthorizerConfiguration(procedure: "com.authz", cacheTTLSeconds: 60)),
            Role(name: "nocache", permissions: [], authorizer: AuthorizerConfiguration(procedure: "com.authz", cacheTTLSeconds: 0)),
        ], anonymousRole: nil)

    @Test func joinWithUnknownRoleIsNoSuchRole() {
        let harness = RealmHarness(Self.configuration)
        let identity = AuthenticatedIdentity(authid: "x", authrole: "ghost", authmethod: .ticket, authprovider: "static")
        guard case .abort(let abort) = harness.realm.join(
            hello: .init(realm: "realm1", details: [:]), identity: identity, peer: FakePeer(), transport: "test")
        else {
            Issue.record("expected ABORT")
            return
        }
        #expect(abort.reason == WAMPErrorURI.noSuchRole)
        guard case .abort(let anonymous) = harness.realm.join(
            hello: .init(realm: "realm1", details: [:]), peer: FakePeer(), transport: "test")
        else {
            Issue.record("expected ABORT for anonymous")
            return
        }
        #expect(anonymous.reason == WAMPErrorURI.notAuthorized)
    }

    @Test func mostSpecificRuleWinsAndDeniedSessionStaysUp() {
        let harness = RealmHarness(Self.configuration)
        let (user, peer) = harness.join(role: "user", authid: "joe")
        harness.send(.register(.init(request: 1, procedure: "com.app.add")), from: user)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.notAuthorized)
        harness.send(.call(.init(request: 1, procedure: "com.app.secret")), from: user)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.notAuthorized)
        // A prefix rule outranks a wildcard rule (exact, then longest prefix, then wildcard).
        harness.send(.call(.init(request: 2, procedure: "com.app.x.admin")), from: user)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.noSuchProcedure)
        harness.send(.call(.init(request: 2, procedure: "com.app.admin")), from: user)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.noSuchProcedure)
        harness.send(.call(.init(request: 3, procedure: "com.app.add")), from: user)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.noSuchProcedure)
        // Meta procedures need a permission like any other.
        harness.send(.call(.init(request: 4, procedure: "wamp.session.count")), from: user)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.notAuthorized)
    }

    @Test func discloseRuleRevealsTheCaller() {
        let harness = RealmHarness(Self.configuration)
        let (callee, calleePeer) = harness.join(role: "trusted", authid: "backend")
        _ = harness.register(callee, calleePeer, "com.app.audited")
        _ = harness.register(callee, calleePeer, "com.app.plain")
        let (user, _) = harness.join(role: "user", authid: "joe")
        harness.send(.call(.init(request: 1, procedure: "com.app.audited")), from: user)
        let audited = calleePeer.take().first?.invocation
        #expect(audited?.details["caller_authid"] == "joe")
        harness.send(.call(.init(request: 2, procedure: "com.app.plain")), from: user)
        #expect(calleePeer.take().first?.invocation?.details["caller_authid"] == nil)
    }

    /// Answers the pending authorizer INVOCATION (there must be exactly one) with `answer`.
    func answerAuthorizer(
        _ harness: RealmHarness, _ session: UInt64, _ peer: FakePeer, _ answer: WAMPValue,
        expect: (uri: String, action: String)
    ) {
        let invocations = peer.take().compactMap(\.invocation)
        #expect(invocations.count == 1)
        guard let invocation = invocations.first else { return }
        #expect(invocation.payload.args?[1] == .string(expect.uri))
        #expect(invocation.payload.args?[2] == .string(expect.action))
        #expect(invocation.payload.args?[0]["authrole"] != nil)
        harness.send(.yield(.init(request: invocation.request, payload: .init(args: [answer]))), from: session)
    }

    @Test func dynamicAuthorizerDecidesKeepsOrderAndCaches() {
        let harness = RealmHarness(Self.configuration)
        let (authz, authzPeer) = harness.join(role: "trusted", authid: "authorizer")
        _ = harness.register(authz, authzPeer, "com.authz")
        let (user, peer) = harness.join(role: "dyn", authid: "d1")
        harness.send(.subscribe(.init(request: 1, topic: "com.t")), from: user)
        // Waiting for the authorizer: this second message must not overtake the first.
        harness.send(.subscribe(.init(request: 2, topic: "com.secret")), from: user)
        #expect(peer.take().isEmpty)
        self.answerAuthorizer(harness, authz, authzPeer, true, expect: ("com.t", "subscribe"))
        guard case .subscribed(let first) = peer.take().first else {
            Issue.record("expected SUBSCRIBED after allow")
            return
        }
        #expect(first.request == 1)
        self.answerAuthorizer(harness, authz, authzPeer, ["allow": false], expect: ("com.secret", "subscribe"))
        #expect(peer.take().first?.errorURI == WAMPErrorURI.notAuthorized)

        // Cached: a second session of the same role is not asked again.
        let (other, otherPeer) = harness.join(role: "dyn", authid: "d2")
        harness.send(.subscribe(.init(request: 3, topic: "com.t")), from: other)
        #expect(authzPeer.take().isEmpty)
        guard case .subscribed = otherPeer.take().first else {
            Issue.record("expected SUBSCRIBED from the cache")
            return
        }
        // The authorizer re-registers: the cache is dropped.
        harness.send(.unregister(.init(request: 7, registration: harness.realm.dealer.lookup("com.authz", match: .exact)!)), from: authz)
        _ = authzPeer.take()
        _ = harness.register(authz, authzPeer, "com.authz")
        harness.send(.subscribe(.init(request: 4, topic: "com.t")), from: other)
        self.answerAuthorizer(harness, authz, authzPeer, false, expect: ("com.t", "subscribe"))
        #expect(otherPeer.take().first?.errorURI == WAMPErrorURI.notAuthorized)
    }

    @Test func noCacheAsksEveryTime() {
        let harness = RealmHarness(Self.configuration)
        let (authz, authzPeer) = harness.join(role: "trusted", authid: "authorizer")
        _ = harness.register(authz, authzPeer, "com.authz")
        let (user, peer) = harness.join(role: "nocache", authid: "n1")
        for request in UInt64(1)...2 {
            harness.send(.subscribe(.init(request: request, topic: "com.t")), from: user)
            self.answerAuthorizer(harness, authz, authzPeer, true, expect: ("com.t", "subscribe"))
            guard case .subscribed = peer.take().first else {
                Issue.record("expected SUBSCRIBED")
                return
            }
        }
    }

    @Test func authorizerErrorsTimeoutsAndAbsenceDeny() {
        let harness = RealmHarness(Self.configuration)
        let (user, peer) = harness.join(role: "dyn", authid: "d1")
        // Nobody registered the authorizer.
        harness.send(.call(.init(request: 1, procedure: "com.x")), from: user)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.notAuthorized)

        let (authz, authzPeer) = harness.join(role: "trusted", authid: "authorizer")
        _ = harness.register(authz, authzPeer, "com.authz")
        harness.send(.call(.init(request: 2, procedure: "com.x")), from: user)
        let invocation = authzPeer.take().compactMap(\.invocation).first!
        harness.send(.error(.init(requestType: .invocation, request: invocation.request, error: "com.oops")), from: authz)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.notAuthorized)

        harness.send(.call(.init(request: 3, procedure: "com.x")), from: user)
        #expect(authzPeer.take().compactMap(\.invocation).count == 1)
        harness.loop.advanceTime(by: .seconds(6))
        #expect(peer.take().first?.errorURI == WAMPErrorURI.notAuthorized)
        // Denials after errors are not cached: the authorizer is asked again.
        harness.send(.call(.init(request: 4, procedure: "com.x")), from: user)
        #expect(authzPeer.take().compactMap(\.invocation).count == 1)
    }
}
