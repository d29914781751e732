import JunctionClient
import JunctionCluster
import JunctionRouter
import RedisTestSupport
import Testing
import WAMPCore

/// Pattern `_recover` and `wamp.subscription.get_events` read Redis: a node that joins after the
/// events were published (its own copy of the history is empty) answers completely.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterPatternStreamTests {
    @Test func aNodeThatWasAwayRecoversAPatternAndListsGetEventsFromRedis() async throws {
        let (realm, base) = ClusterStreamTests.realm()
        try await withCluster(["node-a", "node-b"], realm: realm) { nodes in
            let topics = [base + ".h.x", base + ".h.y"]
            let publisher = try await nodes.client(0)
            let watcher = try await nodes.client(1)
            let seen = StreamLog()
            try await watcher.subscribe(topics[0]) { await seen.append($0) }
            for index in 0..<30 {
                try await publisher.publish(
                    topics[index % 2], args: [.int(Int64(index))], options: PublishOptions(acknowledge: true))
            }
            try await nodes.waitUntil("B's watcher got x's 15 events") { await seen.count >= 15 }
            let x5 = try #require(await seen.events.first { $0.position?.offset == 5 }?.position)
            // Node C starts now: it saw none of the 30 events.
            let late = try await ClusterTestNodes.start(
                ["node-c"], redis: nodes.redis, realm: realm, waitUntilFormed: false)
            do {
                try await nodes.waitUntil("C is connected") { late.node(0).isReady }
                let subscriber = try await late.client(0)
                let log = StreamLog()
                let pattern = base + ".h."
                // x after offset 5; y (not listed) from its beginning.
                try await subscriber.subscribe(
                    pattern, options: SubscribeOptions(match: .prefix, recoverFrom: [topics[0]: x5])
                ) { await log.append($0) }
                try await nodes.waitUntil("C's subscriber got 10 of x and 15 of y") { await log.count >= 25 }
                try await publisher.publish(topics[1], args: [30], options: PublishOptions(acknowledge: true))
                try await nodes.waitUntil("and the live one") { await log.count >= 26 }
                let events = await log.events
                #expect(events.allSatisfy { $0.incomplete == nil })
                #expect(events.prefix(25).allSatisfy { $0.recovered })
                #expect(!events[25].recovered)
                let x = events.filter { $0.details["topic"]?.stringValue == topics[0] }
                let y = events.filter { $0.details["topic"]?.stringValue == topics[1] }
                #expect(x.compactMap(\.position?.offset) == Array(6...15))
                #expect(y.compactMap(\.position?.offset) == Array(1...16))
                // Publication order across the two topics (the publisher's clock is one).
                #expect(events.prefix(25).map(\.index) == (0..<30).filter { $0 % 2 == 1 || $0 >= 10 })
                // get_events on C lists all 31 kept events of the pattern, from Redis.
                let id = try await subscriber.call(
                    "wamp.subscription.lookup", args: [.string(pattern), ["match": "prefix"]]
                ).args.first
                let kept = try await subscriber.call("wamp.subscription.get_events", args: [id ?? .null])
                    .args.first?.listValue ?? []
                #expect(kept.count == 31)
                #expect(kept.compactMap { $0.dictValue?["args"]?.listValue?.first?.signedInteger } == Array(0...30))
                await subscriber.close()
            } catch {
                await late.shutdown()
                throw error
            }
            await late.shutdown()
            await publisher.close()
            await watcher.close()
        }
    }
}
