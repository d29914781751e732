import NIOCore
import Testing
import WAMPCore

@testable import JunctionRouter

/// Advanced Profile RPC features, driven through the realm with fake peers.
@Suite struct AdvancedRPCTests {
    @Test func patternRegistrationsFollowPrecedenceAndCarryTheProcedure() {
        let h = RealmHarness()
        let (caller, callerPeer) = h.join()
        let (exact, exactPeer) = h.join()
        let (prefix, prefixPeer) = h.join()
        let (longer, longerPeer) = h.join()
        let (wildcard, wildcardPeer) = h.join()
        _ = h.register(exact, exactPeer, "com.app.proc.one")
        _ = h.register(prefix, prefixPeer, "com.app", options: ["match": "prefix"])
        _ = h.register(longer, longerPeer, "com.app.proc", options: ["match": "prefix"])
        let w = h.register(wildcard, wildcardPeer, "com..proc.two", options: ["match": "wildcard"])
        h.send(.call(.init(request: 1, procedure: "com.app.proc.one")), from: caller)
        #expect(exactPeer.take().first?.invocation?.details["procedure"] == nil)
        h.send(.call(.init(request: 2, procedure: "com.app.proc.two")), from: caller)
        #expect(longerPeer.take().first?.invocation?.details["procedure"] == "com.app.proc.two")
        h.send(.call(.init(request: 3, procedure: "com.app.other")), from: caller)
        #expect(prefixPeer.take().first?.invocation?.details["procedure"] == "com.app.other")
        h.send(.call(.init(request: 4, procedure: "com.x.proc.two")), from: caller)
        let invocation = wildcardPeer.take().first?.invocation
        #expect(invocation?.registration == w)
        #expect(invocation?.details["procedure"] == "com.x.proc.two")
        h.send(.call(.init(request: 5, procedure: "org.x")), from: caller)
        #expect(callerPeer.take().last?.errorURI == WAMPErrorURI.noSuchProcedure)
    }

    @Test func sharedRegistrationPolicies() {
        let h = RealmHarness()
        let (caller, _) = h.join()
        let callees = (0..<3).map { _ in h.join() }
        let ids = callees.map { h.register($0.0, $0.1, "com.rr", options: ["invoke": "roundrobin"]) }
        #expect(Set(ids).count == 1)
        var order: [Int] = []
        for request in 1...6 {
            h.send(.call(.init(request: UInt64(request), procedure: "com.rr")), from: caller)
            order.append(callees.firstIndex { !$0.1.take().isEmpty } ?? -1)
        }
        #expect(order == [0, 1, 2, 0, 1, 2])

        let (first, firstPeer) = h.join()
        let (last, lastPeer) = h.join()
        _ = h.register(first, firstPeer, "com.first", options: ["invoke": "first"])
        _ = h.register(last, lastPeer, "com.first", options: ["invoke": "first"])
        h.send(.call(.init(request: 7, procedure: "com.first")), from: caller)
        #expect(firstPeer.take().first?.invocation != nil)
        #expect(lastPeer.take().isEmpty)
        _ = h.register(first, firstPeer, "com.last", options: ["invoke": "last"])
        _ = h.register(last, lastPeer, "com.last", options: ["invoke": "last"])
        h.send(.call(.init(request: 8, procedure: "com.last")), from: caller)
        #expect(lastPeer.take().first?.invocation != nil)
        #expect(firstPeer.take().isEmpty)

        // A different policy, or a second `single`, is refused.
        h.send(.register(.init(request: 9, options: ["invoke": "random"], procedure: "com.rr")), from: first)
        #expect(firstPeer.take().last?.errorURI == WAMPErrorURI.procedureExistsWithDifferentInvocationPolicy)
        _ = h.register(first, firstPeer, "com.single")
        h.send(.register(.init(request: 10, procedure: "com.single")), from: last)
        #expect(lastPeer.take().last?.errorURI == WAMPErrorURI.procedureAlreadyExists)

        // Random reaches every callee eventually, and a leaving callee is skipped.
        for callee in callees { _ = h.register(callee.0, callee.1, "com.random", options: ["invoke": "random"]) }
        h.realm.leave(session: callees[0].0)
        for request in 11...40 { h.send(.call(.init(request: UInt64(request), procedure: "com.random")), from: caller) }
        #expect(callees[0].1.take().isEmpty)
        #expect(!callees[1].1.take().isEmpty)
        #expect(!callees[2].1.take().isEmpty)
    }

    @Test func callerIdentification() {
        let h = RealmHarness()
        let (caller, _) = h.join(authid: "alice")
        let (callee, calleePeer) = h.join()
        _ = h.register(callee, calleePeer, "com.p")
        h.send(.call(.init(request: 1, procedure: "com.p")), from: caller)
        #expect(calleePeer.take().first?.invocation?.details["caller"] == nil)
        h.send(.call(.init(request: 2, options: ["disclose_me": true], procedure: "com.p")), from: caller)
        let details = calleePeer.take().first?.invocation?.details
        #expect(details?["caller"] == .uint(caller))
        #expect(details?["caller_authid"] == "alice")
        #expect(details?["caller_authrole"] == "anonymous")
        _ = h.register(callee, calleePeer, "com.q", options: ["disclose_caller": true])
        h.send(.call(.init(request: 3, procedure: "com.q")), from: caller)
        #expect(calleePeer.take().first?.invocation?.details["caller"] == .uint(caller))
    }

    @Test func disclosureRefusedByPolicy() {
        var configuration = RealmConfiguration.openRealm(named: "realm1")
        configuration.disclosure = .refuse
        let h = RealmHarness(configuration)
        let (caller, callerPeer) = h.join()
        let (callee, calleePeer) = h.join()
        _ = h.register(callee, calleePeer, "com.p", options: ["disclose_caller": true])
        h.send(.call(.init(request: 1, options: ["disclose_me": true], procedure: "com.p")), from: caller)
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.discloseMeNotAllowed)
        h.send(.call(.init(request: 2, procedure: "com.p")), from: caller)
        #expect(calleePeer.take().first?.invocation?.details["caller"] == nil)
        h.send(.publish(.init(request: 3, options: ["disclose_me": true, "acknowledge": true], topic: "com.t")), from: caller)
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.discloseMeDisallowed)
    }

    @Test func progressiveCallResults() {
        let h = RealmHarness()
        let (caller, callerPeer) = h.join()
        let (callee, calleePeer) = h.join()
        _ = h.register(callee, calleePeer, "com.p")
        h.send(.call(.init(request: 1, options: ["receive_progress": true], procedure: "com.p")), from: caller)
        let invocation = calleePeer.take().first?.invocation
        #expect(invocation?.details["receive_progress"] == true)
        let request = invocation?.request ?? 0
        h.send(.yield(.init(request: request, options: ["progress": true], payload: .init(args: [1]))), from: callee)
        h.send(.yield(.init(request: request, options: ["progress": true], payload: .init(args: [2]))), from: callee)
        h.send(.yield(.init(request: request, payload: .init(args: [3]))), from: callee)
        #expect(
            callerPeer.take() == [
                .result(.init(request: 1, details: ["progress": true], payload: .init(args: [1]))),
                .result(.init(request: 1, details: ["progress": true], payload: .init(args: [2]))),
                .result(.init(request: 1, payload: .init(args: [3]))),
            ])
        // A caller that did not ask gets only the final result.
        h.send(.call(.init(request: 2, procedure: "com.p")), from: caller)
        let second = calleePeer.take().first?.invocation?.request ?? 0
        h.send(.yield(.init(request: second, options: ["progress": true], payload: .init(args: [1]))), from: callee)
        h.send(.yield(.init(request: second, payload: .init(args: [9]))), from: callee)
        #expect(callerPeer.take() == [.result(.init(request: 2, payload: .init(args: [9])))])
    }

    @Test func progressiveCallInvocations() {
        let h = RealmHarness()
        let (caller, callerPeer) = h.join()
        let (callee, calleePeer) = h.join()
        _ = h.register(callee, calleePeer, "com.upload")
        h.send(.call(.init(request: 1, options: ["progress": true], procedure: "com.upload", payload: .init(args: [1]))), from: caller)
        h.send(.call(.init(request: 2, procedure: "com.upload", payload: .init(args: ["other"]))), from: caller)
        h.send(.call(.init(request: 1, options: ["progress": true], procedure: "com.upload", payload: .init(args: [2]))), from: caller)
        h.send(.call(.init(request: 1, procedure: "com.upload", payload: .init(args: [3]))), from: caller)
        let invocations = calleePeer.take().compactMap(\.invocation)
        #expect(invocations.map(\.request) == [1, 2, 1, 1])
        #expect(invocations.map { $0.details["progress"] } == [true, nil, true, nil])
        h.send(.yield(.init(request: 1, payload: .init(args: ["done"]))), from: callee)
        #expect(callerPeer.take() == [.result(.init(request: 1, payload: .init(args: ["done"])))])
        // A continuation that crosses the completion is dropped without an answer.
        h.send(.call(.init(request: 1, options: ["progress": true], procedure: "com.upload")), from: caller)
        #expect(callerPeer.take().isEmpty)
        #expect(calleePeer.take().isEmpty)

        // A callee without the feature: feature_not_supported; a caller without it: protocol violation.
        let (plain, plainPeer) = h.join(features: ["callee": ["call_canceling"]])
        _ = h.register(plain, plainPeer, "com.plain")
        h.send(.call(.init(request: 3, options: ["progress": true], procedure: "com.plain")), from: caller)
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.featureNotSupported)
        let (rude, rudePeer) = h.join(features: ["caller": []])
        h.send(.call(.init(request: 1, options: ["progress": true], procedure: "com.upload")), from: rude)
        #expect(rudePeer.ended == ["abort:\(WAMPErrorURI.protocolViolation)"])
    }

    func cancelSetup(calleeFeatures: [String] = ["call_canceling"]) -> (RealmHarness, UInt64, FakePeer, UInt64, FakePeer, UInt64) {
        let h = RealmHarness()
        let (caller, callerPeer) = h.join()
        let (callee, calleePeer) = h.join(features: ["callee": calleeFeatures])
        _ = h.register(callee, calleePeer, "com.slow")
        h.send(.call(.init(request: 5, procedure: "com.slow")), from: caller)
        let request = calleePeer.take().first?.invocation?.request ?? 0
        return (h, caller, callerPeer, callee, calleePeer, request)
    }

    @Test func cancelKillNoWait() {
        let (h, caller, callerPeer, callee, calleePeer, request) = self.cancelSetup()
        h.send(.cancel(.init(request: 5, options: ["mode": "killnowait"])), from: caller)
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.canceled)
        #expect(calleePeer.take().first?.interrupt == .init(request: request, options: ["mode": "killnowait", "reason": .string(WAMPErrorURI.canceled)]))
        h.send(.yield(.init(request: request)), from: callee)
        h.send(.error(.init(requestType: .invocation, request: request, error: WAMPErrorURI.canceled)), from: callee)
        #expect(callerPeer.take().isEmpty)
        #expect(calleePeer.ended.isEmpty)
        #expect(h.realm.dealer.pending.isEmpty)
    }

    @Test func cancelKillWaitsForTheCallee() {
        let (h, caller, callerPeer, callee, calleePeer, request) = self.cancelSetup()
        h.send(.cancel(.init(request: 5, options: ["mode": "kill"])), from: caller)
        h.send(.cancel(.init(request: 5, options: ["mode": "kill"])), from: caller)
        #expect(callerPeer.take().isEmpty)
        #expect(calleePeer.take().compactMap(\.interrupt).count == 1)
        h.send(.error(.init(requestType: .invocation, request: request, error: WAMPErrorURI.canceled)), from: callee)
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.canceled)
    }

    @Test func cancelSkipAndCalleeWithoutCancelingSupport() {
        let (h, caller, callerPeer, callee, calleePeer, request) = self.cancelSetup()
        h.send(.cancel(.init(request: 5, options: ["mode": "skip"])), from: caller)
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.canceled)
        #expect(calleePeer.take().isEmpty)
        h.send(.yield(.init(request: request)), from: callee)
        #expect(callerPeer.take().isEmpty)

        let (h2, caller2, callerPeer2, _, calleePeer2, _) = self.cancelSetup(calleeFeatures: [])
        h2.send(.cancel(.init(request: 5, options: ["mode": "kill"])), from: caller2)
        #expect(callerPeer2.take().first?.errorURI == WAMPErrorURI.canceled)
        #expect(calleePeer2.take().isEmpty)
        // A CANCEL for a call that is not in flight is ignored.
        h2.send(.cancel(.init(request: 77)), from: caller2)
        #expect(callerPeer2.take().isEmpty)
    }

    @Test func dealerEnforcesTimeouts() {
        let h = RealmHarness()
        let (caller, callerPeer) = h.join()
        let (callee, calleePeer) = h.join(features: ["callee": ["call_canceling"]])
        let (forwarding, forwardingPeer) = h.join(features: ["callee": ["call_timeout"]])
        _ = h.register(callee, calleePeer, "com.slow")
        _ = h.register(forwarding, forwardingPeer, "com.fwd")
        h.send(.call(.init(request: 1, options: ["timeout": 100], procedure: "com.slow")), from: caller)
        let invocation = calleePeer.take().first?.invocation
        #expect(invocation?.details["timeout"] == nil)
        h.loop.advanceTime(by: .milliseconds(99))
        #expect(callerPeer.take().isEmpty)
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.timeout)
        #expect(calleePeer.take().first?.interrupt?.options["mode"] == "killnowait")
        h.send(.yield(.init(request: invocation?.request ?? 0)), from: callee)
        #expect(callerPeer.take().isEmpty)

        // Answered in time: no error later, the timer is gone.
        h.send(.call(.init(request: 2, options: ["timeout": 100], procedure: "com.slow")), from: caller)
        h.send(.yield(.init(request: calleePeer.take().first?.invocation?.request ?? 0)), from: callee)
        h.loop.advanceTime(by: .seconds(1))
        #expect(callerPeer.take() == [.result(.init(request: 2))])
        #expect(h.realm.callTimers.isEmpty)

        // Forwarded to a callee that announces call_timeout (the dealer still enforces it).
        h.send(.call(.init(request: 3, options: ["timeout": 50], procedure: "com.fwd")), from: caller)
        #expect(forwardingPeer.take().first?.invocation?.details["timeout"] == .uint(50))
        h.loop.advanceTime(by: .milliseconds(50))
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.timeout)
        #expect(forwardingPeer.take().isEmpty)  // no call_canceling: no INTERRUPT
    }

    @Test func callerLeavingInterruptsCallee() {
        let (h, caller, _, _, calleePeer, request) = self.cancelSetup()
        h.realm.leave(session: caller)
        #expect(calleePeer.take().first?.interrupt?.request == request)
    }

    @Test func registrationRevocation() {
        let h = RealmHarness()
        let (admin, adminPeer) = h.join()
        let (callee, calleePeer) = h.join()
        let (plain, plainPeer) = h.join(features: ["callee": []])
        let registration = h.register(callee, calleePeer, "com.p", options: ["invoke": "roundrobin"])
        _ = h.register(plain, plainPeer, "com.p", options: ["invoke": "roundrobin"])
        let result = h.meta(admin, adminPeer, "wamp.registration.remove_callee", [.uint(registration), .uint(callee)], kwargs: ["reason": "maintenance"])
        #expect(result.errorURI == nil)
        #expect(calleePeer.take() == [.unregistered(.init(request: 0, details: ["registration": .uint(registration), "reason": "maintenance"]))])
        _ = h.meta(admin, adminPeer, "wamp.registration.remove_callee", [.uint(registration), .uint(plain)])
        #expect(plainPeer.take().isEmpty)  // did not announce registration_revocation
        #expect(h.realm.dealer.registrations.isEmpty)

        // force_reregister takes the procedure over and revokes the previous callee.
        let old = h.register(callee, calleePeer, "com.q")
        _ = h.register(plain, plainPeer, "com.q", options: ["force_reregister": true])
        #expect(calleePeer.take().first == .unregistered(.init(request: 0, details: ["registration": .uint(old), "reason": "replaced by a forced re-registration"])))
        h.send(.call(.init(request: 1, procedure: "com.q")), from: admin)
        #expect(plainPeer.take().first?.invocation != nil)
    }

    @Test func payloadPassthruIsForwardedUntouched() {
        let h = RealmHarness()
        let (caller, callerPeer) = h.join()
        let (callee, calleePeer) = h.join()
        let (plain, plainPeer) = h.join(features: ["callee": []])
        _ = h.register(callee, calleePeer, "com.e2e")
        _ = h.register(plain, plainPeer, "com.plain")
        let options: WAMPDict = ["ppt_scheme": "x_custom", "ppt_serializer": "native", "ppt_keyid": "k1"]
        let bytes: [UInt8] = [0xFF, 0x00, 0x81, 0x42]
        h.send(.call(.init(request: 1, options: options, procedure: "com.e2e", payload: .transparent(bytes))), from: caller)
        let invocation = calleePeer.take().first?.invocation
        #expect(invocation?.payload == .transparent(bytes))
        #expect(invocation?.details["ppt_scheme"] == "x_custom")
        #expect(invocation?.details["ppt_keyid"] == "k1")
        h.send(.yield(.init(request: invocation?.request ?? 0, options: options, payload: .transparent([1, 2]))), from: callee)
        #expect(callerPeer.take() == [.result(.init(request: 1, details: options, payload: .transparent([1, 2])))])
        h.send(.call(.init(request: 2, options: options, procedure: "com.plain", payload: .transparent(bytes))), from: caller)
        #expect(callerPeer.take().first?.errorURI == WAMPErrorURI.featureNotSupported)
    }

    @Test func callTrustLevels() {
        var configuration = RealmConfiguration.openRealm(named: "realm1")
        configuration.trustLevels = ["anonymous": 2]
        let h = RealmHarness(configuration)
        let (caller, _) = h.join()
        let (callee, calleePeer) = h.join()
        _ = h.register(callee, calleePeer, "com.p")
        h.send(.call(.init(request: 1, procedure: "com.p")), from: caller)
        #expect(calleePeer.take().first?.invocation?.details["trustlevel"] == .uint(2))
    }

    @Test func sessionLimitsAreEnforced() {
        var configuration = RealmConfiguration.openRealm(named: "realm1")
        configuration.sessionLimits.maxPendingCalls = 2
        configuration.sessionLimits.maxRegistrations = 1
        configuration.sessionLimits.maxSubscriptions = 1
        let h = RealmHarness(configuration)
        let (a, peerA) = h.join()
        let (b, peerB) = h.join()
        _ = h.register(b, peerB, "com.p")
        h.send(.register(.init(request: 2, procedure: "com.q")), from: b)
        #expect(peerB.take().first?.errorURI == WAMPErrorURI.limitExceeded)
        for request in 1...3 { h.send(.call(.init(request: UInt64(request), procedure: "com.p")), from: a) }
        #expect(peerA.take().map(\.errorURI) == [WAMPErrorURI.limitExceeded])
        #expect(peerB.take().count == 2)
        _ = h.subscribe(a, peerA, "com.t")
        h.send(.subscribe(.init(request: 5, topic: "com.t")), from: a)  // same subscription: fine
        h.send(.subscribe(.init(request: 6, topic: "com.u")), from: a)
        let replies = peerA.take()
        #expect(replies.first?.errorURI == nil)
        #expect(replies.last?.errorURI == WAMPErrorURI.limitExceeded)
    }
}
