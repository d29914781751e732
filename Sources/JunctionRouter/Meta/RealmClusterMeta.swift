import WAMPCore

/// Where a realm of a clustered node reaches the cluster for its meta API: whether another node
/// listens to a meta event, its sessions' testaments (kept in the cluster so they fire when the
/// node dies), kills of sessions on other nodes, and the node list.
///
/// Called on the realm's event loop; implementations must not block (they queue Redis I/O).
public protocol RealmClusterMeta: AnyObject, Sendable {
    /// Whether some other node has a subscriber for `topic` (meta events are built only then).
    func remoteInterest(realm: String, topic: String) -> Bool

    /// `session`'s testaments changed (added, flushed); empty: it has none any more (flushed, or
    /// it left and they were published here).
    func realm(_ realm: String, testamentsOf publisher: RemotePublisher, changedTo testaments: [ClusterTestament])

    /// Ends sessions that live on `node`, as `wamp.session.kill` would there.
    func realm(_ realm: String, kill sessions: [UInt64], onNode node: String, reason: String, message: String?)

    /// Asks `node` to remove one of its subscribers or callees (`remove_subscriber`,
    /// `remove_callee`). `delivered` runs exactly once, on any thread, within a bounded time:
    /// true when the request reached `node`, false when it could not (no Redis, `node` not
    /// listening, no answer in time).
    func realm(
        _ realm: String, remove removal: ClusterRemoval, onNode node: String, reason: String,
        delivered: @escaping @Sendable (Bool) -> Void)

    /// `junction.cluster.nodes`: one dict per live node, this node first.
    func nodes() -> WAMPList
}

extension RealmClusterMeta {
    /// For cluster sides written before removals crossed nodes (test recorders): they cannot
    /// reach the other node, so the caller gets `wamp.error.network_failure` rather than a
    /// removal that silently never happens.
    public func realm(
        _ realm: String, remove removal: ClusterRemoval, onNode node: String, reason: String,
        delivered: @escaping @Sendable (Bool) -> Void
    ) {
        delivered(false)
    }
}

/// A testament as it is kept in the cluster: published by another node if this one dies.
public struct ClusterTestament: Sendable, Hashable {
    /// `detached` or `destroyed`.
    public var scope: String
    public var topic: String
    public var payload: Payload
    public var options: WAMPDict

    public init(scope: String, topic: String, payload: Payload, options: WAMPDict) {
        self.scope = scope
        self.topic = topic
        self.payload = payload
        self.options = options
    }
}
