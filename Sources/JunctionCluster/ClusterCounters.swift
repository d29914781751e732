/// What the cluster counted since start; the metrics and `/ready` read it.
public struct ClusterCounters: Sendable, Hashable {
    /// Publications this node put on its ordered path.
    public var published: UInt64 = 0
    /// Publications of sessions here while Redis was unreachable: delivered locally only.
    public var droppedWhileDisconnected: UInt64 = 0
    /// Publications from other nodes delivered here (live or repaired).
    public var received: UInt64 = 0
    /// Publications recovered from a source's stream after a gap.
    public var repaired: UInt64 = 0
    /// Sequence numbers given up: missing and no longer in the source's stream.
    public var lost: UInt64 = 0
    /// Frames on our channels that did not decode.
    public var rejectedFrames: UInt64 = 0
    /// Redis connections (re)established.
    public var connects: UInt64 = 0
    /// Publications resent on a new command connection because the old one closed before Redis
    /// answered them.
    public var resent: UInt64 = 0
    /// RPC messages (INVOCATION, INTERRUPT, YIELD, ERROR) sent to and received from other nodes.
    public var rpcSent: UInt64 = 0
    public var rpcReceived: UInt64 = 0

    public init() {}
}

/// One node as `junction cluster status` and the dashboard show it.
public struct ClusterNodeStatus: Sendable, Hashable {
    public var node: String
    public var epoch: UInt64
    public var sessions: Int
    /// Milliseconds since this node last heard the node's heartbeat (0 for itself).
    public var lastHeartbeatAgoMilliseconds: Int64
}
