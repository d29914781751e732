import WAMPCore

/// The event history of a realm: for each configured rule, the events published to topics it
/// matches, oldest first, trimmed to the rule's `limit` and `maxAge`; and the streams those topics
/// form (an offset per topic, one epoch for the realm).
///
/// Stored per topic pattern rather than per subscription, so events published before anyone
/// subscribed are kept too; `wamp.subscription.get_events` returns those whose topic the
/// subscription matches, and `SUBSCRIBE.Options._recover` those after a stream position. Each rule
/// keeps, per topic, a contiguous run of the newest events (it trims only from the front), which is
/// what lets recovery decide "nothing missing" by counting. A value type with no I/O.
struct EventHistory {
    struct Entry {
        let sequence: UInt64
        let timestamp: Int64
        let topic: String
        /// Position in the topic's stream (`_offset`).
        let offset: UInt64
        let publication: UInt64
        /// EVENT details shared by every receiver, `_offset` and `_epoch` included.
        let details: WAMPDict
        let payload: Payload
        let filter: PublicationFilter
    }

    let rules: [EventHistoryRule]
    /// Names the history the offsets belong to; a new one whenever history was lost.
    private(set) var epoch: String
    private var entries: [[Entry]]
    private var sequence: UInt64 = 0
    /// The last offset of every stream topic seen (kept after its events are trimmed, so offsets
    /// never restart within an epoch).
    private(set) var offsets: [String: UInt64] = [:]

    init(rules: [EventHistoryRule], epoch: String = RealmSnapshot.newEpoch()) {
        self.rules = rules
        self.epoch = epoch
        self.entries = Array(repeating: [], count: rules.count)
    }

    var isEnabled: Bool { !self.rules.isEmpty }

    /// Whether `topic` is a stream (some rule keeps its events).
    func covers(_ topic: String) -> Bool {
         self.rules.contains { $0.match.matches(pattern: $0.uri, uri: topic) }
    }

    /// The position a publication to `topic` takes, or nil when the topic is not a stream. Call
    /// only for publications that will be `record`ed.
    mutating func advance(_ topic: String) -> StreamPosition? {
        guard self.covers(topic) else { return nil }
        let offset = (self.offsets[topic] ?? 0) + 1
        self.offsets[topic] = offset
        return StreamPosition(offset: offset, epoch: self.epoch)
    }

    /// Takes over the position a cluster gave a publication to `topic` (this history is then a
    /// copy of the cluster's). Another epoch means the cluster's history was lost: what is kept
    /// here belongs to the old one and goes.
    mutating func adoptClusterPosition(_ position: StreamPosition, of topic: String) {
        guard self.covers(topic) else { return }
        if position.epoch != self.epoch {
            self.epoch = position.epoch
            self.offsets = [:]
            self.entries = Array(repeating: [], count: self.rules.count)
        }
        self.offsets[topic] = max(self.offsets[topic] ?? 0, position.offset)
    }

    /// The current position of `topic` (offset 0 when nothing was published to it yet).
    func position(of topic: String) -> StreamPosition {
        StreamPosition(offset: self.offsets[topic] ?? 0, epoch: self.epoch)
    }

    /// Keeps a publication for every rule matching its topic and returns it (nil when no rule
    /// keeps it). Publications that name sessions (`exclude`/`eligible`) are not kept, as the spec
    /// advises, and are not part of the stream.
    @discardableResult
    mutating func record(
        topic: String, offset: UInt64, publication: UInt64, details: WAMPDict, payload: Payload,
        filter: PublicationFilter, now: Int64
    ) -> Entry? {
        guard !filter.namesSessions else { return nil }
        self.sequence += 1
        let entry = Entry(
            sequence: self.sequence, timestamp: now, topic: topic, offset: offset, publication: publication,
            details: details, payload: payload, filter: filter)
        var kept = false
        for (index, rule) in self.rules.enumerated() where rule.match.matches(pattern: rule.uri, uri: topic) {
            self.entries[index].append(entry)
            self.trim(index, now: now)
            kept = true
        }
        return kept ? entry : nil
    }

    /// The smallest sequence any rule still keeps (or the next one when none is kept): everything
    /// older may be deleted from durable storage.
    var oldestKept: UInt64 {
        self.entries.compactMap { $0.first?.sequence }.min() ?? self.sequence + 1
    }

    /// Loads what a store kept: events are replayed through the rules (so changed limits apply),
    /// offsets and epoch are taken over.
    mutating func restore(_ snapshot: RealmSnapshot, now: Int64) {
        self.epoch = snapshot.epoch
        self.offsets = snapshot.offsets
        for event in snapshot.events {
            self.sequence = max(self.sequence, event.sequence - 1)
            self.offsets[event.topic] = max(self.offsets[event.topic] ?? 0, event.offset)
            self.record(
                topic: event.topic, offset: event.offset, publication: event.publication, details: event.details,
                payload: event.payload, filter: PublicationFilter(readers: event.readers), now: now)
        }
    }

    /// Every kept event matching `pattern` (all rules, no duplicates), oldest first.
    private mutating func kept(matching pattern: String, match: MatchPolicy, now: Int64) -> [Entry] {
        var seen: Set<UInt64> = []
        var found: [Entry] = []
        for index in self.entries.indices {
            self.trim(index, now: now)
            for entry in self.entries[index]
            where match.matches(pattern: pattern, uri: entry.topic) && seen.insert(entry.sequence).inserted {
                found.append(entry)
            }
        }
        found.sort { $0.sequence < $1.sequence }
        return found
    }

    /// Events for a subscription pattern that `authid`/`authrole` may read and `query` selects,
    /// in the order `query` asks for.
    mutating func events(
        for pattern: String, match: MatchPolicy, authid: String, authrole: String, query: EventHistoryQuery = .init(),
        now: Int64
    ) -> [Entry] {
        let found = self.kept(matching: pattern, match: match, now: now).filter {
            $0.filter.admitsReader(authid: authid, authrole: authrole)
        }
        return query.apply(to: found)
    }

    /// Decides a `_recover` request for a subscription to `pattern`: the missed events if every
    /// one is still kept, else the current positions. Events the reader may not receive are left
    /// out of the answer by the caller, not counted as missing.
    mutating func recover(_ request: RecoveryRequest, pattern: String, match: MatchPolicy, now: Int64)
        -> RecoveryOutcome
    {
        let kept = self.kept(matching: pattern, match: match, now: now)
        switch request {
        case .single(let position):
            guard self.covers(pattern), let events = self.missed(pattern, after: position, in: kept) else {
                return .incomplete(["offset": .uint(self.offsets[pattern] ?? 0), "epoch": .string(self.epoch)])
            }
            return .recovered(events)
        case .positions(let positions):
            let assumedEpoch = positions.values.first?.epoch ?? self.epoch
            var topics = Set(positions.keys)
            for topic in self.offsets.keys where match.matches(pattern: pattern, uri: topic) { topics.insert(topic) }
            var recovered: [Entry] = []
            var complete = true
            for topic in topics {
                let position = positions[topic] ?? StreamPosition(offset: 0, epoch: assumedEpoch)
                guard match.matches(pattern: pattern, uri: topic), self.covers(topic),
                    let events = self.missed(topic, after: position, in: kept)
                else {
                    complete = false
                    break
                }
                recovered += events
            }
            guard complete else {
                var current: WAMPDict = [:]
                for topic in topics where match.matches(pattern: pattern, uri: topic) {
                    current[topic] = self.position(of: topic).wampValue
                }
                return .incomplete(["positions": .dict(current), "epoch": .string(self.epoch)])
            }
            recovered.sort { $0.sequence < $1.sequence }
            return .recovered(recovered)
        }
    }

    /// The events of `topic` after `position`, or nil when one of them is no longer kept (or the
    /// position is of another epoch, or ahead of the stream).
    private func missed(_ topic: String, after position: StreamPosition, in kept: [Entry]) -> [Entry]? {
        let current = self.offsets[topic] ?? 0
        guard position.epoch == self.epoch, position.offset <= current else { return nil }
        let events = kept.filter { $0.topic == topic && $0.offset > position.offset }
        return events.count == Int(current - position.offset) ? events : nil
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

extension EventHistory.Entry {
    /// The entry as a store keeps it.
    var stored: StoredEvent {
        StoredEvent(
            sequence: self.sequence, timestamp: self.timestamp, topic: self.topic, offset: self.offset,
            publication: self.publication, details: self.details, payload: self.payload,
            readers: self.filter.readerOptions)
    }
}
