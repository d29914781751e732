import JunctionClient
import JunctionCluster
import JunctionRedis
import JunctionRouter
import RESPCore
import RedisTestSupport
import Testing
import WAMPCore

/// `wamp.subscription.remove_subscriber` and `wamp.registration.remove_callee` called on one node
/// for a subscriber or callee on another, with nodes in this process and a real `redis-server`:
/// the other node removes it (no more events, no more calls), meta events reach every node,
/// unknown ids get the errors of one node, and an unreachable node is an ERROR, not a hang.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterMetaRemovalTests {
    private static func uri(_ name: String) -> String {
        "com.test.cremove.\(name).r\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Records each meta event: its topic and its first argument (the session).
    private static func watch(_ client: WAMPClient, _ topics: [String], into log: EventLog) async throws {
        for topic in topics {
            _ = try await client.subscribe(topic) { event in
                await log.append(
                    topic: topic, index: 0, publication: event.args.first?.unsignedInteger ?? 0)
            }
        }
    }

    /// The first subscription `wamp.subscription.match` lists for `topic`, if any.
    private static func subscription(_ topic: String, on client: WAMPClient) async throws -> UInt64? {
        try await client.call("wamp.subscription.match", args: [.string(topic)]).args.first?.listValue?.first?
            .unsignedInteger
    }

    private static func registration(_ procedure: String, on client: WAMPClient) async throws -> UInt64? {
        try await client.call("wamp.registration.match", args: [.string(procedure)]).args.first?.unsignedInteger
    }

    private static func failure(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch let error as WAMPError {
            return error.uri
        } catch {
            return "\(error)"
        }
    }

    @Test func removeSubscriberOnOneNodeStopsEventsToASubscriberOnAnotherAndBothNodesSeeIt() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let topic = Self.uri("sub")
            let marker = Self.uri("marker")
            let metaTopics = ["wamp.subscription.on_unsubscribe", "wamp.subscription.on_delete"]
            let (watchA, watchB) = (EventLog(), EventLog())
            let watchers = [try await nodes.client(0), try await nodes.client(1)]
            for (client, log) in zip(watchers, [watchA, watchB]) {
                try await Self.watch(client, metaTopics, into: log)
            }
            let subscriber = try await nodes.client(1)
            let subscriberID = try #require(subscriber.session?.sessionID)
            let events = EventLog()
            _ = try await subscriber.subscribe(topic) { event in
                await events.append(topic: topic, index: Int(event.args.first?.signedInteger ?? -1))
            }
            _ = try await subscriber.subscribe(marker) { event in
                await events.append(topic: marker, index: Int(event.args.first?.signedInteger ?? -1))
            }
            let admin = try await nodes.client(0)
            try await nodes.waitUntil("A sees B's subscription and interest, B knows A's interest in meta events") {
                let matched = try? await admin.call("wamp.subscription.match", args: [.string(topic)])
                return matched?.args.first?.listValue?.count == 1
                    && nodes.node(0).remoteInterest(realm: "realm1", topic: topic)
                    && nodes.node(0).remoteInterest(realm: "realm1", topic: marker)
                    && metaTopics.allSatisfy { nodes.node(1).remoteInterest(realm: "realm1", topic: $0) }
            }
            try await admin.publish(topic, args: [1])
            try await nodes.waitUntil("the first event reached B's subscriber") { await events.count == 1 }
            let matched = try await admin.call("wamp.subscription.match", args: [.string(topic)])
            let subscription = try #require(matched.args.first?.listValue?.first?.unsignedInteger)

            let result = try await admin.call(
                "wamp.subscription.remove_subscriber", args: [.uint(subscription), .uint(subscriberID)],
                kwargs: ["reason": "maintenance"])
            #expect(result.args.isEmpty)
            try await nodes.waitUntil("the watchers on A and B saw on_unsubscribe and on_delete") {
                for log in [watchA, watchB] {
                    let seen = await log.events.map(\.topic)
                    guard seen == metaTopics else { return false }
                }
                return true
            }
            for log in [watchA, watchB] {
                #expect(await log.publications == [subscriberID, subscriberID])
            }
            // Same publisher, one ordered path: the marker arrives after the event would have.
            try await admin.publish(topic, args: [2])
            try await admin.publish(marker, args: [3])
            try await nodes.waitUntil("the marker reached B's subscriber") {
                await events.events.contains { $0.topic == marker }
            }
            #expect(await events.events.map(\.index) == [1, 3])
            try await nodes.waitUntil("A no longer lists the subscription") {
                await Self.failure {
                    _ = try await admin.call("wamp.subscription.list_subscribers", args: [.uint(subscription)])
                } == WAMPErrorURI.noSuchSubscription
            }
            for client in watchers + [subscriber, admin] { await client.close() }
        }
    }

    @Test func removeCalleeOnOneNodeStopsCallsToACalleeOnAnother() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let procedure = Self.uri("proc")
            let metaTopics = ["wamp.registration.on_unregister", "wamp.registration.on_delete"]
            let (watchA, watchB) = (EventLog(), EventLog())
            let watchers = [try await nodes.client(0), try await nodes.client(1)]
            for (client, log) in zip(watchers, [watchA, watchB]) {
                try await Self.watch(client, metaTopics, into: log)
            }
            let callee = try await nodes.client(1)
            let calleeID = try #require(callee.session?.sessionID)
            try await callee.register(procedure) { _ in InvocationResult(args: ["b"]) }
            let caller = try await nodes.client(0)
            try await nodes.waitUntil("A routes to B's callee; B knows A's interest in registration events") {
                let match = try? await caller.call("wamp.registration.match", args: [.string(procedure)])
                return match?.args.first?.unsignedInteger != nil
                    && metaTopics.allSatisfy { nodes.node(1).remoteInterest(realm: "realm1", topic: $0) }
            }
            #expect(try await caller.call(procedure).args == ["b"])
            let match = try await caller.call("wamp.registration.match", args: [.string(procedure)])
            let registration = try #require(match.args.first?.unsignedInteger)

            _ = try await caller.call("wamp.registration.remove_callee", args: [.uint(registration), .uint(calleeID)])
            try await nodes.waitUntil("the watchers on A and B saw on_unregister and on_delete") {
                let (a, b) = (await watchA.events.map(\.topic), await watchB.events.map(\.topic))
                return a == metaTopics && b == metaTopics
            }
            #expect(await watchA.publications == [calleeID, calleeID])
            try await nodes.waitUntil("A no longer routes to B's callee") {
                let match = try? await caller.call("wamp.registration.match", args: [.string(procedure)])
                return match?.args.first?.isNull == true
            }
            #expect(await Self.failure { _ = try await caller.call(procedure) } == WAMPErrorURI.noSuchProcedure)
            for client in watchers + [callee, caller] { await client.close() }
        }
    }

    @Test func aSharedRegistrationKeepsItsOtherCallees() async throws {
        try await withCluster { nodes in
            let procedure = Self.uri("shared")
            let calleeB = try await nodes.client(1)
            let calleeC = try await nodes.client(2)
            for (client, name) in [(calleeB, "b"), (calleeC, "c")] {
                try await client.register(procedure, options: RegisterOptions(invoke: "roundrobin")) { _ in
                    InvocationResult(args: [.string(name)])
                }
            }
            let caller = try await nodes.client(0)
            let calleeBID = try #require(calleeB.session?.sessionID)
            try await nodes.waitUntil("A sees both callees") {
                guard let id = try? await Self.registration(procedure, on: caller) else { return false }
                let count = try? await caller.call("wamp.registration.count_callees", args: [.uint(id)])
                return count?.args.first?.unsignedInteger == 2
            }
            let registration = try #require(try await Self.registration(procedure, on: caller))
            _ = try await caller.call("wamp.registration.remove_callee", args: [.uint(registration), .uint(calleeBID)])
            try await nodes.waitUntil("A lists only C's callee") {
                let list = try? await caller.call("wamp.registration.list_callees", args: [.uint(registration)])
                return list?.args.first?.listValue?.compactMap(\.unsignedInteger) == [calleeC.session!.sessionID]
            }
            for _ in 0..<4 { #expect(try await caller.call(procedure).args == ["c"]) }
            for client in [calleeB, calleeC, caller] { await client.close() }
        }
    }

    @Test func unknownIdsGetTheErrorsOfOneNode() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let topic = Self.uri("unknown")
            let procedure = Self.uri("unknown-proc")
            let other = try await nodes.client(1)
            let otherID = try #require(other.session?.sessionID)
            _ = try await other.subscribe(topic) { _ in }
            try await other.register(procedure) { _ in InvocationResult() }
            let admin = try await nodes.client(0)
            let adminID = try #require(admin.session?.sessionID)
            try await nodes.waitUntil("A sees B's subscription and registration") {
                let subscription = try? await Self.subscription(topic, on: admin)
                let registration = try? await Self.registration(procedure, on: admin)
                return subscription != nil && registration != nil
            }
            let subscription = try #require(try await Self.subscription(topic, on: admin))
            let registration = try #require(try await Self.registration(procedure, on: admin))
            let remove = "wamp.subscription.remove_subscriber"
            let removeCallee = "wamp.registration.remove_callee"
            #expect(
                await Self.failure {
                    _ = try await admin.call(remove, args: [.uint(subscription + 1), .uint(otherID)])
                } == WAMPErrorURI.noSuchSubscription)
            #expect(
                await Self.failure {
                    _ = try await admin.call(remove, args: [.uint(subscription), .uint(adminID)])
                } == WAMPErrorURI.noSuchSubscription)
            #expect(
                await Self.failure {
                    _ = try await admin.call(removeCallee, args: [.uint(registration), .uint(adminID)])
                } == WAMPErrorURI.noSuchRegistration)
            #expect(
                await Self.failure {
                    _ = try await admin.call(removeCallee, args: [.uint(registration + 1), .uint(otherID)])
                } == WAMPErrorURI.noSuchRegistration)
            // Nothing was removed on B.
            let count = try await admin.call("wamp.subscription.count_subscribers", args: [.uint(subscription)])
            #expect(count.args.first?.unsignedInteger == 1)
            for client in [other, admin] { await client.close() }
        }
    }

    @Test func aNodeThatDoesNotListenAnymoreMeansNetworkFailureNotAHang() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let topic = Self.uri("gone")
            let subscriber = try await nodes.client(1)
            let subscriberID = try #require(subscriber.session?.sessionID)
            _ = try await subscriber.subscribe(topic) { _ in }
            let admin = try await nodes.client(0)
            try await nodes.waitUntil("A sees B's subscription") {
                let subscription = try? await Self.subscription(topic, on: admin)
                return subscription != nil
            }
            let subscription = try #require(try await Self.subscription(topic, on: admin))
            // B's Redis connections close at once; A keeps B's directory until the eviction (3 s).
            nodes.node(1).crash()
            let redis = try await nodes.redis.connect()
            try await nodes.waitUntil("nobody listens on B's request channel", seconds: 2) {
                let reply = try? await redis.send("PUBSUB", "NUMSUB", "junction:kill:node-b")
                return reply?.elements?.last?.integer == 0
            }
            let started = ContinuousClock.now
            let uri = await Self.failure {
                _ = try await admin.call(
                    "wamp.subscription.remove_subscriber", args: [.uint(subscription), .uint(subscriberID)])
            }
            #expect(uri == "wamp.error.network_failure")
            #expect(ContinuousClock.now - started < .seconds(2))
            await redis.close()
            for client in [subscriber, admin] { await client.close() }
        }
    }
}
