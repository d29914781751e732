import WAMPCore

/// Several history topics of a realm as Redis had them at one instant: what a pattern `_recover`
/// and `wamp.subscription.get_events` read on a clustered realm, so a node that was away answers
/// as completely as the others.
public struct ClusterPatternRead: Sendable {
    public var epoch: String
    /// Per topic read: its current offset and the kept events after the offset asked for (the
    /// read's epoch is `epoch`).
    public var topics: [String: ClusterStreamRead]

    public init(epoch: String, topics: [String: ClusterStreamRead]) {
        self.epoch = epoch
        self.topics = topics
    }

    /// Decides a pattern recovery as one node's history does (`EventHistory.recover`): every
    /// listed topic, and every history topic the cluster knows that matches the pattern (from
    /// its beginning, in the listed positions' epoch, when not listed), must be recovered
    /// complete; otherwise the current positions of the matching topics go back.
    /// `covers`: whether a topic is a history topic; `oldest`: a topic's age limit (wall ms).
    func recover(
        _ positions: [String: StreamPosition], pattern: String, match: MatchPolicy, covers: (String) -> Bool,
        oldest: (String) -> Int64?
    ) -> ClusterPatternDecision {
        let assumedEpoch = positions.values.first?.epoch ?? self.epoch
        var topics = Set(positions.keys)
        for topic in self.topics.keys where match.matches(pattern: pattern, uri: topic) && covers(topic) {
            topics.insert(topic)
        }
        var perTopic: [[ClusterTopicEvent]] = []
        for topic in topics.sorted() {
            let position = positions[topic] ?? StreamPosition(offset: 0, epoch: assumedEpoch)
            let read = self.topics[topic] ?? ClusterStreamRead(epoch: self.epoch, current: 0, events: [])
            guard match.matches(pattern: pattern, uri: topic), covers(topic),
                case .recovered(let events) = read.recover(after: position, oldest: oldest(topic))
            else {
                var current: WAMPDict = [:]
                for topic in topics where match.matches(pattern: pattern, uri: topic) {
                    current[topic] = StreamPosition(offset: self.topics[topic]?.current ?? 0, epoch: self.epoch)
                        .wampValue
                }
                return .incomplete(["positions": .dict(current), "epoch": .string(self.epoch)])
            }
            perTopic.append(events.map { ClusterTopicEvent(topic: topic, event: $0) })
        }
        return .recovered(Self.interleave(perTopic))
    }

    /// Every kept event of the topics matching `pattern` that `covers` admits and that is not
    /// older than `oldest` allows, for `get_events`.
    func kept(
        pattern: String, match: MatchPolicy, covers: (String) -> Bool, oldest: (String) -> Int64?
    ) -> [ClusterTopicEvent] {
        var perTopic: [[ClusterTopicEvent]] = []
        for (topic, read) in self.topics.sorted(by: { $0.key < $1.key })
        where match.matches(pattern: pattern, uri: topic) && covers(topic) {
            let limit = oldest(topic)
            perTopic.append(
                read.events.filter { event in limit.map { event.timestamp >= $0 } ?? true }
                    .map { ClusterTopicEvent(topic: topic, event: $0) })
        }
        return Self.interleave(perTopic)
    }

    /// Merges per-topic lists (each in offset order) into one, in the order Redis took the
    /// publications (their realm-wide `order`; publication time for entries without one), without
    /// ever reordering a topic. Ties go to the earlier list.
    static func interleave(_ lists: [[ClusterTopicEvent]]) -> [ClusterTopicEvent] {
        var heads = Array(repeating: 0, count: lists.count)
        var merged: [ClusterTopicEvent] = []
        merged.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        while true {
            var best: Int?
            for index in lists.indices where heads[index] < lists[index].count {
                if let current = best,
                    !Self.precedes(lists[index][heads[index]].event, lists[current][heads[current]].event)
                {
                    continue
                }
                best = index
            }
            guard let best else { return merged }
            merged.append(lists[best][heads[best]])
            heads[best] += 1
        }
    }
}

extension ClusterPatternRead {
    private static func precedes(_ event: ClusterStreamEvent, _ other: ClusterStreamEvent) -> Bool {
        if let order = event.order, let otherOrder = other.order { return order < otherOrder }
        return event.timestamp < other.timestamp
    }
}

/// One kept event of a cluster stream, with its topic.
struct ClusterTopicEvent {
    let topic: String
    let event: ClusterStreamEvent
}

/// The answer to a pattern `_recover` read from the cluster.
enum ClusterPatternDecision {
    /// Every missed event of every topic, in publication-time order (each topic in offset order).
    case recovered([ClusterTopicEvent])
    /// Something is gone: `{"positions": {topic: {offset, epoch}}, "epoch": E}` for the ERROR.
    case incomplete(WAMPDict)
}
