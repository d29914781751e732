import Testing

@testable import JunctionCluster

/// The ordered path's in-flight window: answered publications leave, what a dropped connection
/// left unanswered is resent once in sequence order, and nothing waits forever.
@Suite struct InFlightWindowTests {
    @Test func answeredPublicationsLeaveAndALateSecondAnswerFindsNothing() {
        var window = InFlightWindow<String>()
        window.sent(1, "a")
        window.sent(2, "b")
        window.sent(3, "c")
        #expect(window.answered(1) == "a")
        #expect(window.answered(3) == "c")  // out of order: found anyway
        #expect(window.answered(3) == nil)
        #expect(window.count == 1)
    }

    @Test func whatADroppedConnectionLeftIsResentInSequenceOrderOnceThenGivenUp() {
        var window = InFlightWindow<String>()
        _ = window.takeForResend()
        for (sequence, item) in [(1, "a"), (2, "b"), (3, "c")] { window.sent(UInt64(sequence), item) }
        #expect(window.answered(1) == "a")
        window.connectionLost(now: 100)
        let first = window.takeForResend()
        #expect(first.resend.map(\.sequence) == [2, 3])
        #expect(first.resend.map(\.attempts) == [2, 2])
        #expect(first.givenUp.isEmpty)
        // The old connection's late answer for 2 and the resent one's: the item comes out once.
        #expect(window.answered(2) == "b")
        #expect(window.answered(2) == nil)
        // 3 is lost again with the second connection: given up at the third.
        window.connectionLost(now: 200)
        let second = window.takeForResend()
        #expect(second.resend.isEmpty)
        #expect(second.givenUp.map(\.item) == ["c"])
        #expect(window.isEmpty)
    }

    @Test func whileReconnectingPublicationsAreHeldAndSentFirstInSequenceOrder() {
        var window = InFlightWindow<String>()
        #expect(!window.isHolding)  // never connected: nothing is held
        _ = window.takeForResend()
        window.sent(1, "a")
        #expect(!window.isHolding)  // connected: sent, not held
        window.connectionLost(now: 100)
        #expect(window.isHolding)
        window.hold(2, "b")
        let resend = window.takeForResend()
        #expect(resend.resend.map(\.sequence) == [1, 2])
        #expect(resend.resend.map(\.attempts) == [2, 1])
        #expect(!window.isHolding)
    }

    @Test func withoutRedisForLongerThanTheTimeoutEverythingIsGivenUpAndNothingMoreIsHeld() {
        var window = InFlightWindow<String>()
        _ = window.takeForResend()
        window.sent(1, "a")
        window.connectionLost(now: 1000)
        window.connectionLost(now: 1500)  // a failed reconnect: still lost since 1000
        window.hold(2, "b")
        #expect(window.expire(now: 1999, timeout: 1000).isEmpty)
        #expect(window.expire(now: 2000, timeout: 1000).map(\.item) == ["a", "b"])
        #expect(window.isEmpty)
        #expect(!window.isHolding)
        window.connectionLost(now: 3000)  // another failed attempt: still not holding
        #expect(!window.isHolding)
    }

    @Test func holdingStopsAtTheCapacity() {
        var window = InFlightWindow<Int>(capacity: 2)
        _ = window.takeForResend()
        window.connectionLost(now: 0)
        window.hold(1, 1)
        #expect(window.isHolding)
        window.hold(2, 2)
        #expect(!window.isHolding)
    }

    @Test func theServiceStoppingGivesUpEverything() {
        var window = InFlightWindow<Int>()
        window.sent(7, 7)
        window.sent(8, 8)
        #expect(window.giveUpAll().map(\.item) == [7, 8])
        #expect(window.isEmpty)
    }
}
