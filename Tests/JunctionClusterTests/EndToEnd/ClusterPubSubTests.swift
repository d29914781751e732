import JunctionClient
import JunctionCluster
import JunctionRedis
import RESPCore
import RedisTestSupport
import Testing
import WAMPCore

/// Three nodes and one real `redis-server` in this process: publications cross nodes complete, in
/// per-publisher order, filtered as on one node, and survive a killed pub/sub connection.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterPubSubTests {
    private static func base() -> String { "com.test.cluster.r\(UInt32.random(in: 0...UInt32.max))" }

    private static func index(of event: Event) -> Int { Int(event.args.first?.signedInteger ?? -1) }

    @Test func tenThousandEventsFromOnePublisherArriveCompleteAndInOrderOnTwoOtherNodes() async throws {
        try await withCluster { nodes in
            let base = Self.base()
            let topics = [base + ".one", base + ".two"]
            // B: one prefix subscription over both topics, so the order across topics is visible.
            let subscriberB = try await nodes.client(1)
            let logB = EventLog()
            try await subscriberB.subscribe(base + ".", options: SubscribeOptions(match: .prefix)) { event in
                await logB.append(topic: event.details["topic"]?.stringValue ?? "", index: Self.index(of: event))
            }
            // C: an exact subscription per topic.
            let subscriberC = try await nodes.client(2)
            let logC = EventLog()
            for topic in topics {
                try await subscriberC.subscribe(topic) { event in
                    await logC.append(topic: topic, index: Self.index(of: event))
                }
            }
            try await nodes.waitUntil("node A knows B's and C's interest") {
                topics.allSatisfy { nodes.node(0).remoteInterest(realm: "realm1", topic: $0) }
            }
            let publisher = try await nodes.client(0)
            let count = 10_000
            for index in 0..<count {
                try await publisher.publish(topics[index % 2], args: [.int(Int64(index))])
            }
            do {
                try await nodes.waitUntil("B and C received every event", seconds: 60) {
                    let (b, c) = (await logB.count, await logC.count)
                    return b >= count && c >= count
                }
            } catch {
                let (b, c) = (await logB.count, await logC.count)
                let counters = (0..<3).map { "\(nodes.node($0).counters)" }.joined(separator: "; ")
                Issue.record(Comment(rawValue: "B got \(b), C got \(c); counters A, B, C: \(counters)"))
                throw error
            }
            let eventsB = await logB.events
            #expect(eventsB.map(\.index) == Array(0..<count))
            #expect(eventsB.allSatisfy { $0.topic == topics[$0.index % 2] })
            let eventsC = await logC.events
            #expect(eventsC.filter { $0.topic == topics[0] }.map(\.index) == Array(stride(from: 0, to: count, by: 2)))
            #expect(eventsC.filter { $0.topic == topics[1] }.map(\.index) == Array(stride(from: 1, to: count, by: 2)))
            #expect(nodes.node(1).counters.lost == 0 && nodes.node(2).counters.lost == 0)
            await publisher.close()
            await subscriberB.close()
            await subscriberC.close()
        }
    }

    @Test func exclusionAndEligibilityAreAppliedOnTheReceivingNode() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let topic = Self.base() + ".filtered"
            let first = try await nodes.client(1)
            let second = try await nodes.client(1)
            let logFirst = EventLog()
            let logSecond = EventLog()
            try await first.subscribe(topic) {
                await logFirst.append(topic: topic, index: Self.index(of: $0), publication: $0.publication)
            }
            try await second.subscribe(topic) { await logSecond.append(topic: topic, index: Self.index(of: $0)) }
            try await nodes.waitUntil("node A knows B's interest") {
                nodes.node(0).remoteInterest(realm: "realm1", topic: topic)
            }
            let secondSession = try #require(second.session?.sessionID)
            let firstAuthid = try #require(first.session?.authid)
            let publisher = try await nodes.client(0)
            try await publisher.publish(topic, args: [1], options: PublishOptions(extra: ["exclude": [.uint(secondSession)]]))
            try await publisher.publish(
                topic, args: [2], options: PublishOptions(extra: ["eligible_authid": [.string(firstAuthid)]]))
            let published = try await publisher.publish(topic, args: [3], options: PublishOptions(acknowledge: true))
            try await nodes.waitUntil("both got the last event") {
                let (first, second) = (await logFirst.count, await logSecond.count)
                return first == 3 && second == 1
            }
            #expect(await logFirst.events.map(\.index) == [1, 2, 3])
            #expect(await logSecond.events.map(\.index) == [3])
            // The publication id is the publishing node's, on every node.
            #expect(await logFirst.publications.last == published)
            // Recorded into the router's registry at the next heartbeat.
            try await nodes.waitUntil("B's /metrics counts the received publications") {
                let text = String(decoding: nodes.servers[1].runtime.metrics.exposition(), as: UTF8.self)
                return text.contains("junction_cluster_publications_received_total 3")
                    && text.contains("junction_cluster_ready 1")
            }
            await publisher.close()
            await first.close()
            await second.close()
        }
    }

    @Test func killingThePubSubConnectionsMidStreamLosesNothingAndKeepsOrder() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let topic = Self.base() + ".killed"
            let subscriber = try await nodes.client(1)
            let log = EventLog()
            try await subscriber.subscribe(topic) { await log.append(topic: topic, index: Self.index(of: $0)) }
            try await nodes.waitUntil("node A knows B's interest") {
                nodes.node(0).remoteInterest(realm: "realm1", topic: topic)
            }
            let publisher = try await nodes.client(0)
            let count = 5000
            let admin = try await nodes.redis.connect()
            for index in 0..<count {
                try await publisher.publish(topic, args: [.int(Int64(index))])
                if index == count / 5 {
                    let killed = try await admin.send("CLIENT", "KILL", "TYPE", "pubsub")
                    #expect((killed.integer ?? 0) >= 2)
                }
            }
            try await nodes.waitUntil("B received every event", seconds: 30) { await log.count >= count }
            #expect(await log.events.map(\.index) == Array(0..<count))
            #expect(nodes.node(1).counters.lost == 0)
            // What B's subscriber missed while it reconnected came from A's stream.
            #expect(nodes.node(1).counters.repaired > 0)
            await admin.close()
            await publisher.close()
            await subscriber.close()
        }
    }
}
