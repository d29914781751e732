import WAMPCore

/// The event history of a realm: for each configured rule, the events published to topics it
/// matches, oldest first, trimmed to the rule's `limit` and `maxAge`.
///
/// Stored per topic pattern rather than per subscription, so events published before anyone
/// subscribed are kept too; `wamp.subscription.get_events` returns those whose topic the
/// subscription matches. A value type with no I/O.
struct EventHistory {
    struct Entry {
        let sequence: UInt64
        let timestamp: Int64
        let topic: String
        let publication: UInt64
        let details: WAMPDict
        let payload: Payload
        let filter: PublicationFilter
    }

    let rules: [EventHistoryRule]
    private var entries: [[Entry]]
    private var sequence: UInt64 = 0

    init(rules: [EventHistoryRule]) {
        self.rules = rules
        self.entries = Array(repeating: [], count: rules.count)
    }

    var isEnabled: Bool { !self.rules.isEmpty }

    /// Keeps a publication for every rule matching its topic. Publications that name sessions
    /// (`exclude`/`eligible`) are not kept, as the spec advises.
    mutating func record(
        topic: String, publication: UInt64, details: WAMPDict, payload: Payload, filter: PublicationFilter, now: Int64
    ) {
        guard !filter.namesSessions else { return }
        self.sequence += 1
        for (index, rule) in self.rules.enumerated() where rule.match.matches(pattern: rule.uri, uri: topic) {
            self.entries[index].append(
                Entry(
                    sequence: self.sequence, timestamp: now, topic: topic, publication: publication, details: details,
                    payload: payload, filter: filter))
            self.trim(index, now: now)
        }
    }

    /// Events for a subscription pattern that `authid`/`authrole` may read, oldest first; with
    /// `limit`, only the most recent `limit` of them.
    mutating func events(
        for pattern: String, match: MatchPolicy, authid: String, authrole: String, limit: Int?, now: Int64
    ) -> [Entry] {
        var seen: Set<UInt64> = []
        var found: [Entry] = []
        for index in self.entries.indices {
            self.trim(index, now: now)
            for entry in self.entries[index]
            where match.matches(pattern: pattern, uri: entry.topic)
                && entry.filter.admitsReader(authid: authid, authrole: authrole)
                && seen.insert(entry.sequence).inserted
            {
                found.append(entry)
            }
        }
        found.sort { $0.sequence < $1.sequence }
        if let limit, found.count > limit { found.removeFirst(found.count - limit) }
        return found
    }

    private mutating func trim(_ index: Int, now: Int64) {
        let rule = self.rules[index]
        let limit = rule.limit ?? (rule.maxAge == nil ? EventHistoryRule.defaultLimit : Int.max)
        if self.entries[index].count > limit {
            self.entries[index].removeFirst(self.entries[index].count - limit)
        }
        if let maxAge = rule.maxAge {
            let oldest = now - Int64(maxAge) * 1000
            if let keep = self.entries[index].firstIndex(where: { $0.timestamp >= oldest }) {
                self.entries[index].removeFirst(keep)
            } else {
                self.entries[index].removeAll()
            }
        }
    }
}
