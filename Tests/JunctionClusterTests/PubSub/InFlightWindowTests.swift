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

    @Test func withoutRedisForLongerThanTheTimeoutEverythingIsGivenUp() {
        var window = InFlightWindow<String>()
        window.sent(1, "a")
        window.connectionLost(now: 1000)
        window.connectionLost(now: 1500)  // a failed reconnect: still lost since 1000
        #expect(window.expire(now: 1999, timeout: 1000).isEmpty)
        #expect(window.expire(now: 2000, timeout: 1000).map(\.item) == ["a"])
        #expect(window.isEmpty)
        // Nothing in flight: a lost connection starts no clock.
        window.connectionLost(now: 3000)
        window.sent(2, "b")
        #expect(window.expire(now: 9000, timeout: 1000).isEmpty)
    }

    @Test func theServiceStoppingGivesUpEverything() {
        var window = InFlightWindow<Int>()
        window.sent(7, 7)
        window.sent(8, 8)
        #expect(window.giveUpAll().map(\.item) == [7, 8])
        #expect(window.isEmpty)
    }
}
