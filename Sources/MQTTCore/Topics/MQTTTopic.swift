/// Topic names and filters (MQTT 5.0 §4.7, 3.1.1 §4.7) as small pure functions over UTF-8.
///
/// Levels are separated by `/` and may be empty (`a//b`, `/a`, `a/`). A filter's `+` stands
/// for exactly one whole level and `#` for the rest, including none (`a/#` matches `a`), and
/// `#` must be the last level. Topics starting with `$` are the server's: a filter starting with
/// a wildcard does not match them (§4.7.2). Nothing here allocates.
public enum MQTTTopic {
    private static let separator = UInt8(ascii: "/")
    private static let singleLevel = UInt8(ascii: "+")
    private static let multiLevel = UInt8(ascii: "#")
    private static let dollar = UInt8(ascii: "$")

    /// A name a PUBLISH may carry: at least one character and no wildcard.
    public static func isValidName(_ name: String) -> Bool {
        Self.withBytes(name) { Self.isValidName(bytes: $0) }
    }

    static func isValidName(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.isEmpty && !bytes.contains(Self.singleLevel) && !bytes.contains(Self.multiLevel)
    }

    /// A filter a SUBSCRIBE may carry: at least one character, `+` and `#` each alone in their
    /// level, `#` only last. `$share/` filters are checked by `MQTTSharedSubscription`; here
    /// they are plain filters (and valid ones, since `$share` is an ordinary level).
    public static func isValidFilter(_ filter: String) -> Bool {
        Self.withBytes(filter) { Self.isValidFilter(bytes: $0) }
    }

    static func isValidFilter(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        var levelStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            if byte == Self.separator {
                levelStart = index + 1
                continue
            }
            if byte == Self.singleLevel || byte == Self.multiLevel {
                guard index == levelStart else { return false }
                let next = index + 1
                if byte == Self.multiLevel {
                    guard next == bytes.count else { return false }
                } else {
                    guard next == bytes.count || bytes[next] == Self.separator else { return false }
                }
            }
        }
        return true
    }

    /// Whether `topic` (a valid name) is matched by `filter` (a valid filter, not `$share/`).
    public static func matches(filter: String, topic: String) -> Bool {
        Self.withBytes(filter) { filterBytes in
            Self.withBytes(topic) { topicBytes in Self.matches(filter: filterBytes, topic: topicBytes) }
        }
    }

    static func matches(filter: UnsafeBufferPointer<UInt8>, topic: UnsafeBufferPointer<UInt8>) -> Bool {
        if let first = topic.first, first == Self.dollar, let lead = filter.first,
            lead == Self.singleLevel || lead == Self.multiLevel
        {
            return false
        }
        var f = 0
        var t = 0
        while true {
            // Both at the start of a level.
            if f < filter.count && filter[f] == Self.multiLevel {
                return true
            }
            if f < filter.count && filter[f] == Self.singleLevel {
                f += 1
                while t < topic.count && topic[t] != Self.separator { t += 1 }
            } else {
                while f < filter.count && t < topic.count && filter[f] != Self.separator
                    && filter[f] == topic[t]
                {
                    f += 1
                    t += 1
                }
                let filterLevelEnded = f == filter.count || filter[f] == Self.separator
                let topicLevelEnded = t == topic.count || topic[t] == Self.separator
                guard filterLevelEnded && topicLevelEnded else { return false }
            }
            // Both at the end of a level: the end of the string or a separator.
            let filterDone = f == filter.count
            let topicDone = t == topic.count
            if filterDone && topicDone { return true }
            if topicDone {
                // `a/#` matches `a`: the filter may only go on with `/#`.
                return f + 2 == filter.count && filter[f + 1] == Self.multiLevel
            }
            if filterDone { return false }
            f += 1
            t += 1
        }
    }

    static func withBytes<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) {
            return result
        }
        var copy = string
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable(body) ?? Array(copy.utf8).withUnsafeBufferPointer(body)
    }
}

/// A shared subscription filter, `$share/{ShareName}/{filter}` (MQTT 5.0 §4.8.2): the group
/// name is one non-empty level without wildcards, followed by a valid, non-empty filter.
public struct MQTTSharedSubscription: Sendable, Hashable {
    public var shareName: String
    public var topicFilter: String

    public init(shareName: String, topicFilter: String) {
        self.shareName = shareName
        self.topicFilter = topicFilter
    }

    public enum ParseResult: Sendable, Hashable {
        /// Not a shared subscription: an ordinary filter (valid or not).
        case notShared
        case shared(MQTTSharedSubscription)
        /// Starts with `$share/` but breaks the rules: SUBACK 0x8F.
        case invalid
    }

    public static func parse(_ filter: String) -> ParseResult {
        let prefix = "$share/"
        guard filter.utf8.starts(with: prefix.utf8) else { return .notShared }
        let rest = filter.utf8.dropFirst(prefix.utf8.count)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return .invalid }
        let name = rest[rest.startIndex..<slash]
        let topicFilter = rest[rest.index(after: slash)...]
        guard !name.isEmpty, !name.contains(UInt8(ascii: "+")), !name.contains(UInt8(ascii: "#")) else {
            return .invalid
        }
        guard let nameString = String(name), let filterString = String(topicFilter),
            MQTTTopic.isValidFilter(filterString)
        else {
            return .invalid
        }
        return .shared(MQTTSharedSubscription(shareName: nameString, topicFilter: filterString))
    }
}
