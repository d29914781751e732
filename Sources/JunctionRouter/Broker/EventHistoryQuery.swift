import WAMPCore

/// The filters of `wamp.subscription.get_events` (the spec's Event History, plus Junction's
/// `after_offset`), combined with logical AND.
///
/// Times are RFC 3339 strings on the wire and milliseconds here. The `*_publication` filters find
/// the event with that publication id among the kept ones and cut before or after it; an id that
/// is not kept selects nothing on that side. `limit` keeps the first `limit` events in traversal
/// order when a lower bound (`from_*`, `after_*`) is given or `reverse` is set — the spec's
/// pagination — and the most recent `limit` otherwise.
struct EventHistoryQuery: Sendable, Hashable {
    var fromTime: Int64?
    var afterTime: Int64?
    var beforeTime: Int64?
    var untilTime: Int64?
    var fromPublication: UInt64?
    var afterPublication: UInt64?
    var beforePublication: UInt64?
    var untilPublication: UInt64?
    var afterOffset: UInt64?
    var topic: String?
    var reverse = false
    var limit: Int?

    init() {}

    /// Reads the call's keyword arguments; the error names the offending key.
    init(kwargs: WAMPDict, positionalLimit: WAMPValue?) throws(QueryError) {
        func time(_ key: String) throws(QueryError) -> Int64? {
            guard let value = kwargs[key], !value.isNull else { return nil }
            guard let text = value.stringValue, let milliseconds = RFC3339.milliseconds(text) else {
                throw QueryError(key: key, expected: "an RFC 3339 timestamp")
            }
            return milliseconds
        }
        func id(_ key: String) throws(QueryError) -> UInt64? {
            guard let value = kwargs[key], !value.isNull else { return nil }
            guard let id = value.unsignedInteger else { throw QueryError(key: key, expected: "a non-negative integer") }
            return id
        }
        self.fromTime = try time("from_time")
        self.afterTime = try time("after_time")
        self.beforeTime = try time("before_time")
        self.untilTime = try time("until_time")
        self.fromPublication = try id("from_publication")
        self.afterPublication = try id("after_publication")
        self.beforePublication = try id("before_publication")
        self.untilPublication = try id("until_publication")
        self.afterOffset = try id("after_offset")
        if let topic = kwargs["topic"], !topic.isNull {
            guard let text = topic.stringValue else { throw QueryError(key: "topic", expected: "a URI") }
            self.topic = text
        }
        if let reverse = kwargs["reverse"], !reverse.isNull {
            guard let flag = reverse.boolValue else { throw QueryError(key: "reverse", expected: "a boolean") }
            self.reverse = flag
        }
        if let limit = kwargs["limit"] ?? positionalLimit, !limit.isNull {
            guard let count = limit.unsignedInteger else { throw QueryError(key: "limit", expected: "a positive integer") }
            self.limit = Int(min(count, UInt64(Int.max)))
        }
    }

    struct QueryError: Error, Hashable {
        var key: String
        var expected: String
    }

    private var hasLowerBound: Bool {
        self.fromTime != nil || self.afterTime != nil || self.fromPublication != nil || self.afterPublication != nil
            || self.afterOffset != nil
    }

    /// Selects from `entries` (oldest first) and orders the result.
    func apply(to entries: [EventHistory.Entry]) -> [EventHistory.Entry] {
        var lower = entries.startIndex
        var upper = entries.endIndex
        func index(of publication: UInt64) -> Int? { entries.firstIndex { $0.publication == publication } }
        if let publication = self.fromPublication { lower = max(lower, index(of: publication) ?? entries.endIndex) }
        if let publication = self.afterPublication {
            lower = max(lower, index(of: publication).map { $0 + 1 } ?? entries.endIndex)
        }
        if let publication = self.beforePublication { upper = min(upper, index(of: publication) ?? entries.startIndex) }
        if let publication = self.untilPublication {
            upper = min(upper, index(of: publication).map { $0 + 1 } ?? entries.startIndex)
        }
        guard lower < upper else { return [] }
        var selected = entries[lower..<upper].filter { entry in
            if let time = self.fromTime, entry.timestamp < time { return false }
            if let time = self.afterTime, entry.timestamp <= time { return false }
            if let time = self.beforeTime, entry.timestamp >= time { return false }
            if let time = self.untilTime, entry.timestamp > time { return false }
            if let offset = self.afterOffset, entry.offset <= offset { return false }
            if let topic = self.topic, entry.topic != topic { return false }
            return true
        }
        if self.reverse { selected.reverse() }
        if let limit = self.limit, selected.count > limit {
            if self.reverse || self.hasLowerBound {
                selected.removeLast(selected.count - limit)
            } else {
                selected.removeFirst(selected.count - limit)
            }
        }
        return selected
    }
}
