import JunctionRouter

/// Which topics other nodes' subscribers want, so a node publishes to Redis only what some other
/// node will deliver. Each node keeps its own list in Redis under a key with a TTL (refreshed every
/// heartbeat, so a dead node's interest expires by itself); this is the reader's copy.
public struct InterestIndex: Sendable {
    public struct Interest: Sendable, Hashable {
        public var realm: String
        public var match: MatchPolicy
        public var topic: String

        public init(realm: String, match: MatchPolicy, topic: String) {
            self.realm = realm
            self.match = match
            self.topic = topic
        }
    }

    private var byNode: [String: Set<Interest>] = [:]
    /// Answers already computed for (realm, topic); cleared whenever any node's list changes.
    private var cache: [String: [String: Bool]] = [:]

    public init() {}

    public var nodes: [String] { Array(self.byNode.keys) }

    /// Replaces `node`'s list; returns whether it changed.
    @discardableResult
    public mutating func set(node: String, interests: Set<Interest>) -> Bool {
        guard self.byNode[node] != interests else { return false }
        self.byNode[node] = interests.isEmpty ? nil : interests
        self.cache.removeAll(keepingCapacity: true)
        return true
    }

    public mutating func remove(node: String) {
        if self.byNode.removeValue(forKey: node) != nil { self.cache.removeAll(keepingCapacity: true) }
    }

    /// Whether a subscriber on another node may want this publication.
    public mutating func wants(realm: String, topic: String) -> Bool {
        if let known = self.cache[realm]?[topic] { return known }
        let answer = self.byNode.values.contains { interests in
            interests.contains { $0.realm == realm && $0.match.matches(pattern: $0.topic, uri: topic) }
        }
        self.cache[realm, default: [:]][topic] = answer
        return answer
    }

    /// The list as stored in Redis: one `realm TAB match TAB topic` line per interest, sorted so
    /// an unchanged list is an unchanged string. URIs never contain tabs or newlines.
    public static func encode(_ interests: Set<Interest>) -> String {
        interests.map { "\($0.realm)\t\($0.match.rawValue)\t\($0.topic)" }.sorted().joined(separator: "\n")
    }

    /// Lines that do not parse are skipped (and counted by the caller through the return value).
    public static func decode(_ text: String) -> (interests: Set<Interest>, rejected: Int) {
        var interests = Set<Interest>()
        var rejected = 0
        // Lines split on the LF scalar: split on Characters, a CR ending a topic would join the
        // LF into one "\r\n" Character and two lines into one.
        for line in text.unicodeScalars.split(separator: "\n").map(Substring.init) {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 3, let match = MatchPolicy(rawValue: String(parts[1])), !parts[0].isEmpty else {
                rejected += 1
                continue
            }
            interests.insert(Interest(realm: String(parts[0]), match: match, topic: String(parts[2])))
        }
        return (interests, rejected)
    }
}
