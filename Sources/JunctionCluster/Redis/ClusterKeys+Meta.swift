/// The keys and channels of the cluster-wide meta API and of remote testaments.
extension ClusterKeys {
    /// A node's sessions and subscriptions (`NodeDirectory`), with a TTL.
    func directoryKey(_ node: String) -> String { "\(self.prefix):directory:\(node)" }
    /// Nodes announce a rewritten directory here (the payload is the node's name).
    var directoryChangedChannel: String { "\(self.prefix):directory-changed" }
    /// A node incarnation's testaments: a hash, field `<session> <realm>`, value `StoredTestaments`.
    func testamentsKey(node: String, epoch: UInt64) -> String { "\(self.prefix):testaments:\(node):\(epoch)" }
    /// Which surviving node publishes a dead incarnation's testaments (`SET NX`: exactly one).
    func testamentsClaim(node: String, epoch: UInt64) -> String {
        "\(self.prefix):testaments-claimed:\(node):\(epoch)"
    }
    /// Where a node takes kill requests for its sessions (`ClusterKillRequest`).
    func killChannel(_ node: String) -> String { "\(self.prefix):kill:\(node)" }
}
