import Testing

@testable import JunctionClient

/// Stream recovery in the client state machine: positions remembered from `_offset`/`_epoch`,
/// `_recover` on resubscription, duplicates dropped, `recovery_incomplete` turned into a marker.
@Suite struct ClientStreamRecoveryTests {
    private func joined() -> ClientSessionStateMachine {
        var machine = ClientSessionStateMachine(realm: "realm1", authentication: .anonymous)
        _ = machine.transportReady()
        _ = machine.received(.welcome(.init(session: 7, details: [:])))
        return machine
    }

    private func event(_ subscription: UInt64, offset: UInt64, epoch: String = "E", topic: String? = nil) -> WAMPMessage {
        var details: WAMPDict = ["_offset": .uint(offset), "_epoch": .string(epoch)]
        if let topic { details["topic"] = .string(topic) }
        return .event(.init(subscription: subscription, publication: 100 + offset, details: details, payload: .init(args: [.uint(offset)])))
    }

    /// The SUBSCRIBE a list of actions sends, if any.
    private func subscribe(in actions: [ClientAction]) -> WAMPMessage.Subscribe? {
        for case .send(.subscribe(let subscribe)) in actions { return subscribe }
        return nil
    }

    private func delivered(_ actions: [ClientAction]) -> [Event] {
        actions.compactMap { if case .deliver(_, let event) = $0 { return event } else { return nil } }
    }

    @Test func theLastPositionIsSentAsRecoverAfterAReconnect() throws {
        var machine = self.joined()
        let first = try machine.subscribe(1, topic: "com.s", options: [:])
        #expect(self.subscribe(in: first)?.options["_recover"] == nil)
        _ = machine.received(.subscribed(.init(request: self.subscribe(in: first)!.request, subscription: 55)))
        for offset in 1...3 as ClosedRange<UInt64> { _ = machine.received(self.event(55, offset: offset)) }
        _ = machine.connectionLost()
        _ = machine.transportReady()
        let restore = machine.received(.welcome(.init(session: 8, details: [:])))
        #expect(self.subscribe(in: restore)?.options["_recover"] == StreamPosition(offset: 3, epoch: "E").wampValue)
    }

    @Test func duplicatesAreDroppedAndOtherEpochsPassThrough() throws {
        var machine = self.joined()
        let actions = try machine.subscribe(1, topic: "com.s", options: [:])
        _ = machine.received(.subscribed(.init(request: self.subscribe(in: actions)!.request, subscription: 55)))
        #expect(self.delivered(machine.received(self.event(55, offset: 5))).count == 1)
        #expect(self.delivered(machine.received(self.event(55, offset: 5))).isEmpty)
        #expect(self.delivered(machine.received(self.event(55, offset: 4))).isEmpty)
        #expect(self.delivered(machine.received(self.event(55, offset: 6))).count == 1)
        #expect(self.delivered(machine.received(self.event(55, offset: 1, epoch: "F"))).count == 1)
        // Events without a position (topics without history) are never filtered.
        let plain = WAMPMessage.event(.init(subscription: 55, publication: 1))
        #expect(self.delivered(machine.received(plain)).count == 1)
        #expect(self.delivered(machine.received(plain)).count == 1)
    }

    @Test func patternSubscriptionsRecoverPerTopic() throws {
        var machine = self.joined()
        let actions = try machine.subscribe(1, topic: "com", options: ["match": "prefix"])
        _ = machine.received(.subscribed(.init(request: self.subscribe(in: actions)!.request, subscription: 56)))
        _ = machine.received(self.event(56, offset: 2, topic: "com.a"))
        _ = machine.received(self.event(56, offset: 9, topic: "com.b"))
        _ = machine.connectionLost()
        _ = machine.transportReady()
        let restore = machine.received(.welcome(.init(session: 8, details: [:])))
        let options = self.subscribe(in: restore)?.options
        #expect(options?["match"] == "prefix")
        let expected: WAMPValue = [
            "positions": ["com.a": StreamPosition(offset: 2, epoch: "E").wampValue, "com.b": StreamPosition(offset: 9, epoch: "E").wampValue]
        ]
        #expect(options?["_recover"] == expected)
    }

    @Test func recoveryIncompleteYieldsAMarkerAndResumesFromTheReportedPosition() throws {
        var machine = self.joined()
        let actions = try machine.subscribe(
            1, topic: "com.s", options: [:], recoverFrom: ["com.s": StreamPosition(offset: 3, epoch: "old")])
        let request = self.subscribe(in: actions)!
        #expect(request.options["_recover"] == StreamPosition(offset: 3, epoch: "old").wampValue)
        let current = StreamPosition(offset: 40, epoch: "E")
        let answer = machine.received(
            .error(.init(requestType: .subscribe, request: request.request, details: current.wampValue.dictValue!, error: WAMPErrorURI.recoveryIncomplete)))
        let markers = self.delivered(answer)
        #expect(markers.count == 1)
        #expect(markers.first?.recoveryIncomplete == RecoveryIncomplete(current: ["com.s": current]))
        let retry = try #require(self.subscribe(in: answer))
        #expect(retry.options["_recover"] == current.wampValue)  // nothing after the ERROR is missed
        #expect(!answer.contains { if case .fail = $0 { return true } else { return false } })

        // The window moved on again: one more try without _recover, no second marker, no loop.
        let again = machine.received(
            .error(.init(requestType: .subscribe, request: retry.request, details: ["offset": 90, "epoch": "E"], error: WAMPErrorURI.recoveryIncomplete)))
        #expect(self.delivered(again).isEmpty)
        let plain = try #require(self.subscribe(in: again))
        #expect(plain.options["_recover"] == nil)
        // Its SUBSCRIBED completes the original subscribe call.
        #expect(machine.received(.subscribed(.init(request: plain.request, subscription: 57))) == [.succeed(1, .subscribed)])
        // recovery_incomplete for a SUBSCRIBE without _recover is an ordinary failure.
        let third = try machine.subscribe(2, topic: "com.t", options: [:])
        let failed = machine.received(
            .error(.init(requestType: .subscribe, request: self.subscribe(in: third)!.request, error: WAMPErrorURI.recoveryIncomplete)))
        #expect(failed.contains { if case .fail(2, _) = $0 { return true } else { return false } })
    }

    @Test func recoverGivenAsAnOptionIsTakenOverAndNotRepeatedBlindly() throws {
        var machine = self.joined()
        let actions = try machine.subscribe(1, topic: "com.s", options: ["_recover": ["offset": 2, "epoch": "E"]])
        let request = self.subscribe(in: actions)!
        #expect(request.options["_recover"] == StreamPosition(offset: 2, epoch: "E").wampValue)
        _ = machine.received(.subscribed(.init(request: request.request, subscription: 58)))
        _ = machine.received(self.event(58, offset: 3))
        _ = machine.connectionLost()
        _ = machine.transportReady()
        let restore = machine.received(.welcome(.init(session: 8, details: [:])))
        #expect(self.subscribe(in: restore)?.options["_recover"] == StreamPosition(offset: 3, epoch: "E").wampValue)
    }
}
