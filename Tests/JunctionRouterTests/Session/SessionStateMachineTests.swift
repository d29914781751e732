import Testing
import WAMPCore

@testable import JunctionRouter

@Suite struct SessionStateMachineTests {
    /// A machine whose transport is open, in front of an open `realm1`.
    static func newMachine() -> SessionStateMachine {
        EstablishmentHarness([.openRealm(named: "realm1")]).machine()
    }

    let hello = WAMPMessage.hello(.init(realm: "realm1", details: ["roles": ["caller": [:]]]))

    func established() -> SessionStateMachine {
        var machine = Self.newMachine()
        _ = machine.received(self.hello)
        _ = machine.joined(session: 42, details: [:])
        return machine
    }

    func isProtocolViolation(_ action: SessionStateMachine.Action, leave: UInt64?) -> Bool {
        guard case .sendAndClose(.abort(let abort), let left) = action else { return false }
        return abort.reason == WAMPErrorURI.protocolViolation && left == leave
    }

    @Test func helloJoinsAndWelcomes() {
        var machine = Self.newMachine()
        guard case .join(let request) = machine.received(self.hello) else {
            Issue.record("HELLO must ask to join")
            return
        }
        #expect(request.hello.realm == "realm1")
        #expect(machine.state == .joining)
        #expect(machine.joined(session: 7, details: ["x": 1]) == .welcome(.init(session: 7, details: ["x": 1])))
        #expect(machine.state == .established(session: 7))
    }

    @Test(arguments: [
        WAMPMessage.subscribe(.init(request: 1, topic: "a.b")),
        .goodbye(.init(reason: WAMPErrorURI.closeNormal)),
        .error(.init(requestType: .invocation, request: 1, error: "a.b")),
        .welcome(.init(session: 1, details: [:])),
        .yield(.init(request: 1)),
    ])
    func anythingButHelloFirstIsAViolation(message: WAMPMessage) {
        var machine = Self.newMachine()
        #expect(self.isProtocolViolation(machine.received(message), leave: nil))
        #expect(machine.state == .closed)
        #expect(machine.received(self.hello) == .none)
    }

    @Test func abortBeforeWelcomeJustCloses() {
        var machine = Self.newMachine()
        #expect(machine.received(.abort(.init(reason: "wamp.close.normal"))) == .close(leave: nil))
    }

    @Test func messageWhileJoiningIsAViolation() {
        var machine = Self.newMachine()
        _ = machine.received(self.hello)
        #expect(self.isProtocolViolation(machine.received(.call(.init(request: 1, procedure: "a"))), leave: nil))
        // The realm's answer arrives after the transport gave up: the session must be forgotten.
        #expect(machine.joined(session: 9, details: [:]) == .leave(9))
    }

    @Test func joinRefusedAborts() {
        var machine = Self.newMachine()
        _ = machine.received(self.hello)
        let abort = WAMPMessage.Abort(reason: WAMPErrorURI.noSuchRealm)
        #expect(machine.joinRefused(abort) == .sendAndClose(.abort(abort), leave: nil))
        #expect(machine.state == .closed)
    }

    @Test func routingMessagesAreRouted() {
        var machine = self.established()
        let messages: [WAMPMessage] = [
            .publish(.init(request: 1, topic: "t")), .subscribe(.init(request: 2, topic: "t")),
            .unsubscribe(.init(request: 3, subscription: 1)), .call(.init(request: 4, procedure: "p")),
            .register(.init(request: 5, procedure: "p")), .unregister(.init(request: 6, registration: 1)),
            .yield(.init(request: 1)), .error(.init(requestType: .invocation, request: 1, error: "e")),
            .cancel(.init(request: 4, options: ["mode": "kill"])),
        ]
        for message in messages {
            #expect(machine.received(message) == .route(message, session: 42))
        }
    }

    @Test(arguments: [
        WAMPMessage.hello(.init(realm: "realm1", details: ["roles": ["caller": [:]]])),
        .welcome(.init(session: 1, details: [:])),
        .challenge(.init(authMethod: "ticket", extra: [:])),
        .event(.init(subscription: 1, publication: 1)),
        .result(.init(request: 1)),
        .invocation(.init(request: 1, registration: 1)),
        .subscribed(.init(request: 1, subscription: 1)),
        .published(.init(request: 1, publication: 1)),
        .registered(.init(request: 1, registration: 1)),
        .unregistered(.init(request: 1)),
        .unsubscribed(.init(request: 1)),
        .interrupt(.init(request: 1)),
        .error(.init(requestType: .call, request: 1, error: "e")),
        .error(.init(requestType: .subscribe, request: 1, error: "e")),
    ])
    func routerOnlyMessagesAbortAnEstablishedSession(message: WAMPMessage) {
        var machine = self.established()
        #expect(self.isProtocolViolation(machine.received(message), leave: 42))
        #expect(machine.state == .closed)
    }

    @Test func goodbyeIsAnsweredAndClosed() {
        var machine = self.established()
        let action = machine.received(.goodbye(.init(reason: WAMPErrorURI.closeNormal)))
        #expect(action == .sendAndClose(.goodbye(.init(reason: WAMPErrorURI.goodbyeAndOut)), leave: 42))
    }

    @Test func routerGoodbyeWaitsForTheReply() {
        var machine = self.established()
        #expect(
            machine.routerGoodbye(reason: WAMPErrorURI.systemShutdown, message: nil)
                == .send(.goodbye(.init(reason: WAMPErrorURI.systemShutdown))))
        #expect(machine.state == .closing(session: 42))
        #expect(machine.received(.publish(.init(request: 9, topic: "t"))) == .none)
        #expect(machine.received(.goodbye(.init(reason: WAMPErrorURI.goodbyeAndOut))) == .close(leave: 42))
    }

    @Test func routerGoodbyeTimesOut() {
        var machine = self.established()
        _ = machine.routerGoodbye(reason: WAMPErrorURI.systemShutdown, message: "bye")
        #expect(machine.closingTimedOut() == .close(leave: 42))
        #expect(machine.closingTimedOut() == .none)
    }

    @Test func transportLossLeavesTheRealm() {
        var machine = self.established()
        #expect(machine.transportClosed() == .leave(42))
        #expect(machine.transportClosed() == .none)
    }

    @Test func violationFromTransportAborts() {
        var machine = self.established()
        #expect(self.isProtocolViolation(machine.receivedViolation(ProtocolViolation("garbage")), leave: 42))
        #expect(machine.receivedViolation(ProtocolViolation("more")) == .none)
    }
}

extension SessionStateMachine {
    /// A client message on a transport with nothing to tell the authenticator.
    mutating func received(_ message: WAMPMessage) -> Action {
        self.received(message, from: FakeConnection())
    }
}
