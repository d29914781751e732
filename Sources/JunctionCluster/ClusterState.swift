import JunctionRedis

/// What the cluster service shares between its tasks and the realms' publish path, behind one
/// lock: the ordered path's sequence and connection, membership, the per-source trackers, the
/// interest index and the counters.
struct ClusterState {
    /// The connection publications and heartbeats go out on, and the publish script's SHA; `nil`
    /// while Redis is unreachable.
    var commands: RedisConnection?
    var scriptSHA: String?
    /// The stream scripts' SHAs (`ClusterService+Streams.swift`).
    var streamScripts: StreamScripts?
    /// Every stream topic's events in offset order across sources (`StreamMerge`).
    var streamMerge = StreamMerge<ClusterSource, StreamMergeFrame>()
    /// The pub/sub connection, while subscribed.
    var subscriber: RedisConnection?
    /// The last sequence number on this node's ordered path.
    var sequence: UInt64 = 0
    /// Publications sent whose script has not answered yet: resent on the next connection when
    /// this one drops (`ClusterService+InFlight.swift`).
    var inFlight = InFlightWindow<InFlightPublication>()
    var membership: ClusterMembership
    var sources: [ClusterSource: SourceSequence<ClusterPublication>] = [:]
    var interest = InterestIndex()
    /// When the self-probe last came back (monotonic ms).
    var lastProbe: Int64 = 0
    var ready = false
    var counters = ClusterCounters()
    var localSessions = 0
    /// The session-id slot this node holds in Redis.
    var sessionSlot: UInt64?
    var rpc = ClusterRPCState()
    /// The meta API's and the testaments' share (`ClusterService+Meta.swift`).
    var meta = ClusterMetaState()

    init(membership: ClusterMembership) {
        self.membership = membership
    }
}
