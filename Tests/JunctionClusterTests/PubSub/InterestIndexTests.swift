import JunctionCluster
import JunctionRouter
import Testing

struct InterestIndexTests {
    @Test func answersForExactPrefixAndWildcardInterestPerRealm() {
        var index = InterestIndex()
        let answer1 = index.wants(realm: "r", topic: "a.b")
        #expect(!answer1)
        index.set(node: "n1", interests: [.init(realm: "r", match: .prefix, topic: "a.")])
        let answer2 = index.wants(realm: "r", topic: "a.b")
        #expect(answer2)
        let answer3 = index.wants(realm: "other", topic: "a.b")
        #expect(!answer3)
        index.set(node: "n2", interests: [.init(realm: "r", match: .wildcard, topic: "x..z")])
        let answer4 = index.wants(realm: "r", topic: "x.y.z")
        #expect(answer4)
        let answer5 = index.wants(realm: "r", topic: "x.y")
        #expect(!answer5)
        index.remove(node: "n1")
        let answer6 = index.wants(realm: "r", topic: "a.b")
        #expect(!answer6, "the cached answer survived the node's removal")
    }

    @Test func encodingRoundTripsAndSkipsBadLines() {
        let interests: Set<InterestIndex.Interest> = [
            .init(realm: "r", match: .exact, topic: "a.b"), .init(realm: "r2", match: .prefix, topic: "c"),
        ]
        #expect(InterestIndex.decode(InterestIndex.encode(interests)).interests == interests)
        let (parsed, rejected) = InterestIndex.decode("r\texact\tt\nbroken\nr\tfuzzy\tt\n\tprefix\tt")
        #expect(parsed == [.init(realm: "r", match: .exact, topic: "t")])
        #expect(rejected == 3)
    }

    /// Lines split on the LF scalar: a topic ending in CR used to swallow the next line break (as
    /// one "\r\n" Character), so the list did not decode to what was encoded.
    @Test func aTopicEndingInCarriageReturnKeepsTheNextLine() {
        let interests: Set<InterestIndex.Interest> = [
            .init(realm: "r", match: .exact, topic: "a\r"), .init(realm: "r", match: .exact, topic: "b"),
        ]
        let decoded = InterestIndex.decode(InterestIndex.encode(interests))
        #expect(decoded.interests == interests)
        #expect(decoded.rejected == 0)
    }
}
