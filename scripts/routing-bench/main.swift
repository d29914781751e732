// Routing micro-benchmark: ns per publish matched against 10 000 pattern subscriptions, with the
// router's URIPatternIndex (tries) and with the linear scan it replaced (MatchPolicy.matches over
// every pattern). Built by scripts/routing-bench.sh with `swiftc -O` from the router's own sources.
#if canImport(Glibc)
import Glibc
#endif

func nanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

var generator = SystemRandomNumberGenerator()
let words = (0..<40).map { "w\($0)" }
var patterns: [(String, MatchPolicy)] = []
var index = URIPatternIndex()
var id: UInt64 = 0
while patterns.count < 10_000 {
    let depth = Int.random(in: 2...5, using: &generator)
    var parts = (0..<depth).map { _ in words.randomElement(using: &generator)! }
    let policy: MatchPolicy = Bool.random(using: &generator) ? .prefix : .wildcard
    if policy == .wildcard {
        for i in 1..<depth where Int.random(in: 0..<3, using: &generator) == 0 { parts[i] = "" }
    }
    let pattern = "com.app." + parts.joined(separator: ".")
    guard index.id(for: pattern, match: policy) == nil else { continue }
    id += 1
    index.insert(pattern, match: policy, id: id)
    patterns.append((pattern, policy))
}
let topics = (0..<1000).map { _ in
    "com.app." + (0..<Int.random(in: 2...5)).map { _ in words.randomElement()! }.joined(separator: ".")
}

func measure(_ label: String, rounds: Int, _ body: (String) -> Int) {
    var sink = 0
    for topic in topics.prefix(50) { sink &+= body(topic) }  // warm-up
    let start = nanoseconds()
    for round in 0..<rounds { sink &+= body(topics[round % topics.count]) }
    let elapsed = nanoseconds() - start
    print("\(label): \(elapsed / UInt64(rounds)) ns/publish (matches checksum \(sink))")
}

measure("linear scan (before)", rounds: 2_000) { topic in
    var matches = 0
    for (pattern, policy) in patterns where policy.matches(pattern: pattern, uri: topic) { matches += 1 }
    return matches
}
measure("URIPatternIndex tries (after)", rounds: 200_000) { topic in
    var matches = 0
    index.forEachMatch(of: topic) { _ in matches += 1 }
    return matches
}
