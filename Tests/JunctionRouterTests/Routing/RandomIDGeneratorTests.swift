import Testing
import WAMPCore

@testable import JunctionRouter

@Suite struct RandomIDGeneratorTests {
    /// A source that returns `values` in order, then keeps returning the last one.
    static func source(_ values: [UInt64]) -> RandomIDGenerator {
        var remaining = values[...]
        return RandomIDGenerator {
            remaining.count > 1 ? remaining.removeFirst() : remaining.first!
        }
    }

    @Test func drawsAgainWhileTheIDIsInUseOrInvalid() {
        let ids = Self.source([0, WAMPID.maximum + 1, 7, 7, 9])
        #expect(ids.next { $0 == 7 } == 9)
    }

    @Test func systemIDsAreValid() {
        let ids = RandomIDGenerator()
        for _ in 0..<1000 { #expect(WAMPID.isValid(ids.next { _ in false })) }
    }

    @Test func brokerRetriesOnACollisionWithALiveSubscription() {
        var broker = Broker(ids: Self.source([42, 42, 42, 1 << 40]))
        let first = broker.subscribe(session: 1, topic: "a", match: .exact, now: "")
        let second = broker.subscribe(session: 1, topic: "b", match: .exact, now: "")
        #expect(first.id == 42)
        #expect(second.id == 1 << 40)
        // Once the first subscription is gone its id may be drawn again.
        #expect(broker.unsubscribe(session: 1, subscription: 42).deleted)
        var reuse = Broker(ids: Self.source([5, 5]))
        _ = reuse.subscribe(session: 1, topic: "a", match: .exact, now: "")
        _ = reuse.unsubscribe(session: 1, subscription: 5)
        #expect(reuse.subscribe(session: 1, topic: "b", match: .exact, now: "").id == 5)
    }

    @Test func dealerRetriesOnACollisionWithALiveRegistration() {
        var dealer = Dealer(ids: Self.source([3, 3, 3, 11]))
        let callee = Dealer.Callee(session: 1, discloseCaller: false, forwardTimeout: false)
        let first = dealer.register(
            session: 1, procedure: "p", match: .exact, invoke: .single, callee: callee, now: "")
        let second = dealer.register(
            session: 1, procedure: "q", match: .exact, invoke: .single, callee: callee, now: "")
        #expect(first == .registered(3, created: true))
        #expect(second == .registered(11, created: true))
        #expect(dealer.registration(for: "q")?.id == 11)
    }
}
