import Testing

@testable import JunctionRouter

/// Per-publisher order while publications wait for Redis, without a realm.
@Suite struct PublisherOrderTests {
    @Test func aPublicationQueuedBehindAWaitingOneRunsOnlyAfterIt() {
        var order = PublisherOrder<String>()
        #expect(!order.isWaiting(1))
        let r1 = order.enqueue(1, "not waiting: run at once")
        #expect(!r1)
        let first = order.reserve(1)
        #expect(order.isWaiting(1))
        let r2 = order.enqueue(1, "plain after history")
        #expect(r2)
        let second = order.reserve(1)
        let r3 = order.enqueue(1, "plain after the second")
        #expect(r3)
        // The second settles first: nothing may run before the first.
        let r4 = order.settle(1, ticket: second, action: "history 2")
        #expect(r4.isEmpty)
        let r5 = order.settle(1, ticket: first, action: "history 1")
        #expect(r5 == [
            "history 1", "plain after history", "history 2", "plain after the second",
        ])
        #expect(!order.isWaiting(1))
        #expect(order.count == 0)
    }

    @Test func aRefusedPublicationReleasesWhatWaitsBehindIt() {
        var order = PublisherOrder<String>()
        let ticket = order.reserve(1)
        let r6 = order.enqueue(1, "later")
        #expect(r6)
        let r7 = order.settle(1, ticket: ticket, action: nil)
        #expect(r7 == ["later"])
        #expect(!order.isWaiting(1))
    }

    @Test func otherPublishersAreNotHeldBack() {
        var order = PublisherOrder<String>()
        let ticket = order.reserve(1)
        #expect(!order.isWaiting(2))
        let r8 = order.enqueue(2, "another publisher")
        #expect(!r8)
        let r9 = order.settle(2, ticket: ticket, action: "wrong publisher")
        #expect(r9.isEmpty)
        let r10 = order.settle(1, ticket: 999, action: "unknown ticket")
        #expect(r10.isEmpty)
        let r11 = order.settle(1, ticket: ticket, action: "mine")
        #expect(r11 == ["mine"])
    }
}
