import JunctionRedis
import NIOCore
import NIOPosix
import RESPCore

/// Reads the nodes of a cluster straight from Redis, as `junction cluster status` shows them:
/// every node key (a node's last heartbeat, kept for `heartbeat_ttl_ms`) with its remaining TTL.
public enum ClusterStatusReader {
    public struct Node: Sendable, Hashable {
        public var heartbeat: NodeHeartbeat
        /// Milliseconds until the key expires; with the TTL, how long ago the heartbeat was.
        public var expiresInMilliseconds: Int64
    }

    public static func read(
        _ endpoint: RedisEndpoint, keyPrefix: String = "junction", timeout: TimeAmount = .seconds(5)
    ) async throws -> [Node] {
        var cluster = ClusterConfiguration(redis: endpoint, node: "status")
        cluster.commandTimeoutMilliseconds = timeout.nanoseconds / 1_000_000
        return try await Self.read(cluster.redisConnector(eventLoopGroup: MultiThreadedEventLoopGroup.singleton),
            keyPrefix: keyPrefix)
    }

    /// Reads through `connector`: a configured cluster's, with its TLS and sentinels.
    public static func read(_ connector: RedisConnector, keyPrefix: String = "junction") async throws -> [Node] {
        let connection = try await connector.connect()
        do {
            let keys = ClusterKeys(prefix: keyPrefix)
            var cursor = "0"
            var names: [String] = []
            repeat {
                let reply = try await connection.send("SCAN", cursor, "MATCH", keys.nodeKeyPattern, "COUNT", "1000")
                guard let parts = reply.elements, parts.count == 2, let next = parts[0].string else { break }
                cursor = next
                names += (parts[1].elements ?? []).compactMap(\.string)
            } while cursor != "0"
            var nodes: [Node] = []
            for name in names.sorted() {
                guard let text = try await connection.send("GET", name).string, let heartbeat = NodeHeartbeat(text)
                else { continue }
                let ttl = try await connection.send("PTTL", name).integer ?? -1
                nodes.append(Node(heartbeat: heartbeat, expiresInMilliseconds: ttl))
            }
            await connection.close()
            return nodes
        } catch {
            await connection.close()
            throw error
        }
    }
}
