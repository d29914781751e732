import Foundation
import Logging
import MQTTCore
import NIOCore
import NIOPosix
import Testing

@testable import JunctionServer

/// Stored persistent sessions rejoin their realm at start: what is published after a restart and
/// before the client is back is queued for it, after what was queued before the restart (the
/// `kill -9` case is `Tests/MQTTInterop/test_durable.py`).
@Suite(.serialized) struct MQTTSessionRestoreEndToEndTests {
    typealias Support = MQTTPersistenceEndToEndTests

    static func texts(_ publishes: [MQTTPublish]) -> [String] {
        publishes.map { String(decoding: $0.payload, as: UTF8.self) }
    }

    @Test(arguments: ["always", "interval"])
    func publicationsAfterARestartAreQueuedForAnAbsentClient(sync: String) async throws {
        try await Support.withStore { path in
            let group = MultiThreadedEventLoopGroup.singleton
            var server = try await Support.start(Support.yaml(path: path, sync: sync))
            let (subscriber, _) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "restore-sub",
                properties: Support.persistent)
            #expect(try await subscriber.subscribe("rs/#", qos: .atLeastOnce) == [.grantedQoS1])
            try await subscriber.disconnect()
            let (before, _) = try await MQTTTestClient.connect(to: server.boundAddresses[0], group: group)
            for n in 1...3 {
                #expect(
                    try await before.publish("rs/pre", Array("pre\(n)".utf8), qos: .atLeastOnce, id: UInt16(n))
                        == .success)
            }
            await before.close()
            await server.shutdown()

            server = try await Support.start(Support.yaml(path: path, sync: sync))
            let (after, _) = try await MQTTTestClient.connect(to: server.boundAddresses[0], group: group)
            for n in 1...5 {
                #expect(
                    try await after.publish("rs/post", Array("post\(n)".utf8), qos: .atLeastOnce, id: UInt16(n))
                        == .success)
            }
            // Not matching its filter: not queued.
            #expect(try await after.publish("other/x", Array("no".utf8), qos: .atLeastOnce, id: 9) == .success)

            let (resumed, connack) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "restore-sub", cleanStart: false,
                properties: Support.persistent)
            #expect(connack.sessionPresent)
            var received: [MQTTPublish] = []
            for _ in 1...8 { received.append(try await resumed.receivePublish()) }
            #expect(Self.texts(received) == (1...3).map { "pre\($0)" } + (1...5).map { "post\($0)" })
            #expect(received.allSatisfy { $0.qos == .atLeastOnce && !$0.dup })
            try await resumed.expectSilence()
            // Still subscribed: live messages arrive.
            try await after.publish("rs/live", Array("live".utf8), qos: .atLeastOnce, id: 10)
            #expect(try await resumed.receivePublish().payload == Array("live".utf8))
            for client in [after, resumed] { await client.close() }
            await server.shutdown()
        }
    }

    /// The rejoined session keeps counting its expiry, and restarting twice without the client
    /// keeps what queued in both runs.
    @Test func twoRestartsWithoutTheClientKeepEverything() async throws {
        try await Support.withStore { path in
            let group = MultiThreadedEventLoopGroup.singleton
            var server = try await Support.start(Support.yaml(path: path))
            let (subscriber, _) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "twice", properties: Support.persistent)
            _ = try await subscriber.subscribe("tw/#", qos: .atLeastOnce)
            try await subscriber.disconnect()
            await server.shutdown()
            for run in 1...2 {
                server = try await Support.start(Support.yaml(path: path))
                let (publisher, _) = try await MQTTTestClient.connect(to: server.boundAddresses[0], group: group)
                #expect(
                    try await publisher.publish("tw/x", Array("run\(run)".utf8), qos: .atLeastOnce, id: 1)
                        == .success)
                await publisher.close()
                if run == 1 { await server.shutdown() }
            }
            let (resumed, connack) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "twice", cleanStart: false,
                properties: Support.persistent)
            #expect(connack.sessionPresent)
            let first = try await resumed.receivePublish()
            let second = try await resumed.receivePublish()
            #expect(Self.texts([first, second]) == ["run1", "run2"])
            try await resumed.expectSilence()
            await resumed.close()
            await server.shutdown()
        }
    }

    static func yaml(path: String, role: String) -> String {
        """
        realms:
          - name: realm1
            roles:
              - name: anonymous
                permissions: [{uri: "", match: prefix, allow: [publish, subscribe]}]
              - name: \(role)
                permissions: [{uri: allowed, match: prefix, allow: [publish, subscribe]}]
            authentication:
              ticket:
                principals: [{authid: joe, ticket: joe-ticket, role: \(role)}]
        transports:
          - {type: mqtt, realm: realm1, port: 0, limits: {max_session_expiry: 3600}}
        storage: {type: sqlite, path: \(path), sync: always}
        """
    }

    /// A session whose role is gone from the configuration is not rejoined, and removed: its
    /// client starts afresh, everyone else is served.
    @Test func aSessionWhoseRoleIsGoneIsDropped() async throws {
        try await Support.withStore { path in
            let group = MultiThreadedEventLoopGroup.singleton
            var server = try await Support.start(Self.yaml(path: path, role: "limited"))
            let (joe, _) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "joe-dev", username: "joe",
                password: "joe-ticket", properties: Support.persistent)
            #expect(try await joe.subscribe("allowed/#", qos: .atLeastOnce) == [.grantedQoS1])
            try await joe.disconnect()
            await server.shutdown()

            server = try await Support.start(Self.yaml(path: path, role: "renamed"))
            let (publisher, _) = try await MQTTTestClient.connect(to: server.boundAddresses[0], group: group)
            #expect(try await publisher.publish("allowed/x", [1], qos: .atLeastOnce) == .success)
            await publisher.close()
            await server.shutdown()

            // Gone from the file too: back under the old configuration, nothing is restored.
            server = try await Support.start(Self.yaml(path: path, role: "limited"))
            let (again, connack) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "joe-dev", cleanStart: false,
                username: "joe", password: "joe-ticket", properties: Support.persistent)
            #expect(!connack.sessionPresent)
            try await again.expectSilence(.milliseconds(200))
            await again.close()
            await server.shutdown()
        }
    }
}
