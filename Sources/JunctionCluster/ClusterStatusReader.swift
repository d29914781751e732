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
        let connection = try await RedisConnection.connect(
            RedisConnectionConfiguration(
                host: endpoint.host, port: endpoint.port,
                handshake: RedisHandshakeConfiguration(
                    username: endpoint.username, password: endpoint.password,
                    database: endpoint.database == 0 ? nil : endpoint.database),
                connectTimeout: timeout))
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
