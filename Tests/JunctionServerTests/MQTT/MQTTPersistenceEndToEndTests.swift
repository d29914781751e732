import Foundation
import JunctionRouter
import JunctionStorage
import Logging
import MQTTCore
import NIOCore
import NIOPosix
import Testing

@testable import JunctionServer

/// Persistent MQTT sessions and retained MQTT messages on SQLite storage, across a restart of an
/// in-process router on the same file (the `kill -9` case is `Tests/MQTTInterop/test_durable.py`,
/// with a real `junction serve`).
@Suite(.serialized) struct MQTTPersistenceEndToEndTests {
    static func yaml(path: String, sync: String = "always") -> String {
        """
        realms:
          - name: realm1
            roles:
              - name: anonymous
                permissions: [{uri: "", match: prefix, allow: [call, register, publish, subscribe]}]
        transports:
          - type: mqtt
            realm: realm1
            port: 0
            limits: {max_session_expiry: 3600, receive_maximum: 5}
        storage: {type: sqlite, path: \(path), sync: \(sync)}
        """
    }

    static func start(_ yaml: String) async throws -> JunctionServer {
        var configuration = try ConfigurationLoader.load(yaml: yaml)
        configuration.eventLoops = 2
        var logger = Logger(label: "mqtt-persistence-test")
        logger.logLevel = .critical
        return try await JunctionServer.start(configuration: configuration, logger: logger)
    }

    static func withStore(_ body: (String) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "junction-mqtt-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        defer {
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        try await body(path)
    }

    static var persistent: MQTTProperties {
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 3600
        return properties
    }

    static var richProperties: MQTTProperties {
        var properties = MQTTProperties()
        properties.payloadFormatIndicator = .unspecified
        properties.contentType = "application/x-sensor"
        properties.responseTopic = "reply/sensor"
        properties.correlationData = [9, 8, 7, 0]
        properties.userProperties = [MQTTUserProperty("unit", "C"), MQTTUserProperty("unit", "K")]
        return properties
    }

    /// Queued messages, an unacknowledged one (again with DUP), the subscription and the
    /// retained message with its 5.0 properties are all there after the restart.
    @Test func aPersistentSessionAndARetainedMessageSurviveARestart() async throws {
        try await Self.withStore { path in
            let group = MultiThreadedEventLoopGroup.singleton
            var server = try await Self.start(Self.yaml(path: path))
            let (subscriber, first) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "dur-sub", properties: Self.persistent
            )
            #expect(!first.sessionPresent)
            #expect(
                try await subscriber.subscribe(
                    "dur/#", qos: .atLeastOnce,
                    properties: {
                        var p = MQTTProperties()
                        p.subscriptionIdentifiers = [42]
                        return p
                    }()) == [.grantedQoS1])
            try await subscriber.disconnect()

            let (publisher, _) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group)
            for n in 1...12 {
                #expect(
                    try await publisher.publish(
                        "dur/\(n % 3)", Array("m\(n)".utf8), qos: .atLeastOnce, id: UInt16(n)) == .success)
            }
            let retainedPayload: [UInt8] = [0, 1, 0xFE, 0xFF, 0x7B]
            #expect(
                try await publisher.publish(
                    "keep/state", retainedPayload, qos: .exactlyOnce, retain: true, id: 99,
                    properties: Self.richProperties) == .success)
            await publisher.close()

            // Back once, with a window of one: the first message arrives and is not acknowledged;
            // the socket drops.
            var oneAtATime = Self.persistent
            oneAtATime.receiveMaximum = 1
            let (again, present) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "dur-sub", cleanStart: false,
                properties: oneAtATime)
            #expect(present.sessionPresent)
            guard case .publish(let unacknowledged) = try await again.receive() else {
                Issue.record("no PUBLISH")
                return
            }
            #expect(unacknowledged.payload == Array("m1".utf8))
            await again.close()
            try await Task.sleep(for: .milliseconds(100))  // the router notices the close
            await server.shutdown()

            server = try await Self.start(Self.yaml(path: path))
            let (resumed, connack) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "dur-sub", cleanStart: false,
                properties: Self.persistent)
            #expect(connack.sessionPresent)
            var received: [MQTTPublish] = []
            for _ in 1...12 { received.append(try await resumed.receivePublish()) }
            #expect(
                received.map { String(decoding: $0.payload, as: UTF8.self) } == (1...12).map { "m\($0)" })
            #expect(received.first?.dup == true)
            #expect(received.dropFirst().allSatisfy { !$0.dup })
            #expect(
                received.allSatisfy {
                    $0.properties.subscriptionIdentifiers == [42] && $0.qos == .atLeastOnce
                })
            try await resumed.expectSilence()
            // The subscription came back too: live messages arrive.
            let (live, _) = try await MQTTTestClient.connect(to: server.boundAddresses[0], group: group)
            try await live.publish("dur/live", Array("live".utf8), qos: .atLeastOnce)
            #expect(try await resumed.receivePublish().payload == Array("live".utf8))

            // The retained message, byte for byte, with its properties and QoS.
            let (reader, _) = try await MQTTTestClient.connect(to: server.boundAddresses[0], group: group)
            _ = try await reader.subscribe("keep/#", qos: .exactlyOnce)
            let retained = try await reader.receivePublish()
            #expect(retained.retain)
            #expect(retained.qos == .exactlyOnce)
            #expect(retained.payload == retainedPayload)
            #expect(retained.properties.contentType == Self.richProperties.contentType)
            #expect(retained.properties.responseTopic == Self.richProperties.responseTopic)
            #expect(retained.properties.correlationData == Self.richProperties.correlationData)
            #expect(retained.properties.userProperties == Self.richProperties.userProperties)
            #expect(retained.properties.payloadFormatIndicator == .unspecified)

            // A clean start discards the stored session, also on disk.
            try await resumed.disconnect()
            let (clean, fresh) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "dur-sub", cleanStart: true)
            #expect(!fresh.sessionPresent)
            try await clean.disconnect()
            for client in [live, reader] { await client.close() }
            await server.shutdown()

            server = try await Self.start(Self.yaml(path: path))
            let (gone, absent) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "dur-sub", cleanStart: false,
                properties: Self.persistent)
            #expect(!absent.sessionPresent)
            await gone.close()
            await server.shutdown()
        }
    }

    /// An exactly-once publication whose PUBREL comes after a restart is not published twice: the
    /// PUBREC'd packet id was stored.
    @Test func anInboundQoS2PacketIDSurvivesARestart() async throws {
        try await Self.withStore { path in
            let group = MultiThreadedEventLoopGroup.singleton
            var server = try await Self.start(Self.yaml(path: path))
            let (watcher, _) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "qos2-watch",
                properties: Self.persistent)
            _ = try await watcher.subscribe("once/#", qos: .atLeastOnce)
            let (publisher, _) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "qos2-pub",
                properties: Self.persistent)
            try await publisher.send(
                .publish(
                    MQTTPublish(topicName: "once/x", payload: [1], qos: .exactlyOnce, packetIdentifier: 7)))
            guard case .pubrec = try await publisher.receive() else {
                Issue.record("no PUBREC")
                return
            }
            #expect(try await watcher.receivePublish().payload == [1])
            await publisher.close()
            try await watcher.disconnect()
            try await Task.sleep(for: .milliseconds(100))
            await server.shutdown()

            server = try await Self.start(Self.yaml(path: path))
            let (watching, _) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "qos2-watch", cleanStart: false,
                properties: Self.persistent)
            let (resent, present) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "qos2-pub", cleanStart: false,
                properties: Self.persistent)
            #expect(present.sessionPresent)
            // The client did not see PUBREC before the restart: it sends the PUBLISH again (DUP).
            try await resent.send(
                .publish(
                    MQTTPublish(
                        topicName: "once/x", payload: [1], qos: .exactlyOnce, dup: true, packetIdentifier: 7)))
            guard case .pubrec = try await resent.receive() else {
                Issue.record("no PUBREC")
                return
            }
            try await resent.send(.pubrel(MQTTPublishAck(packetIdentifier: 7)))
            guard case .pubcomp(let pubcomp) = try await resent.receive() else {
                Issue.record("no PUBCOMP")
                return
            }
            #expect(pubcomp.reasonCode == .success)
            try await watching.expectSilence(.milliseconds(300))
            for client in [resent, watching] { await client.close() }
            await server.shutdown()
        }
    }

    /// A stored session that cannot be read is named in the log, not restored and not removed;
    /// the router starts and serves the other clients.
    @Test func anUnreadableStoredSessionDoesNotStopTheRouter() async throws {
        try await Self.withStore { path in
            let group = MultiThreadedEventLoopGroup.singleton
            let storage = try await SQLiteStorage.open(
                path: path, sync: .always, realms: ["realm1"], logger: Logger(label: "t"))
            storage.put([0xC1, 0xC1], for: "realm1 broken", in: "mqtt.session")
            await storage.close()

            let server = try await Self.start(Self.yaml(path: path))
            let (broken, connack) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0], group: group, clientID: "broken", cleanStart: false,
                properties: Self.persistent)
            #expect(!connack.sessionPresent)
            let (other, _) = try await MQTTTestClient.connect(to: server.boundAddresses[0], group: group)
            #expect(try await other.publish("any/thing", [1], qos: .atLeastOnce) == .success)
            for client in [broken, other] { await client.close() }
            await server.shutdown()
        }
    }
}
