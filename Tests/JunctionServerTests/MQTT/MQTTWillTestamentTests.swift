import JunctionClient
import MQTTCore
import NIOCore
import Testing
import WAMPCore

@testable import JunctionServer

/// The MQTT will is the realm session's testament: it goes out on every path a WAMP testament
/// does (connection lost, keep-alive, takeover, the session killed, the router shutting down),
/// and MQTT's own rules still decide when it is discarded.
@Suite(.serialized) struct MQTTWillTestamentTests {
    static let will = MQTTWill(topic: "wills/d1", payload: Array("gone".utf8))

    /// A client subscribed to `wills/#`.
    static func watcher(_ server: MQTTTestServer) async throws -> MQTTTestClient {
        let (watcher, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "watcher")
        _ = try await watcher.subscribe("wills/#")
        return watcher
    }

    @Test func willOfASessionKilledThroughTheMetaAPIIsPublished() async throws {
        try await withMQTTServer { server in
            let watcher = try await Self.watcher(server)
            let wamp = try await server.wampClient()
            let joins = try await wamp.subscribe("wamp.session.on_join")
            var events = joins.makeAsyncIterator()
            let (device, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "d1",
                will: Self.will
            )
            let join = try #require(await events.next())
            let session = try #require(join.args.first?["session"])
            _ = try await wamp.call("wamp.session.kill", args: [session])
            let published = try await watcher.receivePublish()
            #expect(published.topicName == "wills/d1")
            #expect(published.payload == Array("gone".utf8))
            #expect(try await device.receive() == .disconnect(MQTTDisconnect(reasonCode: .administrativeAction)))
            await wamp.leave()
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func keepAliveTimeoutPublishesTheWill(version: MQTTProtocolVersion) async throws {
        try await withMQTTServer { server in
            let watcher = try await Self.watcher(server)
            _ = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "d1",
                keepAlive: 1,
                will: Self.will
            )
            let published = try await watcher.receivePublish(timeout: .seconds(6))
            #expect(published.topicName == "wills/d1")
        }
    }

    /// mosquitto's rule: the old connection's will goes out when its session ends with the
    /// takeover (it was not persistent, or the new connection starts clean), not when the new
    /// connection continues it.
    @Test(arguments: [
        (MQTTProtocolVersion.v3_1_1, true, true, true),
        (.v3_1_1, false, false, false),
        (.v3_1_1, false, true, true),
        (.v5, true, false, true),
        (.v5, false, false, false),
        (.v5, false, true, true),
    ])
    func takeoverPublishesTheOldWillWhenTheSessionEnds(
        version: MQTTProtocolVersion,
        oldClean: Bool,
        newClean: Bool,
        published: Bool
    ) async throws {
        try await withMQTTServer { server in
            let watcher = try await Self.watcher(server)
            var properties = MQTTProperties()
            if version == .v5 { properties.sessionExpiryInterval = 60 }
            let (old, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "d1",
                cleanStart: oldClean,
                will: Self.will,
                properties: oldClean ? MQTTProperties() : properties
            )
            let (new, connack) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "d1",
                cleanStart: newClean,
                properties: newClean ? MQTTProperties() : properties
            )
            #expect(connack.reasonCode == .success)
            try await old.waitUntilClosed()
            if published {
                #expect(try await watcher.receivePublish().topicName == "wills/d1")
            } else {
                try await watcher.expectSilence(.milliseconds(500))
            }
            // The new connection's own session has no will: a normal end publishes nothing.
            try await new.disconnect()
            try await watcher.expectSilence()
        }
    }

    @Test func routerShutdownPublishesTheWillBeforeClosingTheOthers() async throws {
        let server = try await MQTTTestServer.start()
        let watcher = try await Self.watcher(server)
        let (device, _) = try await MQTTTestClient.connect(
            to: server.mqtt,
            group: server.group,
            clientID: "d1",
            will: MQTTWill(topic: "wills/d1", payload: Array("shutdown".utf8), retain: true)
        )
        await server.stop()
        let published = try await watcher.receivePublish()
        #expect(published.topicName == "wills/d1")
        #expect(published.payload == Array("shutdown".utf8))
        #expect(try await watcher.receive() == .disconnect(MQTTDisconnect(reasonCode: .serverShuttingDown)))
        try await device.waitUntilClosed()
    }

    @Test func willToATopicTheRoleMayNotPublishIsRefusedWhenArmed() async throws {
        try await withMQTTServer { server in
            let watcher = try await Self.watcher(server)
            for (topic, allowed) in [("wills/d1", false), ("allowed/d1", true)] {
                let (device, _) = try await MQTTTestClient.connect(
                    to: server.mqtt,
                    group: server.group,
                    clientID: "joe-device",
                    username: "joe",
                    password: "joe-ticket",
                    will: MQTTWill(topic: topic, payload: Array("gone".utf8))
                )
                if allowed { _ = try await watcher.subscribe("allowed/#", id: 2) }
                await device.close()
                if allowed {
                    #expect(try await watcher.receivePublish().topicName == "allowed/d1")
                } else {
                    try await watcher.expectSilence(.milliseconds(500))
                }
            }
        }
    }

    @Test func persistentSessionPublishesItsWillItselfAndKeepsGoing() async throws {
        try await withMQTTServer { server in
            let watcher = try await Self.watcher(server)
            var properties = MQTTProperties()
            properties.sessionExpiryInterval = 60
            let (device, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "d1",
                cleanStart: false,
                will: Self.will,
                properties: properties
            )
            await device.close()
            #expect(try await watcher.receivePublish().topicName == "wills/d1")
            // Resuming the session (its testament was flushed when the will went out) and
            // leaving normally publishes nothing more.
            let (again, connack) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "d1",
                cleanStart: false,
                properties: properties
            )
            #expect(connack.sessionPresent)
            try await again.disconnect()
            try await watcher.expectSilence(.milliseconds(500))
        }
    }
}
