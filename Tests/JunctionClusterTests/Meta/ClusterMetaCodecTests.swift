import JunctionCluster
import JunctionRouter
import Testing
import WAMPCore

/// The frames of the cluster-wide meta API round-trip, and bad bytes are errors, never crashes.
struct ClusterMetaCodecTests {
    private static let directory = NodeDirectory(
        node: "node-b", epoch: 99,
        realms: [
            "realm1": RealmDirectory(
                sessions: [
                    .init(
                        id: 7, authid: "alice", authrole: "user",
                        details: ["session": 7, "authid": "alice", "authrole": "user", "transport": ["type": "websocket"]])
                ],
                subscriptions: [
                    .init(id: 11, topic: "com.a.", match: .prefix, created: "2026-12-07T03:00:00.000Z", subscribers: [7, 8])
                ]),
            "realm2": RealmDirectory(),
        ])

    @Test func aNodeDirectoryRoundTrips() throws {
        #expect(try NodeDirectory(bytes: Self.directory.encoded()) == Self.directory)
    }

    @Test func aDirectoryWithABadEntryIsRefusedWhole() {
        let bad = WAMPMessage.publish(
            .init(
                request: 1, options: ["node": "node-b", "epoch": 1], topic: "junction.cluster.directory",
                payload: .init(args: [["realm1", [["session": 7]], []]])))
        #expect(throws: ClusterFrameError.self) { try NodeDirectory(bytes: bad.encoded(with: MessagePackSerializer())) }
        let badNode = WAMPMessage.publish(
            .init(request: 1, options: ["node": "a b", "epoch": 1], topic: "junction.cluster.directory"))
        #expect(throws: ClusterFrameError.self) {
            try NodeDirectory(bytes: badNode.encoded(with: MessagePackSerializer()))
        }
    }

    @Test func storedTestamentsRoundTripInOrderWithEitherPayload() throws {
        let stored = StoredTestaments(
            realm: "realm1", publisher: RemotePublisher(session: 42, authid: "dev-1", authrole: "device"),
            testaments: [
                ClusterTestament(scope: "detached", topic: "com.dev.gone", payload: .init(args: [1]), options: [:]),
                ClusterTestament(
                    scope: "destroyed", topic: "com.dev.gone", payload: .init(args: [], kwargs: ["k": "v"]),
                    options: ["retain": true]),
                ClusterTestament(
                    scope: "destroyed", topic: "com.dev.raw", payload: .transparent([0, 255]),
                    options: ["ppt_scheme": "x_custom"]),
            ])
        #expect(try StoredTestaments(bytes: stored.encoded()) == stored)
        #expect(stored.field == "42 realm1")
    }

    @Test(arguments: ["later", ""]) func aTestamentWithAnUnknownScopeIsRefused(_ scope: String) {
        let bad = StoredTestaments(
            realm: "realm1", publisher: RemotePublisher(session: 1, authid: "a", authrole: "r"),
            testaments: [ClusterTestament(scope: scope, topic: "com.t", payload: .empty, options: [:])])
        #expect(throws: ClusterFrameError.self) { try StoredTestaments(bytes: bad.encoded()) }
    }

    @Test func aTestamentOnAReservedTopicIsRefused() {
        let bad = StoredTestaments(
            realm: "realm1", publisher: RemotePublisher(session: 1, authid: "a", authrole: "r"),
            testaments: [ClusterTestament(scope: "destroyed", topic: "wamp.session.on_leave", payload: .empty, options: [:])])
        #expect(throws: ClusterFrameError.self) { try StoredTestaments(bytes: bad.encoded()) }
    }

    @Test func aKillRequestRoundTrips() throws {
        let request = ClusterKillRequest(realm: "realm1", sessions: [3, 4], reason: "wamp.close.killed", message: "bye")
        #expect(try ClusterKillRequest(bytes: request.encoded()) == request)
        let bad = ClusterKillRequest(realm: "realm1", sessions: [3], reason: "not a uri!", message: nil)
        #expect(throws: ClusterFrameError.self) { try ClusterKillRequest(bytes: bad.encoded()) }
    }

    @Test(arguments: [[UInt8](), [0x93, 0x01, 0x02, 0x03], Array("[16,1,{},\"t\"]".utf8), [0xc1]])
    func garbageIsAnErrorNotACrash(_ bytes: [UInt8]) {
        #expect(throws: ClusterFrameError.self) { try NodeDirectory(bytes: bytes) }
        #expect(throws: ClusterFrameError.self) { try StoredTestaments(bytes: bytes) }
        #expect(throws: ClusterFrameError.self) { try ClusterKillRequest(bytes: bytes) }
    }

    @Test func framesOfOneKindAreNotTakenForAnother() {
        #expect(throws: ClusterFrameError.self) { try StoredTestaments(bytes: Self.directory.encoded()) }
        let kill = ClusterKillRequest(realm: "r", sessions: [], reason: "wamp.close.killed", message: nil)
        #expect(throws: ClusterFrameError.self) { try NodeDirectory(bytes: kill.encoded()) }
    }
}
