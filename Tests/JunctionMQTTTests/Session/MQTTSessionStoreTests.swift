import Testing

@testable import JunctionMQTT

@Suite struct MQTTSessionStoreTests {
    final class Owner {}

    @Test func claimReturnsThePreviousOwner() {
        var store = MQTTSessionStore<Owner>()
        let first = Owner()
        let second = Owner()
        #expect(store.claim("c", by: first) == nil)
        #expect(store.claim("c", by: second) === first)
        // The first owner ends later: the id stays with the second.
        store.release("c", by: first)
        #expect(store.owner(of: "c") === second)
        store.release("c", by: second)
        #expect(store.owner(of: "c") == nil)
        #expect(store.sessionCount == 0)
    }

    @Test func exactlyOneMemberOfAGroupIsChosen() {
        var store = MQTTSessionStore<Owner>()
        for member in [7, 8, 9] as [UInt64] { store.join(group: "g", member: member) }
        for publication in 0..<100 as Range<UInt64> {
            let chosen = [7, 8, 9].filter { store.isChosen(group: "g", member: $0, publication: publication) }
            #expect(chosen.count == 1)
        }
        store.leave(group: "g", member: 8)
        #expect(store.members(of: "g") == [7, 9])
        #expect(!store.isChosen(group: "g", member: 8, publication: 1))
    }
}
