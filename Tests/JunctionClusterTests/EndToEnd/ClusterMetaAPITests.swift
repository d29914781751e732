import JunctionClient
import JunctionCluster
import JunctionRedis
import JunctionRouter
import JunctionServer
import RESPCore
import RedisTestSupport
import Testing
import WAMPCore

/// The meta API for the whole cluster with three nodes and a real `redis-server`: sessions and
/// subscriptions of every node, meta events on every node, a dead node's sessions gone with its
/// testaments fired once, kills across nodes, realms added by a reload, `junction.cluster.nodes`.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterMetaAPITests {
    private static func topic(_ name: String) -> String { "com.test.cmeta.\(name).r\(UInt32.random(in: 0...UInt32.max))" }

    private static func count(_ client: WAMPClient) async throws -> UInt64? {
        try await client.call("wamp.session.count").args.first?.unsignedInteger
    }

    @Test func sessionsAndSubscriptionsOfEveryNodeAreListedOnEachNode() async throws {
        try await withCluster { nodes in
            let clients = [try await nodes.client(0), try await nodes.client(1), try await nodes.client(2)]
            let ids = clients.compactMap { $0.session?.sessionID }.sorted()
            try await nodes.waitUntil("node A lists the sessions of B and C") {
                (try? await Self.count(clients[0])) == 3
            }
            let listed = try await clients[0].call("wamp.session.list").args.first?.listValue
            #expect(listed?.compactMap(\.unsignedInteger) == ids)
            #expect(try await clients[0].call("wamp.session.list", args: [["nobody"]]).args.first == [])
            let idOfC = try #require(clients[2].session?.sessionID)
            let detailsOfC = try await clients[0].call("wamp.session.get", args: [.uint(idOfC)])
            #expect(detailsOfC.args.first?["session"]?.unsignedInteger == idOfC)

            let topic = Self.topic("sub")
            _ = try await clients[1].subscribe(topic) { _ in }
            _ = try await clients[2].subscribe(topic) { _ in }
            try await nodes.waitUntil("node A sees the subscriptions of B and C") {
                let matched = try? await clients[0].call("wamp.subscription.match", args: [.string(topic)])
                return matched?.args.first?.listValue?.count == 2
            }
            let matched = try await clients[0].call("wamp.subscription.match", args: [.string(topic)])
            let subscriptionIDs = matched.args.first?.listValue?.compactMap(\.unsignedInteger) ?? []
            // Each node's subscription id is in that node's slot, as its session ids are.
            #expect(Set(subscriptionIDs.map { $0 >> 43 }) == Set([1, 2].map { clients[$0].session!.sessionID >> 43 }))
            var subscribers: [UInt64] = []
            for id in subscriptionIDs {
                let details = try await clients[0].call("wamp.subscription.get", args: [.uint(id)])
                #expect(details.args.first?["uri"] == .string(topic))
                let count = try await clients[0].call("wamp.subscription.count_subscribers", args: [.uint(id)])
                #expect(count.args.first?.unsignedInteger == 1)
                let list = try await clients[0].call("wamp.subscription.list_subscribers", args: [.uint(id)])
                subscribers += list.args.first?.listValue?.compactMap(\.unsignedInteger) ?? []
            }
            #expect(subscribers.sorted() == [clients[1].session!.sessionID, clients[2].session!.sessionID].sorted())
            let lookup = try await clients[0].call("wamp.subscription.lookup", args: [.string(topic)])
            #expect(lookup.args.first?.unsignedInteger.map(subscriptionIDs.contains) == true)
            for client in clients { await client.close() }
        }
    }

    @Test func joinAndLeaveOnOneNodeAreSeenOnAnother() async throws {
        try await withCluster { nodes in
            let watcher = try await nodes.client(0)
            let joins = EventLog()
            let leaves = EventLog()
            _ = try await watcher.subscribe("wamp.session.on_join") { event in
                await joins.append(topic: "join", index: 0, publication: event.args.first?["session"]?.unsignedInteger ?? 0)
            }
            _ = try await watcher.subscribe("wamp.session.on_leave") { event in
                await leaves.append(topic: "leave", index: 0, publication: event.args.first?.unsignedInteger ?? 0)
            }
            try await nodes.waitUntil("node B knows A's interest in session events") {
                nodes.node(1).remoteInterest(realm: "realm1", topic: "wamp.session.on_join")
                    && nodes.node(1).remoteInterest(realm: "realm1", topic: "wamp.session.on_leave")
            }
            let visitor = try await nodes.client(1)
            let id = try #require(visitor.session?.sessionID)
            try await nodes.waitUntil("A's watcher saw B's session join") { await joins.publications.contains(id) }
            await visitor.close()
            try await nodes.waitUntil("A's watcher saw B's session leave") { await leaves.publications.contains(id) }
            #expect(await leaves.publications.filter { $0 == id }.count == 1)
            await watcher.close()
        }
    }

    @Test func aDeadNodesSessionsVanishAndItsTestamentsFireOnce() async throws {
        try await withCluster { nodes in
            let topic = Self.topic("testament")
            let subscriberA = try await nodes.client(0)
            let subscriberB = try await nodes.client(1)
            let (logA, logB) = (EventLog(), EventLog())
            _ = try await subscriberA.subscribe(topic) { event in
                await logA.append(topic: event.args.first?.stringValue ?? "", index: 0)
            }
            _ = try await subscriberB.subscribe(topic) { event in
                await logB.append(topic: event.args.first?.stringValue ?? "", index: 0)
            }
            let leaves = EventLog()
            _ = try await subscriberA.subscribe("wamp.session.on_leave") { event in
                await leaves.append(topic: "leave", index: 0, publication: event.args.first?.unsignedInteger ?? 0)
            }
            let doomed = try await nodes.client(2)
            let doomedID = try #require(doomed.session?.sessionID)
            _ = try await doomed.call("wamp.session.add_testament", args: [.string(topic), ["gone"], [:]])
            _ = try await doomed.call(
                "wamp.session.add_testament", args: [.string(topic), ["detached"], [:]], kwargs: ["scope": "detached"])
            let redis = try await nodes.redis.connect()
            let key = "junction:testaments:node-c:\(nodes.node(2).epoch)"
            try await nodes.waitUntil("C's testaments are in Redis and A lists C's session") {
                let stored = try? await redis.send("HLEN", key).integer
                let listed = try? await subscriberA.call("wamp.session.list").args.first?.listValue
                return stored == 1 && listed?.compactMap(\.unsignedInteger).contains(doomedID) == true
            }
            nodes.node(2).crash()
            do {
                try await nodes.waitUntil("both testaments reached A's and B's subscribers", seconds: 15) {
                    let (a, b) = (await logA.count, await logB.count)
                    return a == 2 && b == 2
                }
            } catch {
                let (a, b) = (await logA.count, await logB.count)
                let stored = try? await redis.send("EXISTS", key).integer
                let claimed = try? await redis.send("GET", "junction:testaments-claimed:node-c:\(nodes.node(2).epoch)").string
                Issue.record(
                    Comment(
                        rawValue: "A got \(a), B got \(b); testaments stored: \(stored ?? -1), claimed by \(claimed ?? "nobody"); "
                            + "nodes seen by A: \(nodes.node(0).status().map(\.node))"))
                throw error
            }
            #expect(await logA.events.map(\.topic) == ["detached", "gone"])
            #expect(await logB.events.map(\.topic) == ["detached", "gone"])
            try await nodes.waitUntil("C is gone: evicted everywhere, its testaments claimed and removed") {
                let stored = try? await redis.send("EXISTS", key).integer
                return nodes.node(0).status().count == 2 && nodes.node(1).status().count == 2 && stored == 0
            }
            // The on_leave event is raised at the eviction and reaches A's client a moment later.
            try await nodes.waitUntil("A's subscriber got the on_leave of C's session") {
                await leaves.publications.contains(doomedID)
            }
            let listed = try await subscriberA.call("wamp.session.list").args.first?.listValue ?? []
            #expect(!listed.compactMap(\.unsignedInteger).contains(doomedID))
            // Only one survivor published: a later publication from each survivor arrives after
            // anything either of them published before, and nothing more came.
            let markerA = try await nodes.client(0)
            let markerB = try await nodes.client(1)
            try await markerA.publish(topic, args: ["marker-a"])
            try await markerB.publish(topic, args: ["marker-b"])
            try await nodes.waitUntil("both markers arrived on both nodes") {
                let (a, b) = (await logA.count, await logB.count)
                return a == 4 && b == 4
            }
            #expect(await logA.events.filter { $0.topic == "gone" }.count == 1)
            #expect(await logB.events.filter { $0.topic == "gone" }.count == 1)
            await redis.close()
            for client in [subscriberA, subscriberB, markerA, markerB] { await client.close() }
        }
    }

    @Test func aKillOnOneNodeEndsASessionOnAnother() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let admin = try await nodes.client(0)
            let victim = try await nodes.client(1)
            let victimID = try #require(victim.session?.sessionID)
            try await nodes.waitUntil("A lists B's session") { (try? await Self.count(admin)) == 2 }
            _ = try await admin.call("wamp.session.kill", args: [.uint(victimID)], kwargs: ["reason": "com.test.bye"])
            try await nodes.waitUntil("B ended the session and A no longer lists it") {
                (try? await Self.count(admin)) == 1
            }
            let byRole = try await nodes.client(1)
            try await nodes.waitUntil("A lists B's new session") { (try? await Self.count(admin)) == 2 }
            let killed = try await admin.call("wamp.session.kill_by_authrole", args: ["anonymous"])
            #expect(killed.args.first?.unsignedInteger == 1)
            try await nodes.waitUntil("the session on B is gone") { (try? await Self.count(admin)) == 1 }
            await byRole.close()
            await victim.close()
            await admin.close()
        }
    }

    @Test func aRealmAddedByAReloadSpansTheCluster() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            for server in nodes.servers {
                var configuration = server.configuration
                configuration.realms.append(.openRealm(named: "realm2"))
                let report = await server.runtime.reload(to: configuration)
                #expect(report.realms.added == ["realm2"])
            }
            let subscriber = try await WAMPClient.connect(try ClientConfiguration(url: nodes.url(1), realm: "realm2"))
            let publisher = try await WAMPClient.connect(try ClientConfiguration(url: nodes.url(0), realm: "realm2"))
            let topic = Self.topic("reload")
            let log = EventLog()
            _ = try await subscriber.subscribe(topic) { event in
                await log.append(topic: topic, index: Int(event.args.first?.signedInteger ?? -1))
            }
            try await nodes.waitUntil("A knows B's interest in realm2") {
                nodes.node(0).remoteInterest(realm: "realm2", topic: topic)
            }
            try await publisher.publish(topic, args: [7])
            try await nodes.waitUntil("the event crossed in realm2") { await log.events.map(\.index) == [7] }
            // The new realm's session ids are in the node's slot too.
            let realm1 = try await nodes.client(0)
            #expect(publisher.session!.sessionID >> 43 == realm1.session!.sessionID >> 43)
            try await nodes.waitUntil("A lists B's session in realm2") {
                (try? await Self.count(publisher)) == 2
            }
            for client in [subscriber, publisher, realm1] { await client.close() }
        }
    }

    @Test func clusterNodesListsEveryNodeThisOneFirst() async throws {
        try await withCluster { nodes in
            let client = try await nodes.client(1)
            try await nodes.waitUntil("B's heartbeat counted its session") {
                nodes.node(1).status().first?.sessions == 1
            }
            let listed = try await client.call("junction.cluster.nodes").args.first?.listValue ?? []
            #expect(listed.compactMap { $0["node"]?.stringValue } == ["node-b", "node-a", "node-c"])
            #expect(listed.first?["self"] == true)
            #expect(listed.first?["sessions"]?.unsignedInteger == 1)
            #expect(listed.first?["ready"] == true)
            #expect(listed.allSatisfy { $0["last_heartbeat_ms"]?.unsignedInteger != nil && $0["ready"]?.boolValue != nil })
            await client.close()
        }
    }
}
