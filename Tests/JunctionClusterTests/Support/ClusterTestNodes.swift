import Foundation
import JunctionClient
import JunctionCluster
import JunctionRouter
import JunctionServer
import Logging
import NIOCore
import RedisTestSupport

/// Junction nodes in this process, each a `JunctionServer` on a WebSocket port 0 with a `cluster`
/// section pointing at the test's Redis, with short timings (heartbeat 200 ms, eviction after
/// 3 s) so failure tests stay within seconds.
final class ClusterTestNodes: Sendable {
    let servers: [JunctionServer]
    let redis: RedisTestServer

    private init(servers: [JunctionServer], redis: RedisTestServer) {
        self.servers = servers
        self.redis = redis
    }

    /// `connection` adjusts how each node reaches Redis (TLS, Sentinel); by default plain TCP to `redis`.
    /// `waitUntilFormed: false` returns as soon as the nodes listen, for nodes that cannot reach Redis.
    /// `realm`: the one realm every node serves.
    static func start(
        _ names: [String], redis: RedisTestServer, realm: RealmConfiguration = .openRealm(named: "realm1"),
        waitUntilFormed: Bool = true, connection: @Sendable (inout ClusterConfiguration) -> Void = { _ in }
    ) async throws -> ClusterTestNodes {
        var servers: [JunctionServer] = []
        for name in names {
            var configuration = JunctionConfiguration(
                realms: [realm],
                transports: [.webSocket(.init(host: "127.0.0.1", port: 0, path: "/ws"))])
            configuration.eventLoops = 2
            var cluster = ClusterConfiguration(redis: RedisEndpoint(host: "127.0.0.1", port: redis.port), node: name)
            cluster.heartbeatIntervalMilliseconds = 200
            cluster.heartbeatTTLMilliseconds = 600
            cluster.evictAfterMilliseconds = 3000
            // Generous: the test machine's cores are shared, and a stalled Redis reply under the
            // 10 000-event load must not look like a wedged connection.
            cluster.commandTimeoutMilliseconds = 5000
            connection(&cluster)
            configuration.cluster = cluster
            var logger = Logger(label: "cluster-test-\(name)")
            logger.logLevel = .error
            servers.append(try await JunctionServer.start(configuration: configuration, logger: logger))
        }
        let nodes = ClusterTestNodes(servers: servers, redis: redis)
        guard waitUntilFormed else { return nodes }
        try await nodes.waitUntil("every node sees every other") {
            nodes.servers.allSatisfy { $0.cluster.isReady && $0.cluster.status().count == names.count }
        }
        return nodes
    }

    func node(_ index: Int) -> ClusterService { self.servers[index].cluster }

    func url(_ index: Int) -> String {
        "ws://127.0.0.1:\(self.servers[index].boundAddresses[0].port ?? 0)/ws"
    }

    func client(_ index: Int) async throws -> WAMPClient {
        try await WAMPClient.connect(try ClientConfiguration(url: self.url(index), realm: "realm1"))
    }

    func shutdown() async {
        for (index, server) in self.servers.enumerated() {
            await watchdog("the shutdown of node \(index)") { await server.shutdown() }
        }
    }

    /// Polls `condition` every 20 ms for at most `seconds` (these conditions depend on other
    /// connections and a separate Redis process: there is no clock of ours to advance).
    func waitUntil(
        _ what: String, seconds: Double = 10, _ condition: @Sendable () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ClusterTestTimeout(what: what)
    }
}

struct ClusterTestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting until \(self.what)" }
}

extension JunctionServer {
    /// The configured cluster service (every test node has one).
    var cluster: ClusterService { self.runtime.cluster! }
}

/// Runs `body` with a fresh Redis and three nodes, and always stops them.
/// `realm`: the configuration of the one realm every node serves (`realm1`).
func withCluster(
    _ names: [String] = ["node-a", "node-b", "node-c"], realm: RealmConfiguration = .openRealm(named: "realm1"),
    _ body: (ClusterTestNodes) async throws -> Void
) async throws {
    let redis = try await RedisTestServer.start()
    let nodes: ClusterTestNodes
    do {
        nodes = try await ClusterTestNodes.start(names, redis: redis, realm: realm)
    } catch {
        redis.stop()
        throw error
    }
    do {
        try await watchdog("the test body") { try await body(nodes) }
    } catch {
        await nodes.shutdown()
        redis.stop()
        throw error
    }
    await nodes.shutdown()
    redis.stop()
}

/// Runs `body`; if it has not finished after `seconds`, says so on standard error (once), so a
/// test that hangs names the phase it hangs in.
func watchdog<T>(_ phase: String, seconds: Int = 30, _ body: () async throws -> T) async rethrows -> T {
    let watcher = Task {
        try await Task.sleep(for: .seconds(seconds))
        FileHandle.standardError.write(Data("ClusterTestNodes: still in \(phase) after \(seconds) s\n".utf8))
    }
    defer { watcher.cancel() }
    return try await body()
}

/// Collects events in arrival order.
actor EventLog {
    private(set) var events: [(topic: String, index: Int)] = []
    private(set) var publications: [UInt64] = []

    func append(topic: String, index: Int, publication: UInt64 = 0) {
        self.events.append((topic, index))
        self.publications.append(publication)
    }
    var count: Int { self.events.count }
}
