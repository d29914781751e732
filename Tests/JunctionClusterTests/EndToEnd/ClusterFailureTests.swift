import JunctionClient
import JunctionCluster
import RedisTestSupport
import Testing
import WAMPCore

/// Node failure and Redis failure with three nodes and a real `redis-server`.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterFailureTests {
    @Test func anAbruptlyStoppedNodeIsEvictedEverywhereWithItsInterest() async throws {
        try await withCluster { nodes in
            let topic = "com.test.cluster.dead.r\(UInt32.random(in: 0...UInt32.max))"
            let subscriber = try await nodes.client(2)
            try await subscriber.subscribe(topic) { _ in }
            try await nodes.waitUntil("node A knows C's interest") {
                nodes.node(0).remoteInterest(realm: "realm1", topic: topic)
            }
            nodes.node(2).crash()
            try await nodes.waitUntil("A and B evicted C", seconds: 10) {
                // Each node lists itself first, then the others by name.
                nodes.node(0).status().map(\.node) == ["node-a", "node-b"]
                    && nodes.node(1).status().map(\.node) == ["node-b", "node-a"]
            }
            // The interest index drops an evicted node's topics on its next refresh (every 50 ms),
            // not in the same step as the membership change.
            try await nodes.waitUntil("A dropped C's interest", seconds: 5) {
                !nodes.node(0).remoteInterest(realm: "realm1", topic: topic)
            }
            await subscriber.close()
        }
    }

    @Test func afterARedisRestartNodesResynchronizeAndRoutingResumes() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let topic = "com.test.cluster.restart.r\(UInt32.random(in: 0...UInt32.max))"
            let subscriber = try await nodes.client(1)
            let log = EventLog()
            try await subscriber.subscribe(topic) { event in
                await log.append(topic: topic, index: Int(event.args.first?.signedInteger ?? -1))
            }
            let publisher = try await nodes.client(0)
            try await nodes.waitUntil("node A knows B's interest") {
                nodes.node(0).remoteInterest(realm: "realm1", topic: topic)
            }
            try await publisher.publish(topic, args: [1])
            try await nodes.waitUntil("the first event crossed") { await log.count == 1 }

            try await nodes.redis.restart()
            // Local routing is not affected while the cluster resynchronizes.
            let local = try await nodes.client(0)
            let localLog = EventLog()
            try await local.subscribe(topic) { event in
                await localLog.append(topic: topic, index: Int(event.args.first?.signedInteger ?? -1))
            }
            try await publisher.publish(topic, args: [2])
            try await nodes.waitUntil("the local subscriber got the event") { await localLog.count == 1 }

            try await nodes.waitUntil("both nodes are ready again and see each other", seconds: 15) {
                nodes.servers.allSatisfy { $0.cluster.isReady && $0.cluster.status().count == 2 }
                    && nodes.node(0).remoteInterest(realm: "realm1", topic: topic)
                    && nodes.node(0).counters.connects >= 2
            }
            try await publisher.publish(topic, args: [3])
            try await nodes.waitUntil("routing across nodes resumed") { await log.events.last?.index == 3 }
            await local.close()
            await publisher.close()
            await subscriber.close()
        }
    }
}
