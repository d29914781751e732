/// Maps subscription or registration patterns (exact, prefix, wildcard) to their ids, and answers
/// "which patterns match this concrete URI" without looking at patterns that cannot match.
///
/// Exact patterns live in a dictionary; prefix and wildcard patterns in tries keyed on URI
/// components (`URIPrefixTrie`, `URIWildcardTrie`). A lookup walks the URI's components once,
/// slicing it in place (no array of components is allocated per message), so its cost depends on
/// the URI's length and the patterns along its path, not on how many patterns exist.
///
/// The one implementation of WAMP's precedence ("which pattern wins"): the dealer picks a
/// registration with it and a role's permission rules are compiled into it (`PermissionIndex`).
///
/// A value type with no I/O, owned by the broker or the dealer on the realm's event loop.
struct URIPatternIndex: Sendable {
    private var exact: [String: UInt64] = [:]
    private var prefix = URIPrefixTrie()
    private var wildcard = URIWildcardTrie()
    /// Counts insertions, so equally specific wildcard patterns rank by age, not by id (ids are
    /// random).
    private var insertions: UInt64 = 0

    /// Whether no pattern is stored.
    var isEmpty: Bool { self.exact.isEmpty && self.prefix.isEmpty && self.wildcard.isEmpty }

    /// The id stored for exactly this pattern and policy (not a match against a URI).
    func id(for pattern: String, match: MatchPolicy) -> UInt64? {
        switch match {
        case .exact: return self.exact[pattern]
        case .prefix: return self.prefix.id(for: pattern)
        case .wildcard: return self.wildcard.id(for: pattern)
        }
    }

    /// Stores `id` for `pattern`, replacing any id stored for the same pattern and policy.
    mutating func insert(_ pattern: String, match: MatchPolicy, id: UInt64) {
        switch match {
        case .exact: self.exact[pattern] = id
        case .prefix: self.prefix.insert(pattern, id: id)
        case .wildcard:
            self.wildcard.insert(pattern, id: id, order: self.insertions)
            self.insertions += 1
        }
    }

    mutating func remove(_ pattern: String, match: MatchPolicy) {
        switch match {
        case .exact: self.exact[pattern] = nil
        case .prefix: self.prefix.remove(pattern)
        case .wildcard: self.wildcard.remove(pattern)
        }
    }

    /// Calls `body` with the id of every pattern matching `uri` (the broker: every matching
    /// subscription gets the event). Order: exact, then prefix patterns from shortest to longest,
    /// then wildcard patterns.
    func forEachMatch(of uri: String, _ body: (UInt64) -> Void) {
        if !self.exact.isEmpty, let id = self.exact[uri] { body(id) }
        if !self.prefix.isEmpty { self.prefix.forEachMatch(of: uri) { id, _ in body(id) } }
        if !self.wildcard.isEmpty { self.wildcard.forEachMatch(of: uri) { entry, _ in body(entry.id) } }
    }

    /// The single pattern that wins for `uri` (the dealer): exact, else the longest prefix, else
    /// the wildcard with the most non-empty leading components (ties: the most non-empty
    /// components overall, then the oldest pattern).
    func bestMatch(for uri: String) -> UInt64? {
        if !self.exact.isEmpty, let id = self.exact[uri] { return id }
        var best: UInt64?
        if !self.prefix.isEmpty {
            // Matches come shortest first, so the last one is the longest prefix.
            self.prefix.forEachMatch(of: uri) { id, _ in best = id }
            if best != nil { return best }
        }
        guard !self.wildcard.isEmpty else { return nil }
        var bestRank: (leading: Int, total: Int, entry: URIWildcardTrie.Entry)?
        self.wildcard.forEachMatch(of: uri) { entry, rank in
            let candidate = (leading: rank.leading, total: rank.total, entry: entry)
            guard let current = bestRank else {
                bestRank = candidate
                return
            }
            if (candidate.leading, candidate.total, UInt64.max - candidate.entry.order)
                > (current.leading, current.total, UInt64.max - current.entry.order)
            {
                bestRank = candidate
            }
        }
        return bestRank?.entry.id
    }
}

/// Iterates the `.`-separated components of a URI as substrings of it: no copies, no array.
struct URIComponentSequence: Sequence, IteratorProtocol {
    private let uri: Substring
    private var position: Substring.Index
    private var finished = false

    init(_ uri: String) {
        self.uri = uri[...]
        self.position = self.uri.startIndex
    }

    init(_ uri: Substring) {
        self.uri = uri
        self.position = uri.startIndex
    }

    mutating func next() -> Substring? {
        guard !self.finished else { return nil }
        let utf8 = self.uri.utf8
        var end = self.position
        while end != utf8.endIndex, utf8[end] != UInt8(ascii: ".") {
            end = utf8.index(after: end)
        }
        let component = self.uri[self.position..<end]
        if end == utf8.endIndex {
            self.finished = true
        } else {
            self.position = utf8.index(after: end)
        }
        return component
    }
}
