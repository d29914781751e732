import ArgumentParser
import JunctionCluster
import JunctionRedis
import JunctionServer
import NIOPosix

/// `junction cluster status`: the nodes of a cluster, read from its Redis.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Inspect a Junction cluster.", subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the cluster's nodes: name, sessions, last heartbeat (read from Redis).")

        @Option(name: .long, help: "Configuration file whose `cluster` section names Redis and the key prefix.")
        var config: String?

        @Option(name: .long, help: "Redis URL (overrides the configuration), e.g. redis://127.0.0.1:6379.")
        var redis: String?

        @Option(name: .long, help: "Key prefix (overrides the configuration; default junction).")
        var keyPrefix: String?

        func run() async throws {
            let cluster = try self.config.map { try loadConfiguration(path: $0) }?.cluster
            let connector: RedisConnector
            if let redis = self.redis {
                switch RedisEndpoint.parse(redis) {
                case .success(let parsed):
                    connector = ClusterConfiguration(redis: parsed, node: "status")
                        .redisConnector(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
                case .failure(let problem): throw ValidationError("--redis: \(problem)")
                }
            } else if let cluster {
                // The configured TLS files and sentinels apply too.
                var settings = cluster
                settings.commandTimeoutMilliseconds = max(settings.commandTimeoutMilliseconds, 5000)
                connector = settings.redisConnector(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            } else {
                throw ValidationError("give --redis or a --config with a cluster section")
            }
            let prefix = self.keyPrefix ?? cluster?.keyPrefix ?? "junction"
            let ttl = cluster?.heartbeatTTLMilliseconds ?? 3000
            let nodes = try await ClusterStatusReader.read(connector, keyPrefix: prefix)
            print(pad("NODE", 24) + "SESSIONS  LAST HEARTBEAT")
            for node in nodes {
                let ago = max(0, ttl - node.expiresInMilliseconds)
                let name = pad(node.heartbeat.node, 24)
                let sessions = pad("\(node.heartbeat.sessions)", 10)
                print("\(name)\(sessions)\(ago) ms ago")
            }
            if nodes.isEmpty { print("(no live nodes at \(connector))") }
        }
    }
}

/// `text` followed by spaces up to `width` columns (at least one space).
private func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.count))
}
