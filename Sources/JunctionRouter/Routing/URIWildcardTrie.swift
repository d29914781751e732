/// Wildcard patterns in a trie over URI components; an empty component (`com..update`) is the
/// wildcard edge, stored under the key `""`.
///
/// A lookup follows, at each of the URI's components, the edge with that exact name and the
/// wildcard edge, so it visits only trie paths that can still match. A pattern matches URIs with
/// exactly its number of components.
struct URIWildcardTrie: Sendable {
    /// A stored pattern: its id, and when it was inserted (ties between equally specific patterns
    /// go to the oldest, whatever its id).
    struct Entry: Sendable, Hashable {
        var id: UInt64
        var order: UInt64
    }

    struct Node: Sendable {
        var children: [Substring: Node] = [:]
        var entry: Entry?

        var isEmpty: Bool { self.children.isEmpty && self.entry == nil }
    }

    /// How specific a matching pattern is: non-empty components before its first wildcard, and
    /// non-empty components overall.
    struct Rank: Sendable, Hashable {
        var leading: Int
        var total: Int
    }

    private var root = Node()
    private(set) var count = 0

    var isEmpty: Bool { self.count == 0 }

    func id(for pattern: String) -> UInt64? {
        var node = self.root
        for component in URIComponentSequence(pattern) {
            guard let child = node.children[component] else { return nil }
            node = child
        }
        return node.entry?.id
    }

    /// Stores `id` for `pattern`; `order` breaks ties in `URIPatternIndex.bestMatch` (lower wins).
    mutating func insert(_ pattern: String, id: UInt64, order: UInt64) {
        let path = Array(URIComponentSequence(pattern))
        if Self.insert(into: &self.root, path: path[...], entry: Entry(id: id, order: order)) { self.count += 1 }
    }

    mutating func remove(_ pattern: String) {
        let path = Array(URIComponentSequence(pattern))
        if Self.remove(from: &self.root, path: path[...]) { self.count -= 1 }
    }

    func forEachMatch(of uri: String, _ body: (Entry, Rank) -> Void) {
        var components = URIComponentSequence(uri)
        Self.walk(self.root, &components, rank: Rank(leading: 0, total: 0), wildcardSeen: false, body)
    }

    private static func walk(
        _ node: Node, _ components: inout URIComponentSequence, rank: Rank, wildcardSeen: Bool,
        _ body: (Entry, Rank) -> Void
    ) {
        guard let component = components.next() else {
            if let entry = node.entry { body(entry, rank) }
            return
        }
        if !component.isEmpty, let child = node.children[component] {
            var rest = components
            let next = Rank(leading: wildcardSeen ? rank.leading : rank.leading + 1, total: rank.total + 1)
            Self.walk(child, &rest, rank: next, wildcardSeen: wildcardSeen, body)
        }
        if let child = node.children[""] {
            var rest = components
            Self.walk(child, &rest, rank: rank, wildcardSeen: true, body)
        }
    }

    private static func insert(into node: inout Node, path: ArraySlice<Substring>, entry: Entry) -> Bool {
        guard let first = path.first else {
            defer { node.entry = entry }
            return node.entry == nil
        }
        return Self.insert(into: &node.children[first, default: Node()], path: path.dropFirst(), entry: entry)
    }

    private static func remove(from node: inout Node, path: ArraySlice<Substring>) -> Bool {
        guard let first = path.first else {
            defer { node.entry = nil }
            return node.entry != nil
        }
        guard var child = node.children[first] else { return false }
        let removed = Self.remove(from: &child, path: path.dropFirst())
        node.children[first] = child.isEmpty ? nil : child
        return removed
    }
}
