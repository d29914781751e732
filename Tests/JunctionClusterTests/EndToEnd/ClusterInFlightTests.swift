import JunctionClient
import JunctionCluster
import JunctionRouter
import RedisTestSupport
import Testing
import WAMPCore

/// Killing the nodes' command connections in the middle of a publication stream loses nothing:
/// what was in flight, and what was published while the node reconnected, is resent in sequence
/// order on the new connection, and receivers repair instead of counting losses.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterInFlightTests {
    @Test func killingTheCommandConnectionsMidStreamLosesNothingAndKeepsOrder() async throws {
        let (realm, base) = ClusterStreamTests.realm()
        try await withCluster(["node-a", "node-b"], realm: realm) { nodes in
            // A history topic and a plain one: both kinds of publication are in flight.
            let topics = [base + ".h.k", base + ".plain"]
            let subscriber = try await nodes.client(1)
            let log = StreamLog()
            // One subscription over both topics: the client runs each subscription's handler on
            // its own, so order across topics is visible only within one.
            try await subscriber.subscribe(base + ".", options: SubscribeOptions(match: .prefix)) {
                await log.append($0)
            }
            try await nodes.waitUntil("node A knows B's interest") {
                nodes.node(0).remoteInterest(realm: "realm1", topic: topics[1])
            }
            let publisher = try await nodes.client(0)
            let admin = try await nodes.redis.connect()
            let count = 10_000
            var kills = 0
            for index in 0..<count {
                try await publisher.publish(topics[index % 2], args: [.int(Int64(index))])
                if index == 2_000 || index == 6_000 {
                    let killed = try await admin.send("CLIENT", "KILL", "TYPE", "normal")
                    kills += Int(killed.integer ?? 0)
                }
            }
            #expect(kills >= 2)
            do {
                try await nodes.waitUntil("B received every event", seconds: 60) { await log.count >= count }
            } catch {
                Issue.record("B received \(await log.count) of \(count); A: \(nodes.node(0).counters)")
                throw error
            }
            let events = await log.events
            #expect(events.map(\.index) == Array(0..<count))
            #expect(events.compactMap(\.position?.offset) == Array(1...UInt64(count / 2)))
            #expect(nodes.node(1).counters.lost == 0)
            #expect(nodes.node(0).counters.droppedWhileDisconnected == 0)
            #expect(nodes.node(0).counters.connects >= 2)
            // The kill caught publications in flight (about a thousand in a debug build): resent.
            #expect(nodes.node(0).counters.resent > 0)
            await admin.close()
            await publisher.close()
            await subscriber.close()
        }
    }
}
