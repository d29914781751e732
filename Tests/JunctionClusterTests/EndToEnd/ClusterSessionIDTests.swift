import JunctionClient
import JunctionCluster
import RedisTestSupport
import Testing

/// Session ids are unique cluster-wide: each node claims its own slot (the top bits of the id).
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterSessionIDTests {
    @Test func eachNodeHandsOutIdsFromItsOwnSlot() async throws {
        try await withCluster { nodes in
            var slots: [[UInt64]] = []
            var clients: [WAMPClient] = []
            for index in 0..<3 {
                var nodeSlots: [UInt64] = []
                for _ in 0..<3 {
                    let client = try await nodes.client(index)
                    clients.append(client)
                    let id = try #require(client.session?.sessionID)
                    #expect(id >= 1 && id <= 1 << 53)
                    nodeSlots.append(id >> 43)
                }
                slots.append(nodeSlots)
            }
            for nodeSlots in slots { #expect(Set(nodeSlots).count == 1, "one node used several slots: \(nodeSlots)") }
            #expect(Set(slots.map { $0[0] }).count == 3, "two nodes share a slot: \(slots)")
            for client in clients { await client.close() }
        }
    }

    @Test func theStatusReaderListsEveryLiveNodeWithItsSessions() async throws {
        try await withCluster { nodes in
            let client = try await nodes.client(1)
            try await nodes.waitUntil("node B's heartbeat counts its session") {
                let listed = try? await ClusterStatusReader.read(RedisEndpoint(host: "127.0.0.1", port: nodes.redis.port))
                return listed?.first { $0.heartbeat.node == "node-b" }?.heartbeat.sessions == 1
            }
            let listed = try await ClusterStatusReader.read(RedisEndpoint(host: "127.0.0.1", port: nodes.redis.port))
            #expect(listed.map(\.heartbeat.node) == ["node-a", "node-b", "node-c"])
            #expect(listed.allSatisfy { $0.expiresInMilliseconds > 0 })
            await client.close()
        }
    }
}
