import JunctionClient
import JunctionCluster
import JunctionRouter
import RedisTestSupport
import Testing
import WAMPCore

/// Retained events and streams are cluster-wide: three nodes and one real `redis-server` in this
/// process. Offsets and epochs come from Redis, history is read from there on any node, and each
/// publisher's order holds across a history topic and a plain one.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterStreamTests {
    /// A random base per test, and a realm whose `<base>.h.` topics are streams.
    static func realm() -> (RealmConfiguration, base: String) {
        let base = "com.test.streams.r\(UInt32.random(in: 0...UInt32.max))"
        var realm = RealmConfiguration.openRealm(named: "realm1")
        realm.eventHistory = [EventHistoryRule(uri: base + ".h.", match: .prefix, limit: 1000)]
        return (realm, base)
    }

    static func index(of event: Event) -> Int { Int(event.args.first?.signedInteger ?? -1) }

    @Test func aRetainedEventPublishedOnAIsWhatALateSubscriberOnCGets() async throws {
        let (realm, base) = Self.realm()
        try await withCluster(realm: realm) { nodes in
            let plain = base + ".retained"
            let stream = base + ".h.retained"
            let publisher = try await nodes.client(0)
            // Nobody subscribes anywhere: the event still reaches Redis and every node.
            let retain = PublishOptions(acknowledge: true, extra: ["retain": true])
            try await publisher.publish(plain, args: [1], options: retain)
            try await publisher.publish(plain, args: [2], options: retain)
            try await publisher.publish(stream, args: [3], options: retain)
            let subscriber = try await nodes.client(2)
            var events: [StreamLog.Entry] = []
            for topic in [plain, stream] {
                events += try await Self.retained(topic, on: subscriber, nodes: nodes)
            }
            #expect(events.map(\.index).sorted() == [2, 3])
            #expect(events.allSatisfy { $0.details["retained"] == true })
            // The retained stream event carries its cluster-wide position.
            #expect(events.first { $0.index == 3 }?.position?.offset == 1)
            await publisher.close()
            await subscriber.close()
        }
    }

    @Test func offsetsAreContiguousAcrossPublishersOnTwoNodesAndArriveInOrderOnEveryNode() async throws {
        let (realm, base) = Self.realm()
        try await withCluster(realm: realm) { nodes in
            let topic = base + ".h.shared"
            // A subscriber on every node, the publishing ones included: there a publisher's own
            // event (its offset from Redis's reply) and the other node's (through pub/sub) race.
            var logs: [StreamLog] = []
            var subscribers: [WAMPClient] = []
            for node in 0..<3 {
                let subscriber = try await nodes.client(node)
                let log = StreamLog()
                try await subscriber.subscribe(topic) { await log.append($0) }
                logs.append(log)
                subscribers.append(subscriber)
            }
            let publisherA = try await nodes.client(0)
            let publisherB = try await nodes.client(1)
            let count = 300
            // Unacknowledged bursts from both at once, so their offsets interleave.
            async let fromA: Void = Self.publish(publisherA, topic, 0..<count, acknowledge: false)
            async let fromB: Void = Self.publish(publisherB, topic, 1000..<(1000 + count), acknowledge: false)
            _ = try await (fromA, fromB)
            for (node, log) in logs.enumerated() {
                do {
                    try await nodes.waitUntil("node \(node)'s subscriber got every event", seconds: 20) {
                        await log.count >= 2 * count
                    }
                } catch {
                    // The JunctionClient drops an offset it has passed: an event out of offset
                    // order shows up as a missing one.
                    Issue.record("node \(node): \(await log.count) of \(2 * count) events")
                    throw error
                }
                let events = await log.events
                #expect(events.compactMap(\.position?.offset) == Array(1...UInt64(2 * count)))
                #expect(Set(events.compactMap(\.position?.epoch)).count == 1)
                // Each publisher's events in its order.
                #expect(events.map(\.index).filter { $0 < 1000 } == Array(0..<count))
                #expect(events.map(\.index).filter { $0 >= 1000 } == Array(1000..<(1000 + count)))
            }
            await publisherA.close()
            await publisherB.close()
            for subscriber in subscribers { await subscriber.close() }
        }
    }

    @Test func aSubscriberThatDroppedFromBRecoversOnCExactlyTheMissedEventsThenLive() async throws {
        let (realm, base) = Self.realm()
        try await withCluster(realm: realm) { nodes in
            let topic = base + ".h.resume"
            let publisher = try await nodes.client(0)
            let first = try await nodes.client(1)
            let firstLog = StreamLog()
            try await first.subscribe(topic) { await firstLog.append($0) }
            try await Self.publish(publisher, topic, 0..<5)
            try await nodes.waitUntil("B's subscriber got the first 5") { await firstLog.count >= 5 }
            let position = try #require(await firstLog.events.last?.position)
            #expect(position.offset == 5)
            await first.close()
            try await Self.publish(publisher, topic, 5..<105)
            let second = try await nodes.client(2)
            let log = StreamLog()
            try await second.subscribe(topic, options: SubscribeOptions(recoverFrom: [topic: position])) {
                await log.append($0)
            }
            try await Self.publish(publisher, topic, 105..<115)
            try await nodes.waitUntil("C's subscriber got the 100 missed and 10 live", seconds: 20) {
                await log.count >= 110
            }
            let events = await log.events
            #expect(events.map(\.index) == Array(5..<115))
            #expect(events.compactMap(\.position?.offset) == Array(6...115))
            #expect(events.prefix(100).allSatisfy { $0.recovered })
            #expect(!events.suffix(10).contains { $0.recovered })
            #expect(events.allSatisfy { $0.incomplete == nil })
            await publisher.close()
            await second.close()
        }
    }

    @Test func publicationsDuringTheResubscribeCauseNeitherDuplicatesNorGaps() async throws {
        let (realm, base) = Self.realm()
        try await withCluster(realm: realm) { nodes in
            let topic = base + ".h.race"
            let publisherA = try await nodes.client(0)
            let publisherB = try await nodes.client(1)
            try await Self.publish(publisherA, topic, 0..<20)
            let position = StreamPosition(offset: 10, epoch: try await Self.epoch(of: topic, nodes: nodes))
            // Two publishers on two nodes keep publishing while C's subscriber resumes.
            async let fromA: Void = Self.publish(publisherA, topic, 20..<320)
            async let fromB: Void = Self.publish(publisherB, topic, 1000..<1300)
            try await Task.sleep(for: .milliseconds(30))
            let subscriber = try await nodes.client(2)
            let log = StreamLog()
            try await subscriber.subscribe(topic, options: SubscribeOptions(recoverFrom: [topic: position])) {
                await log.append($0)
            }
            _ = try await (fromA, fromB)
            let total = UInt64(20 + 300 + 300)
            try await nodes.waitUntil("the subscriber reached the last offset", seconds: 30) {
                let events = await log.events
                return events.contains { $0.position?.offset == total }
                    && UInt64(events.count) >= total - position.offset
            }
            try await Task.sleep(for: .milliseconds(200))  // anything late would show up as a duplicate
            let offsets = await log.events.compactMap(\.position?.offset)
            #expect(offsets.count == Int(total - position.offset))
            #expect(offsets.sorted() == Array((position.offset + 1)...total))
            #expect(await log.events.allSatisfy { $0.incomplete == nil })
            await publisherA.close()
            await publisherB.close()
            await subscriber.close()
        }
    }

    @Test func eachPublishersOrderHoldsAcrossAHistoryTopicAndAPlainOne() async throws {
        let (realm, base) = Self.realm()
        try await withCluster(["node-a", "node-b"], realm: realm) { nodes in
            let topics = [base + ".h.ordered", base + ".plain"]
            // One prefix subscription over both topics on each node: order across topics is visible.
            var logs: [StreamLog] = []
            var clients: [WAMPClient] = []
            for node in 0..<2 {
                let client = try await nodes.client(node)
                let log = StreamLog()
                try await client.subscribe(base + ".", options: SubscribeOptions(match: .prefix)) { await log.append($0) }
                logs.append(log)
                clients.append(client)
            }
            try await nodes.waitUntil("A knows B's interest") {
                nodes.node(0).remoteInterest(realm: "realm1", topic: topics[1])
            }
            let publisher = try await nodes.client(0)
            let count = 400
            for index in 0..<count {
                try await publisher.publish(topics[index % 2], args: [.int(Int64(index))])
            }
            for log in logs {
                try await nodes.waitUntil("every event arrived", seconds: 30) { await log.count >= count }
                let events = await log.events
                #expect(events.map(\.index) == Array(0..<count))
                #expect(events.filter { $0.index % 2 == 0 }.compactMap(\.position?.offset) == Array(1...UInt64(count / 2)))
            }
            await publisher.close()
            for client in clients { await client.close() }
        }
    }

    @Test func withoutRedisHistoryPublicationsAreRefusedAndAfterARestartTheEpochChanges() async throws {
        let (realm, base) = Self.realm()
        try await withCluster(["node-a", "node-b"], realm: realm) { nodes in
            let topic = base + ".h.outage"
            let plain = base + ".plain"
            let publisher = try await nodes.client(0)
            let subscriber = try await nodes.client(0)
            let log = StreamLog()
            try await subscriber.subscribe(topic) { await log.append($0) }
            try await subscriber.subscribe(plain) { await log.append($0) }
            try await Self.publish(publisher, topic, 0..<3)
            try await nodes.waitUntil("3 events") { await log.count >= 3 }
            let before = try #require(await log.events.last?.position)
            nodes.redis.kill()
            try await nodes.waitUntil("A sees Redis gone") { !nodes.node(0).isReady }
            do {
                try await publisher.publish(topic, args: [99], options: PublishOptions(acknowledge: true))
                Issue.record("a history publication without Redis was acknowledged")
            } catch let error as WAMPError {
                #expect(error.uri == WAMPErrorURI.clusterUnavailable)
            }
            // Plain topics keep working locally.
            try await publisher.publish(plain, args: [4], options: PublishOptions(acknowledge: true))
            try await nodes.waitUntil("the plain event arrived") { await log.count >= 4 }
            #expect(await log.events.map(\.index) == [0, 1, 2, 4])
            try await nodes.redis.restart()
            // Both nodes: B answers the late `_recover` below, from Redis only once it is back.
            try await nodes.waitUntil("A and B are back", seconds: 20) {
                nodes.servers.allSatisfy { $0.cluster.isReady && $0.cluster.counters.connects >= 2 }
            }
            try await Self.publish(publisher, topic, 5..<6)
            try await nodes.waitUntil("the new event arrived") { await log.count >= 5 }
            let after = try #require(await log.events.last?.position)
            #expect(after.epoch != before.epoch)  // Redis lost the history: a new epoch
            #expect(after.offset == 1)
            // Resuming from the old epoch on the other node: incomplete, with the current position.
            let late = try await nodes.client(1)
            let lateLog = StreamLog()
            try await late.subscribe(topic, options: SubscribeOptions(recoverFrom: [topic: before])) {
                await lateLog.append($0)
            }
            try await nodes.waitUntil("the marker arrived") { await lateLog.count >= 1 }
            let marker = try #require(await lateLog.events.first?.incomplete)
            #expect(marker.current[topic] == after)
            await publisher.close()
            await subscriber.close()
            await late.close()
        }
    }

    /// What a `get_retained` subscription to `topic` is sent first (polled: the retained event
    /// reaches the node through Redis shortly after the publisher's PUBLISHED).
    static func retained(_ topic: String, on client: WAMPClient, nodes: ClusterTestNodes) async throws
        -> [StreamLog.Entry]
    {
        let log = StreamLog()
        try await nodes.waitUntil("a retained event of \(topic)") {
            guard
                let subscription = try? await client.subscribe(
                    topic, options: SubscribeOptions(extra: ["get_retained": true]), handler: { await log.append($0) })
            else { return false }
            try? await Task.sleep(for: .milliseconds(100))
            try? await subscription.unsubscribe()
            return await log.count > 0
        }
        return Array(await log.events.prefix(1))
    }

    static func publish(
        _ client: WAMPClient, _ topic: String, _ indices: Range<Int>, acknowledge: Bool = true
    ) async throws {
        for index in indices {
            try await client.publish(
                topic, args: [.int(Int64(index))], options: PublishOptions(acknowledge: acknowledge))
        }
    }

    /// The cluster epoch of `topic`'s realm, as a `get_events` kept event shows it... or as the
    /// first subscriber sees it: subscribe on C, publish nothing, recover from 0 of a wrong epoch
    /// and read the position the router reports.
    static func epoch(of topic: String, nodes: ClusterTestNodes) async throws -> String {
        let probe = try await nodes.client(2)
        defer { Task { await probe.close() } }
        let log = StreamLog()
        try await probe.subscribe(
            topic, options: SubscribeOptions(recoverFrom: [topic: StreamPosition(offset: 0, epoch: "none")])
        ) { await log.append($0) }
        try await nodes.waitUntil("the probe's marker") { await log.count >= 1 }
        return try #require(await log.events.first?.incomplete?.current[topic]?.epoch)
    }
}

/// What a subscriber received, in arrival order.
actor StreamLog {
    struct Entry: Sendable {
        var index: Int
        var position: StreamPosition?
        var recovered: Bool
        var incomplete: RecoveryIncomplete?
        var details: WAMPDict
    }

    private(set) var events: [Entry] = []

    func append(_ event: Event) {
        self.events.append(
            Entry(
                index: Int(event.args.first?.signedInteger ?? -1), position: event.streamPosition,
                recovered: event.isRecovered, incomplete: event.recoveryIncomplete, details: event.details))
    }

    var count: Int { self.events.count }
}
