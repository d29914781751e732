import JunctionClient
import JunctionCluster
import JunctionRedis
import RedisTestSupport
import Testing
import WAMPCore

/// Nodes that reach Redis over TLS (`rediss://` with a CA and a client certificate) and through
/// Sentinel (following a failover), with a real `redis-server`.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterRedisConnectionTests {
    private static func topic() -> String { "com.test.cluster.connection.r\(UInt32.random(in: 0...UInt32.max))" }

    @Test func nodesMeetOverTLSWithClientCertificates() async throws {
        let certificates = RedisTestCertificates.shared
        let redis = try await RedisTestServer.start(tls: certificates, requireClientCertificate: true)
        defer { redis.stop() }
        let nodes = try await ClusterTestNodes.start(["node-a", "node-b"], redis: redis) { cluster in
            cluster.redis.tls = true
            cluster.tls = certificates.clientConfiguration()
        }
        do {
            try await Self.expectRouting(nodes, seconds: 10)
            #expect(nodes.node(0).counters.connects == 1)
        } catch {
            await nodes.shutdown()
            throw error
        }
        await nodes.shutdown()
    }

    @Test func aNodeWithoutTheClientCertificateStaysUnreadyButServesLocally() async throws {
        let certificates = RedisTestCertificates.shared
        let redis = try await RedisTestServer.start(tls: certificates, requireClientCertificate: true)
        defer { redis.stop() }
        // No certificate: the server refuses every attempt; the node keeps retrying and says so.
        let nodes = try await ClusterTestNodes.start(["node-a"], redis: redis, waitUntilFormed: false) { cluster in
            cluster.redis.tls = true
            cluster.tls = RedisTLSConfiguration(caCertificatesPath: certificates.caPath)
        }
        do {
            let client = try await nodes.client(0)
            let topic = Self.topic()
            let log = EventLog()
            try await client.subscribe(topic) { _ in await log.append(topic: topic, index: 0) }
            let publisher = try await nodes.client(0)
            try await publisher.publish(topic, args: [1])
            try await nodes.waitUntil("the local event") { await log.count == 1 }
            #expect(!nodes.node(0).isReady)
            #expect(nodes.node(0).counters.connects == 0)
            await publisher.close()
            await client.close()
        } catch {
            await nodes.shutdown()
            throw error
        }
        await nodes.shutdown()
    }

    @Test func nodesFollowTheMasterThroughASentinelFailover() async throws {
        let sentinel = try await RedisTestSentinel.start()
        defer { sentinel.stop() }
        let nodes = try await ClusterTestNodes.start(["node-a", "node-b"], redis: sentinel.master) { cluster in
            cluster.sentinel = RedisSentinelConfiguration(
                sentinels: [RedisAddress(host: "127.0.0.1", port: sentinel.port)],
                masterName: RedisTestSentinel.masterName)
        }
        do {
            try await Self.expectRouting(nodes, seconds: 10)
            try await sentinel.failover()
            // Sentinel closes the demoted master's clients; each node asks again and lands on the
            // promoted replica, rewrites its state there and routes again.
            try await nodes.waitUntil("both nodes reconnected to the new master", seconds: 30) {
                nodes.servers.allSatisfy {
                    $0.cluster.isReady && $0.cluster.counters.connects >= 2 && $0.cluster.status().count == 2
                }
            }
            try await Self.expectRouting(nodes, seconds: 15)
            let replica = try await sentinel.replica.connect()
            let keys = try await replica.send("KEYS", "junction:node:*").elements?.compactMap(\.string) ?? []
            #expect(Set(keys) == ["junction:node:node-a", "junction:node:node-b"])
            await replica.close()
        } catch {
            await nodes.shutdown()
            throw error
        }
        await nodes.shutdown()
    }

    /// A subscriber on B gets what a publisher on A publishes (after B's interest reached A).
    private static func expectRouting(_ nodes: ClusterTestNodes, seconds: Double) async throws {
        let topic = Self.topic()
        let subscriber = try await nodes.client(1)
        let log = EventLog()
        try await subscriber.subscribe(topic) { event in
            await log.append(topic: topic, index: Int(event.args.first?.signedInteger ?? -1))
        }
        let publisher = try await nodes.client(0)
        try await nodes.waitUntil("node A knows B's interest", seconds: seconds) {
            nodes.node(0).remoteInterest(realm: "realm1", topic: topic)
        }
        try await publisher.publish(topic, args: [7])
        try await nodes.waitUntil("the event crossed", seconds: seconds) { await log.events.last?.index == 7 }
        await publisher.close()
        await subscriber.close()
    }
}
