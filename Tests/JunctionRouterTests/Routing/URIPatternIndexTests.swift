import Testing

@testable import JunctionRouter

@Suite struct URIPatternIndexTests {
    func matches(_ index: URIPatternIndex, _ uri: String) -> Set<UInt64> {
        var ids: Set<UInt64> = []
        index.forEachMatch(of: uri) { ids.insert($0) }
        return ids
    }

    @Test func componentsAreSlicedInPlace() {
        #expect(Array(URIComponentSequence("a.b.c")) == ["a", "b", "c"])
        #expect(Array(URIComponentSequence("a..c")) == ["a", "", "c"])
        #expect(Array(URIComponentSequence("a.")) == ["a", ""])
        #expect(Array(URIComponentSequence("")) == [""])
    }

    @Test func prefixIsAStringPrefix() {
        var index = URIPatternIndex()
        index.insert("com.myapp", match: .prefix, id: 1)
        index.insert("com.myapp.", match: .prefix, id: 2)
        index.insert("com.my", match: .prefix, id: 3)
        index.insert("", match: .prefix, id: 4)
        #expect(self.matches(index, "com.myapp") == [1, 3, 4])
        #expect(self.matches(index, "com.myapp.x") == [1, 2, 3, 4])
        #expect(self.matches(index, "com.myapp2.x") == [1, 3, 4])
        #expect(self.matches(index, "com.m") == [4])
        #expect(self.matches(index, "org.x") == [4])
        #expect(index.bestMatch(for: "com.myapp.x") == 2)
        #expect(index.bestMatch(for: "com.myapp2") == 1)
        index.remove("com.myapp.", match: .prefix)
        #expect(self.matches(index, "com.myapp.x") == [1, 3, 4])
        index.remove("", match: .prefix)
        index.remove("com.my", match: .prefix)
        index.remove("com.myapp", match: .prefix)
        #expect(index.isEmpty)
    }

    @Test func wildcardNeedsTheSameNumberOfComponents() {
        var index = URIPatternIndex()
        index.insert("com..update", match: .wildcard, id: 1)
        index.insert("com.a.", match: .wildcard, id: 2)
        index.insert("..update", match: .wildcard, id: 3)
        #expect(self.matches(index, "com.a.update") == [1, 2, 3])
        #expect(self.matches(index, "com.b.update") == [1, 3])
        #expect(self.matches(index, "com.b.c.update") == [])
        #expect(self.matches(index, "com.update") == [])
        // Most non-empty leading components wins: com.a. (2 leading) over com..update (1).
        #expect(index.bestMatch(for: "com.a.update") == 2)
        #expect(index.bestMatch(for: "org.b.update") == 3)
        index.remove("com.a.", match: .wildcard)
        #expect(index.bestMatch(for: "com.a.update") == 1)
    }

    @Test func equallySpecificWildcardsGoToTheOldestWhateverItsID() {
        var index = URIPatternIndex()
        index.insert("a..", match: .wildcard, id: 2)
        index.insert("a..c", match: .wildcard, id: 900)
        index.insert("..c", match: .wildcard, id: 700)
        index.insert(".b.", match: .wildcard, id: 3)
        // Leading components tie (1): more non-empty components overall wins.
        #expect(index.bestMatch(for: "a.x.c") == 900)
        // Everything ties (0, 1): the older pattern wins, though its id is higher.
        #expect(index.bestMatch(for: "x.b.c") == 700)
        index.remove("..c", match: .wildcard)
        index.insert("..c", match: .wildcard, id: 1)
        #expect(index.bestMatch(for: "x.b.c") == 3)
    }

    @Test func precedenceIsExactThenLongestPrefixThenWildcard() {
        var index = URIPatternIndex()
        index.insert("a.b.c", match: .exact, id: 1)
        index.insert("a.b", match: .prefix, id: 2)
        index.insert("a", match: .prefix, id: 3)
        index.insert("a..c", match: .wildcard, id: 4)
        #expect(index.bestMatch(for: "a.b.c") == 1)
        #expect(index.bestMatch(for: "a.b.d") == 2)
        #expect(index.bestMatch(for: "a.x.c") == 3)
        index.remove("a", match: .prefix)
        #expect(index.bestMatch(for: "a.x.c") == 4)
        #expect(self.matches(index, "a.b.c") == [1, 2, 4])
        #expect(index.id(for: "a..c", match: .wildcard) == 4)
        #expect(index.id(for: "a..c", match: .prefix) == nil)
    }

    @Test func agreesWithLinearMatchingOnRandomPatterns() {
        var generator = SystemRandomNumberGenerator()
        let words = ["a", "b", "c", "ab", ""]
        var index = URIPatternIndex()
        var patterns: [(String, MatchPolicy, UInt64)] = []
        for id in 1...300 {
            let count = Int.random(in: 1...4, using: &generator)
            let policy = [MatchPolicy.exact, .prefix, .wildcard].randomElement(using: &generator)!
            var parts = (0..<count).map { _ in words.randomElement(using: &generator)! }
            if policy == .exact { parts = parts.map { $0.isEmpty ? "x" : $0 } }
            let pattern = parts.joined(separator: ".")
            guard index.id(for: pattern, match: policy) == nil else { continue }
            index.insert(pattern, match: policy, id: UInt64(id))
            patterns.append((pattern, policy, UInt64(id)))
        }
        for _ in 0..<300 {
            let uri = (0..<Int.random(in: 1...4)).map { _ in ["a", "b", "c", "ab", "abc"].randomElement()! }
                .joined(separator: ".")
            let expected = Set(patterns.filter { $0.1.matches(pattern: $0.0, uri: uri) }.map(\.2))
            #expect(self.matches(index, uri) == expected, "\(uri)")
        }
    }
}
