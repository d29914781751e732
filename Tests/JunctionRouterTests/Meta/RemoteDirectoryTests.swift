import JunctionRouter
import Testing
import WAMPCore

/// The other nodes' sessions and subscriptions as a realm keeps them for the meta API.
struct RemoteDirectoryTests {
    private static func session(_ id: UInt64, role: String = "user") -> RealmDirectory.Session {
        .init(id: id, authid: "a\(id)", authrole: role, details: ["session": .uint(id)])
    }

    private static func subscription(_ id: UInt64, _ topic: String, _ match: MatchPolicy = .exact)
        -> RealmDirectory.Subscription
    {
        .init(id: id, topic: topic, match: match, created: "t", subscribers: [1])
    }

    @Test func replacingANodesDirectoryReportsTheSessionsItNoLongerHas() {
        var directory = RemoteDirectory()
        #expect(directory.set(node: "b", RealmDirectory(sessions: [Self.session(1), Self.session(2)])).isEmpty)
        directory.set(node: "c", RealmDirectory(sessions: [Self.session(3)]))
        let gone = directory.set(node: "b", RealmDirectory(sessions: [Self.session(2), Self.session(4)]))
        #expect(gone.map(\.id) == [1])
        #expect(directory.sessions.map(\.id).sorted() == [2, 3, 4])
        #expect(directory.session(1) == nil)
        #expect(directory.session(4)?.node == "b")
        #expect(directory.session(3)?.node == "c")
        #expect(directory.set(node: "c", nil).map(\.id) == [3])
        #expect(directory.session(3) == nil)
        #expect(directory.nodes.keys.sorted() == ["b"])
    }

    @Test func subscriptionsAreFoundByIdByPatternAndByMatch() {
        var directory = RemoteDirectory()
        directory.set(
            node: "b",
            RealmDirectory(subscriptions: [
                Self.subscription(20, "com.a.x"), Self.subscription(21, "com.a.", .prefix),
                Self.subscription(22, "com..x", .wildcard),
            ]))
        directory.set(node: "c", RealmDirectory(subscriptions: [Self.subscription(10, "com.a.x")]))
        #expect(directory.subscription(21)?.topic == "com.a.")
        #expect(directory.subscriptionIDs(matching: "com.a.x").sorted() == [10, 20, 21, 22])
        #expect(directory.subscriptionIDs(matching: "com.b.y").isEmpty)
        #expect(directory.lookup("com.a.x", match: .exact) == 10)
        #expect(directory.lookup("com.a.x", match: .prefix) == nil)
        directory.set(node: "c", RealmDirectory())
        #expect(directory.lookup("com.a.x", match: .exact) == 20)
        #expect(directory.subscription(10) == nil)
    }

    @Test func aSessionThatMovedToAnotherNodeIsNotForgottenWithTheOldOne() {
        var directory = RemoteDirectory()
        directory.set(node: "b", RealmDirectory(sessions: [Self.session(5)]))
        directory.set(node: "c", RealmDirectory(sessions: [Self.session(5)]))
        directory.set(node: "b", nil)
        #expect(directory.session(5)?.node == "c")
    }
}
