import WAMPCore

/// Where a clustered realm keeps its streams and retained events: one offset sequence and one
/// epoch per topic for the whole cluster, history and retained events in Redis.
///
/// Called on the realm's loop; never blocks. Completions may run on any thread (the realm hops
/// back to its loop). A `false` return means the cluster cannot take the request now (Redis
/// unreachable): the realm decides what happens instead, at once.
public protocol RealmStreamLink: AnyObject, Sendable {
    /// Puts a publication to a history topic (`history` set) and/or with `retain` on the node's
    /// ordered path, to every node, whatever their interest. The completion gets the position the
    /// cluster gave it (nil when the topic is no stream), or an error when Redis did not take it.
    func realm(
        _ realm: String, publishedToStream topic: String, publication: UInt64, payload: Payload, options: WAMPDict,
        details: WAMPDict, publisher: RemotePublisher, history: ClusterHistoryLimits?, retain: Bool,
        completion: @escaping @Sendable (Result<StreamPosition?, any Error>) -> Void
    ) -> Bool

    /// Reads `topic`'s stream after `offset`: the cluster's epoch and current offset and the
    /// events it still keeps after `offset`, in one atomic step.
    func realm(
        _ realm: String, readStream topic: String, after offset: UInt64,
        completion: @escaping @Sendable (Result<ClusterStreamRead, any Error>) -> Void
    ) -> Bool

    /// Reads, in one atomic step, the cluster's epoch and every history topic that matches
    /// `pattern` or is listed in `offsets`: its current offset and the events kept after the
    /// offset listed for it (all kept events of a topic not listed). For a pattern `_recover` and
    /// `wamp.subscription.get_events`.
    func realm(
        _ realm: String, readStreamsMatching pattern: String, match: MatchPolicy, after offsets: [String: UInt64],
        completion: @escaping @Sendable (Result<ClusterPatternRead, any Error>) -> Void
    ) -> Bool
}

/// What the cluster keeps of one history topic: the widest of the rules that cover it.
public struct ClusterHistoryLimits: Sendable, Hashable {
    /// Events kept per topic; nil: no count limit (an age limit only).
    public var maxLength: Int?
    /// Seconds an event is kept; nil: no age limit.
    public var maxAgeSeconds: Int?

    public init(maxLength: Int?, maxAgeSeconds: Int?) {
        self.maxLength = maxLength
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// The limits of the rules covering `topic`, or nil when none does (no stream). Several rules:
    /// the most any of them keeps.
    public init?(rules: [EventHistoryRule], topic: String) {
        var covered = false
        var maxLength: Int? = 0
        var maxAge: Int? = 0
        for rule in rules where rule.match.matches(pattern: rule.uri, uri: topic) {
            covered = true
            let length = rule.limit ?? (rule.maxAge == nil ? EventHistoryRule.defaultLimit : nil)
            maxLength = maxLength.flatMap { current in length.map { max(current, $0) } }
            maxAge = maxAge.flatMap { current in rule.maxAge.map { max(current, $0) } }
        }
        guard covered else { return nil }
        self.init(maxLength: maxLength, maxAgeSeconds: maxAge)
    }
}

extension WAMPErrorURI {
    /// Not in the spec: a publication to a history topic of a clustered realm could not get its
    /// cluster-wide offset because Redis is unreachable; it was not delivered.
    public static let clusterUnavailable = "junction.error.cluster_unavailable"
}
