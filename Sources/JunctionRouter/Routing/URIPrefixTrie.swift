/// Prefix patterns in a trie over URI components.
///
/// WAMP prefix matching is a plain string prefix (`com.myapp` matches `com.myapp2.x`), so a
/// pattern is stored as its complete leading components (the path in the trie) plus its last,
/// possibly partial or empty, component (a key in that node's `partials`). `com.myapp.` is the
/// path `com`, `myapp` with the partial `""`; `com.my` is the path `com` with the partial `my`.
/// A lookup walks the URI's components and, at each node that holds partials, checks only the
/// prefixes of the URI's next component: it never visits a pattern that cannot match.
struct URIPrefixTrie: Sendable {
    struct Node: Sendable {
        var children: [Substring: Node] = [:]
        var partials: [Substring: UInt64] = [:]
        /// The longest partial here, in Unicode scalars: no longer prefix needs checking.
        var longestPartial = 0

        var isEmpty: Bool { self.children.isEmpty && self.partials.isEmpty }
    }

    private var root = Node()
    private(set) var count = 0

    var isEmpty: Bool { self.count == 0 }

    func id(for pattern: String) -> UInt64? {
        var node = self.root
        let (path, partial) = Self.split(pattern)
        for component in path {
            guard let child = node.children[component] else { return nil }
            node = child
        }
        return node.partials[partial]
    }

    mutating func insert(_ pattern: String, id: UInt64) {
        let (path, partial) = Self.split(pattern)
        if Self.insert(into: &self.root, path: path[...], partial: partial, id: id) { self.count += 1 }
    }

    mutating func remove(_ pattern: String) {
        let (path, partial) = Self.split(pattern)
        if Self.remove(from: &self.root, path: path[...], partial: partial) { self.count -= 1 }
    }

    /// Calls `body` with each matching pattern's id and length (in scalars of its last component
    /// plus depth), shortest pattern first.
    func forEachMatch(of uri: String, _ body: (UInt64, Int) -> Void) {
        var node = self.root
        var depth = 0
        for component in URIComponentSequence(uri) {
            if !node.partials.isEmpty {
                Self.forEachPartial(in: node, matching: component) { id in body(id, depth) }
            }
            guard let child = node.children[component] else { return }
            node = child
            depth += 1
        }
    }

    private static func forEachPartial(in node: Node, matching component: Substring, _ body: (UInt64) -> Void) {
        let scalars = component.unicodeScalars
        var end = scalars.startIndex
        var length = 0
        while true {
            if let id = node.partials[component[component.startIndex..<end]] { body(id) }
            guard end != scalars.endIndex, length < node.longestPartial else { return }
            scalars.formIndex(after: &end)
            length += 1
        }
    }

    /// Splits a pattern into its complete leading components and its last component. Only at
    /// SUBSCRIBE/REGISTER time, never per message.
    private static func split(_ pattern: String) -> (path: [Substring], partial: Substring) {
        var components = Array(URIComponentSequence(pattern))
        let partial = components.removeLast()
        return (components, partial)
    }

    private static func insert(into node: inout Node, path: ArraySlice<Substring>, partial: Substring, id: UInt64)
        -> Bool
    {
        guard let first = path.first else {
            let added = node.partials.updateValue(id, forKey: partial) == nil
            node.longestPartial = max(node.longestPartial, partial.unicodeScalars.count)
            return added
        }
        return Self.insert(into: &node.children[first, default: Node()], path: path.dropFirst(), partial: partial, id: id)
    }

    private static func remove(from node: inout Node, path: ArraySlice<Substring>, partial: Substring) -> Bool {
        guard let first = path.first else {
            guard node.partials.removeValue(forKey: partial) != nil else { return false }
            node.longestPartial = node.partials.keys.map { $0.unicodeScalars.count }.max() ?? 0
            return true
        }
        guard var child = node.children[first] else { return false }
        let removed = Self.remove(from: &child, path: path.dropFirst(), partial: partial)
        node.children[first] = child.isEmpty ? nil : child
        return removed
    }
}
