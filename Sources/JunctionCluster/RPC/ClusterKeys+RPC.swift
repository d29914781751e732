import JunctionRouter

/// The Redis keys, channels and scripts of RPC across nodes.
extension ClusterKeys {
    /// A node's registration list (`ClusterRegistrationList`), with a TTL of the eviction window.
    func registryKey(_ node: String) -> String { "\(self.prefix):reg:\(node)" }
    /// Nodes announce a changed registration list here, so the others re-read it at once.
    var registryChangedChannel: String { "\(self.prefix):reg-changed" }
    /// The RPC messages (`ClusterRPCFrame`) to one node incarnation.
    func rpcChannel(node: String, epoch: UInt64) -> String { "\(self.prefix):rpc:\(node):\(epoch)" }
    /// A node that may have missed RPC messages (its pub/sub connection was reset) says so here
    /// (`node epoch`): the calls in flight between it and the others end with ERROR.
    var rpcResetChannel: String { "\(self.prefix):rpc-reset" }
    /// Who holds a single registration cluster-wide (`node epoch`), with a TTL.
    func claimKey(realm: String, match: MatchPolicy, procedure: String) -> String {
        "\(self.prefix):claim:\(realm):\(match.rawValue):\(procedure)"
    }

    /// Takes (or refreshes) a claim when it is free or already ours, atomically: of two nodes
    /// racing, Redis runs one script after the other and exactly one gets 1 (KEYS: claim; ARGV:
    /// owner, TTL in ms).
    static let claimScript = """
        local owner = redis.call('GET', KEYS[1])
        if owner == false or owner == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return 0
        """

    /// Deletes a claim only when it is ours (KEYS: claim; ARGV: owner).
    static let releaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """
}
