import Testing

@testable import JunctionClient

/// The session protocol without any network: feed messages, check the actions.
@Suite struct ClientSessionStateMachineTests {
    private func joined(
        _ auth: Authentication = .anonymous, features: WAMPDict = ["call_canceling": true]
    ) -> ClientSessionStateMachine {
        var machine = ClientSessionStateMachine(realm: "realm1", authentication: auth)
        _ = machine.transportReady()
        _ = machine.received(.welcome(.init(session: 7, details: ["roles": ["dealer": ["features": .dict(features)]]])))
        return machine
    }

    @Test func helloAnnouncesRolesAndAuthentication() {
        var machine = ClientSessionStateMachine(realm: "realm1", authentication: .ticket(authid: "joe", ticket: "t"))
        let actions = machine.transportReady()
        guard case .send(.hello(let hello)) = actions.first else {
            Issue.record("expected HELLO, got \(actions)")
            return
        }
        #expect(hello.realm == "realm1")
        #expect(hello.details["authmethods"] == ["ticket"])
        #expect(hello.details["authid"] == "joe")
        #expect(hello.details["roles"]?["caller"]?["features"]?["progressive_call_results"] == true)
        #expect(machine.state == .joining)
    }

    @Test func challengeIsAnsweredThenWelcomeJoins() {
        var machine = ClientSessionStateMachine(realm: "realm1", authentication: .ticket(authid: "joe", ticket: "t"))
        _ = machine.transportReady()
        #expect(machine.received(.challenge(.init(authMethod: "ticket", extra: [:]))) == [.send(.authenticate(.init(signature: "t", extra: [:])))])
        #expect(machine.state == .authenticating)
        let actions = machine.received(.welcome(.init(session: 9, details: [:])))
        #expect(actions == [.joined(SessionDetails(sessionID: 9, realm: "realm1", details: [:]))])
    }

    @Test func abortWhileJoiningFailsTheJoin() {
        var machine = ClientSessionStateMachine(realm: "realm1", authentication: .anonymous)
        _ = machine.transportReady()
        let actions = machine.received(.abort(.init(reason: "wamp.error.no_such_realm")))
        #expect(actions == [.joinFailed(.wamp(WAMPError("wamp.error.no_such_realm"))), .closeTransport])
    }

    @Test func unexpectedMessageWhileJoiningIsAViolation() {
        var machine = ClientSessionStateMachine(realm: "realm1", authentication: .anonymous)
        _ = machine.transportReady()
        let actions = machine.received(.event(.init(subscription: 1, publication: 2)))
        #expect(actions.contains(.closeTransport))
        guard case .send(.abort(let abort)) = actions.first else {
            Issue.record("expected ABORT")
            return
        }
        #expect(abort.reason == "wamp.error.protocol_violation")
    }

    @Test func callResultAndError() throws {
        var machine = self.joined()
        #expect(
            try machine.call(1, procedure: "p", args: [1], kwargs: [:], options: [:], progressive: false)
                == [.send(.call(.init(request: 1, procedure: "p", payload: .values(args: [1], kwargs: nil))))])
        #expect(machine.received(.result(.init(request: 1, payload: .init(args: [2])))) == [.succeed(1, .result(CallResult(args: [2])))])
        _ = try machine.call(2, procedure: "p", args: [], kwargs: [:], options: [:], progressive: false)
        #expect(
            machine.received(.error(.init(requestType: .call, request: 2, error: "app.error", payload: .init(args: ["x"]))))
                == [.fail(2, .wamp(WAMPError("app.error", args: ["x"])))])
        // Unknown request IDs are ignored.
        #expect(machine.received(.result(.init(request: 99))) == [])
    }

    @Test func progressiveResultsThenFinal() throws {
        var machine = self.joined()
        _ = try machine.call(1, procedure: "p", args: [], kwargs: [:], options: ["receive_progress": true], progressive: true)
        let progress = CallResult(args: [1], details: ["progress": true])
        #expect(machine.received(.result(.init(request: 1, details: ["progress": true], payload: .init(args: [1])))) == [.progress(1, progress)])
        #expect(machine.received(.result(.init(request: 1, payload: .init(args: [2])))) == [.succeed(1, .result(CallResult(args: [2])))])
        #expect(machine.pending.isEmpty)
    }

    @Test func cancelSendsCancelOnlyWhenTheDealerSupportsIt() throws {
        var machine = self.joined()
        _ = try machine.call(5, procedure: "p", args: [], kwargs: [:], options: [:], progressive: false)
        #expect(machine.cancelCall(5) == [.send(.cancel(.init(request: 1, options: ["mode": "killnowait"])))])
        #expect(machine.received(.error(.init(requestType: .call, request: 1, error: "wamp.error.canceled"))) == [])

        var plain = self.joined(features: [:])
        _ = try plain.call(5, procedure: "p", args: [], kwargs: [:], options: [:], progressive: false)
        #expect(plain.cancelCall(5) == [])
        #expect(plain.pending.isEmpty)
    }

    @Test func requestsNeedASession() {
        var machine = ClientSessionStateMachine(realm: "realm1", authentication: .anonymous)
        #expect(throws: WAMPClientError.self) {
            try machine.call(1, procedure: "p", args: [], kwargs: [:], options: [:], progressive: false)
        }
        #expect(throws: WAMPClientError.self) { try machine.subscribe(1, topic: "t", options: [:]) }
    }

    @Test func invocationYieldAndError() throws {
        var machine = self.joined()
        _ = try machine.register(3, procedure: "p", options: [:])
        #expect(machine.received(.registered(.init(request: 1, registration: 100))) == [.succeed(3, .registered)])
        let actions = machine.received(.invocation(.init(request: 11, registration: 100, payload: .init(args: [1]))))
        #expect(actions == [.invoke(epoch: 1, request: 11, registration: 3, Invocation(args: [1]))])
        #expect(
            machine.invocationFinished(epoch: 1, request: 11, .result(InvocationResult(args: [2])))
                == [.send(.yield(.init(request: 11, payload: .init(args: [2]))))])
        // A second answer for the same invocation is dropped.
        #expect(machine.invocationFinished(epoch: 1, request: 11, .result(InvocationResult())) == [])

        _ = machine.received(.invocation(.init(request: 12, registration: 100)))
        #expect(machine.received(.interrupt(.init(request: 12, options: ["mode": "kill"]))) == [.interrupt(epoch: 1, request: 12)])
        #expect(
            machine.invocationFinished(epoch: 1, request: 12, .error(WAMPError("app.bad", kwargs: ["k": 1])))
                == [.send(.error(.init(requestType: .invocation, request: 12, error: "app.bad", payload: .init(args: [], kwargs: ["k": 1]))))])
        // An invocation for an unknown registration is refused.
        guard case .send(.error(let error)) = machine.received(.invocation(.init(request: 13, registration: 555))).first else {
            Issue.record("expected ERROR")
            return
        }
        #expect(error.error == "wamp.error.no_such_registration")
    }

    @Test func eventsFanOutToLocalSubscriptionsSharingARouterSubscription() throws {
        var machine = self.joined()
        _ = try machine.subscribe(1, topic: "t", options: [:])
        _ = try machine.subscribe(2, topic: "t", options: [:])
        _ = machine.received(.subscribed(.init(request: 1, subscription: 50)))
        _ = machine.received(.subscribed(.init(request: 2, subscription: 50)))
        let actions = machine.received(.event(.init(subscription: 50, publication: 9, payload: .init(args: ["hi"]))))
        #expect(actions == [.deliver([1, 2], Event(args: ["hi"], publication: 9))])
        // The first unsubscribe is local; the last one goes to the router.
        #expect(machine.unsubscribe(1, waiter: 10) == [.succeed(10, .unsubscribed)])
        #expect(machine.unsubscribe(2, waiter: 11) == [.send(.unsubscribe(.init(request: 3, subscription: 50)))])
        #expect(machine.received(.unsubscribed(.init(request: 3))) == [.succeed(11, .unsubscribed)])
    }

    @Test func reconnectRestoresRegistrationsAndSubscriptions() throws {
        var machine = self.joined()
        _ = try machine.register(1, procedure: "p", options: ["match": "prefix"])
        _ = try machine.subscribe(2, topic: "t", options: [:])
        _ = machine.received(.registered(.init(request: 1, registration: 100)))
        _ = machine.received(.subscribed(.init(request: 2, subscription: 200)))
        _ = try machine.call(3, procedure: "x", args: [], kwargs: [:], options: [:], progressive: false)
        _ = machine.received(.invocation(.init(request: 40, registration: 100)))

        let lost = machine.connectionLost()
        #expect(lost.contains(.fail(3, .client(WAMPClientError(.connectionLost, "connection lost")))))
        #expect(lost.contains(.interrupt(epoch: 1, request: 40)))
        #expect(machine.state == .disconnected)

        _ = machine.transportReady()
        let actions = machine.received(.welcome(.init(session: 8, details: [:])))
        #expect(actions.count == 3)
        #expect(actions.contains(.send(.register(.init(request: 4, options: ["match": "prefix"], procedure: "p")))))
        #expect(actions.contains(.send(.subscribe(.init(request: 5, topic: "t")))))
        _ = machine.received(.registered(.init(request: 4, registration: 101)))
        _ = machine.received(.subscribed(.init(request: 5, subscription: 201)))
        #expect(machine.received(.invocation(.init(request: 1, registration: 101))).count == 1)
        #expect(machine.received(.event(.init(subscription: 201, publication: 1))) == [.deliver([2], Event(publication: 1))])
        // The old session's invocation answer is dropped.
        #expect(machine.invocationFinished(epoch: 1, request: 40, .result(InvocationResult())) == [])
    }

    @Test func unconfirmedRegistrationFailsOnConnectionLoss() throws {
        var machine = self.joined()
        _ = try machine.register(1, procedure: "p", options: [:])
        #expect(machine.connectionLost() == [.fail(1, .client(WAMPClientError(.connectionLost, "connection lost")))])
        #expect(machine.registrations.isEmpty)
    }

    @Test func registerErrorDropsTheRecord() throws {
        var machine = self.joined()
        _ = try machine.register(1, procedure: "p", options: [:])
        let actions = machine.received(
            .error(.init(requestType: .register, request: 1, error: "wamp.error.procedure_already_exists")))
        #expect(actions == [.fail(1, .wamp(WAMPError("wamp.error.procedure_already_exists")))])
        #expect(machine.registrations.isEmpty)
    }

    @Test func goodbyeHandshakes() {
        var machine = self.joined()
        #expect(machine.leave() == [.send(.goodbye(.init(reason: "wamp.close.normal")))])
        #expect(machine.received(.goodbye(.init(reason: "wamp.close.goodbye_and_out"))) == [.left, .closeTransport])

        var other = self.joined()
        #expect(
            other.received(.goodbye(.init(reason: "wamp.close.system_shutdown")))
                == [.send(.goodbye(.init(reason: "wamp.close.goodbye_and_out"))), .closeTransport])
    }

    @Test func unacknowledgedPublishSucceedsAtOnce() throws {
        var machine = self.joined()
        let actions = try machine.publish(1, topic: "t", args: ["a"], kwargs: [:], options: [:], acknowledge: false)
        #expect(actions.count == 2)
        #expect(actions.last == .succeed(1, .published(nil)))
        _ = try machine.publish(2, topic: "t", args: [], kwargs: [:], options: ["acknowledge": true], acknowledge: true)
        #expect(machine.received(.published(.init(request: 2, publication: 77))) == [.succeed(2, .published(77))])
    }
}
