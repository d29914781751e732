import CoreMetrics

/// The cluster's series in the router's registry (`/metrics`): what crossed, what was repaired,
/// what was lost, and whether the node is connected to the cluster.
struct ClusterMetrics: Sendable {
    let published: Counter
    let received: Counter
    let repaired: Counter
    let lost: Counter
    let dropped: Counter
    let resent: Counter
    let rejected: Counter
    let connects: Counter
    let rpcSent: Counter
    let rpcReceived: Counter
    let ready: Gauge
    let nodes: Gauge

    init(factory: any MetricsFactory) {
        self.published = Counter(label: "junction_cluster_publications_sent_total", factory: factory)
        self.received = Counter(label: "junction_cluster_publications_received_total", factory: factory)
        self.repaired = Counter(label: "junction_cluster_publications_repaired_total", factory: factory)
        self.lost = Counter(label: "junction_cluster_publications_lost_total", factory: factory)
        self.dropped = Counter(label: "junction_cluster_publications_not_sent_total", factory: factory)
        self.resent = Counter(label: "junction_cluster_publications_resent_total", factory: factory)
        self.rejected = Counter(label: "junction_cluster_frames_rejected_total", factory: factory)
        self.connects = Counter(label: "junction_cluster_redis_connects_total", factory: factory)
        self.rpcSent = Counter(label: "junction_cluster_rpc_messages_sent_total", factory: factory)
        self.rpcReceived = Counter(label: "junction_cluster_rpc_messages_received_total", factory: factory)
        self.ready = Gauge(label: "junction_cluster_ready", factory: factory)
        self.nodes = Gauge(label: "junction_cluster_nodes", factory: factory)
    }
}
