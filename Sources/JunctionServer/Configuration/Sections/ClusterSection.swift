import JunctionCluster

/// `cluster`: this node's place in a cluster of Junction nodes that share realms over Redis
/// (`redis: "redis://127.0.0.1:6379"` or `sentinels` + `master`, TLS in `tls`, `node: "node-a"`,
/// optional timings in milliseconds).
enum ClusterSection: ConfigurationSection {
    static let key = "cluster"
    static let isRequired = false

    static func read(_ reader: inout NodeReader, into draft: inout ConfigurationDraft) throws(ConfigurationError) {
        try reader.allowKeys(
            Set([
                "redis", "node", "heartbeat_interval_ms", "heartbeat_ttl_ms", "evict_after_ms", "command_timeout_ms",
                "stream_length", "key_prefix",
            ]).union(Self.redisConnectionKeys))
        let node = try reader.string("node")
        guard ClusterNodeName.isValid(node) else {
            throw reader.error("node", "1-64 characters of A-Z a-z 0-9 . _ -")
        }
        var cluster = try Self.redisConnection(reader, node: node)
        cluster.heartbeatIntervalMilliseconds = Int64(
            try reader.optionalInt("heartbeat_interval_ms", range: 50...60_000)
                ?? Int(cluster.heartbeatIntervalMilliseconds))
        cluster.heartbeatTTLMilliseconds = Int64(
            try reader.optionalInt("heartbeat_ttl_ms", range: 100...600_000) ?? Int(cluster.heartbeatTTLMilliseconds))
        cluster.evictAfterMilliseconds = Int64(
            try reader.optionalInt("evict_after_ms", range: 200...600_000) ?? Int(cluster.evictAfterMilliseconds))
        cluster.commandTimeoutMilliseconds = Int64(
            try reader.optionalInt("command_timeout_ms", range: 50...600_000)
                ?? Int(cluster.commandTimeoutMilliseconds))
        cluster.streamLength = try reader.optionalInt("stream_length", range: 100...100_000_000) ?? cluster.streamLength
        cluster.keyPrefix = try reader.optionalString("key_prefix") ?? cluster.keyPrefix
        guard cluster.evictAfterMilliseconds > cluster.heartbeatIntervalMilliseconds * 2 else {
            throw reader.error("evict_after_ms", "must be more than twice heartbeat_interval_ms")
        }
        guard ClusterNodeName.isValid(cluster.keyPrefix) else {
            throw reader.error("key_prefix", "1-64 characters of A-Z a-z 0-9 . _ -")
        }
        draft.configuration.cluster = cluster
    }
}
