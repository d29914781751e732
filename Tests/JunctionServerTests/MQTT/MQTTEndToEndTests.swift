import JunctionClient
import MQTTCore
import NIOCore
import Testing
import WAMPCore

@testable import JunctionServer

/// MQTT clients on a live router: MQTT↔MQTT, MQTT↔WAMP, QoS, retained, will, persistent
/// sessions, shared subscriptions, takeover.
@Suite(.serialized) struct MQTTEndToEndTests {
    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5], [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce])
    func mqttToMQTT(version: MQTTProtocolVersion, qos: MQTTQoS) async throws {
        try await withMQTTServer { server in
            let (subscriber, connack) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "sub"
            )
            #expect(connack.reasonCode == .success)
            #expect(try await subscriber.subscribe("home/+/temp", qos: .exactlyOnce) == [MQTTReasonCode(rawValue: 2)!])
            let (publisher, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "pub"
            )
            #expect(try await publisher.publish("home/kitchen/temp", Array("21.5".utf8), qos: qos) == .success)
            let received = try await subscriber.receivePublish()
            #expect(received.topicName == "home/kitchen/temp")
            #expect(received.payload == Array("21.5".utf8))
            #expect(received.qos == qos)
            try await publisher.disconnect()
            try await subscriber.disconnect()
        }
    }

    @Test func mqttPublicationReachesWAMP() async throws {
        try await withMQTTServer { server in
            let wamp = try await server.wampClient()
            let subscription = try await wamp.subscribe("sensors.kitchen", options: SubscribeOptions(match: .prefix))
            let (device, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "d1")
            try await device.publish("sensors/kitchen/temp", Array("21.5".utf8), qos: .atLeastOnce)
            try await device.publish("sensors/kitchen/hum", Array(#"{"args": [40], "kwargs": {"unit": "%"}}"#.utf8))
            var events = subscription.makeAsyncIterator()
            let first = try #require(await events.next())
            #expect(first.topic == "sensors.kitchen.temp")
            #expect(first.args == [.binary(Array("21.5".utf8))])
            let second = try #require(await events.next())
            #expect(second.args == [40])
            #expect(second.kwargs == ["unit": "%"])
            try await device.disconnect()
            await wamp.leave()
        }
    }

    @Test func wampPublicationReachesMQTT() async throws {
        try await withMQTTServer { server in
            let (device, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "d1")
            _ = try await device.subscribe("cmd/#", qos: .atLeastOnce)
            let wamp = try await server.wampClient()
            try await wamp.publish("cmd.light", args: ["on"], options: PublishOptions(acknowledge: true))
            try await wamp.publish(
                "cmd.raw",
                args: [.binary([0, 1, 2, 255])],
                options: PublishOptions(acknowledge: true)
            )
            let json = try await device.receivePublish()
            #expect(json.topicName == "cmd/light")
            #expect(try JSONSerializer().decode(json.payload) == ["args": ["on"]])
            #expect(json.qos == .atLeastOnce)
            let raw = try await device.receivePublish()
            #expect(raw.payload == [0, 1, 2, 255])
            try await device.disconnect()
            await wamp.leave()
        }
    }

    @Test func multiLevelWildcardAloneMatchesEveryTopicButDollarAndMeta() async throws {
        try await withMQTTServer { server in
            let (everything, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "all"
            )
            #expect(try await everything.subscribe("#") == [.grantedQoS0])
            #expect(try await everything.subscribe("+/b", id: 2) == [.grantedQoS0])
            let wamp = try await server.wampClient()
            try await wamp.publish("a.b", args: [.binary([1])], options: PublishOptions(acknowledge: true))
            let first = try await everything.receivePublish()
            #expect(first.topicName == "a/b")
            // `#` and `+/b` are two realm subscriptions, but the client gets one PUBLISH.
            try await everything.expectSilence()
            await wamp.leave()  // meta events (wamp.session.on_leave) are not MQTT topics
            try await everything.expectSilence()
        }
    }

    @Test func retainedMessagesForMQTTAndWAMP() async throws {
        try await withMQTTServer { server in
            let (device, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "d1")
            try await device.publish("status/d1", Array("online".utf8), qos: .atLeastOnce, retain: true)
            let (late, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "late")
            _ = try await late.subscribe("status/#", qos: .atLeastOnce)
            let retained = try await late.receivePublish()
            #expect(retained.retain)
            #expect(retained.payload == Array("online".utf8))
            let wamp = try await server.wampClient()
            let subscription = try await wamp.subscribe(
                "status.d1",
                options: SubscribeOptions(extra: ["get_retained": true])
            )
            var events = subscription.makeAsyncIterator()
            #expect(try #require(await events.next()).args == [.binary(Array("online".utf8))])
            // An empty retained payload deletes it.
            try await device.publish("status/d1", [], qos: .atLeastOnce, retain: true)
            _ = try await late.receivePublish()
            let (later, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "later")
            _ = try await later.subscribe("status/#")
            try await later.expectSilence()
            await wamp.leave()
        }
    }

    @Test func willIsPublishedWhenTheConnectionIsLost() async throws {
        try await withMQTTServer { server in
            let (watcher, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "w")
            _ = try await watcher.subscribe("wills/#")
            let will = MQTTWill(topic: "wills/d1", payload: Array("gone".utf8))
            let (device, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "d1",
                will: will
            )
            await device.close()
            let published = try await watcher.receivePublish()
            #expect(published.topicName == "wills/d1")
            #expect(published.payload == Array("gone".utf8))
            // A normal DISCONNECT discards the will.
            let (polite, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "d2",
                will: will
            )
            try await polite.disconnect()
            try await watcher.expectSilence()
        }
    }

    @Test func willDelayWaitsAndAResumedSessionCancelsIt() async throws {
        try await withMQTTServer { server in
            let (watcher, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "w")
            _ = try await watcher.subscribe("wills/#")
            var willProperties = MQTTProperties()
            willProperties.willDelayInterval = 1
            let will = MQTTWill(topic: "wills/d1", payload: Array("gone".utf8), properties: willProperties)
            var session = MQTTProperties()
            session.sessionExpiryInterval = 30
            let (first, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "d1",
                cleanStart: false,
                will: will,
                properties: session
            )
            await first.close()
            // Back within the delay: no will.
            let (second, resumed) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "d1",
                cleanStart: false,
                will: will,
                properties: session
            )
            #expect(resumed.sessionPresent)
            try await watcher.expectSilence(.milliseconds(1500))
            let started = ContinuousClock.now
            await second.close()
            let published = try await watcher.receivePublish(timeout: .seconds(5))
            #expect(published.topicName == "wills/d1")
            #expect(ContinuousClock.now - started >= .milliseconds(900))
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func silentClientIsDisconnectedAfterOneAndAHalfKeepAlives(version: MQTTProtocolVersion) async throws {
        try await withMQTTServer { server in
            let (client, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "quiet",
                keepAlive: 1
            )
            let started = ContinuousClock.now
            if version == .v5 {
                #expect(try await client.receive() == .disconnect(MQTTDisconnect(reasonCode: .keepAliveTimeout)))
            }
            try await client.waitUntilClosed()
            #expect(ContinuousClock.now - started >= .milliseconds(1400))
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func persistentSessionQueuesWhileOffline(version: MQTTProtocolVersion) async throws {
        try await withMQTTServer { server in
            var properties = MQTTProperties()
            if version == .v5 { properties.sessionExpiryInterval = 60 }
            let (first, connack) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "p1",
                cleanStart: false,
                properties: properties
            )
            #expect(!connack.sessionPresent)
            _ = try await first.subscribe("jobs/#", qos: .atLeastOnce)
            try await first.disconnect()
            let (publisher, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "x")
            try await publisher.publish("jobs/1", Array("a".utf8), qos: .atLeastOnce)
            try await publisher.publish("jobs/2", Array("b".utf8), qos: .exactlyOnce, id: 11)
            try await publisher.publish("jobs/3", Array("qos0".utf8))
            let (second, resumed) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "p1",
                cleanStart: false,
                properties: properties
            )
            #expect(resumed.sessionPresent)
            #expect(try await second.receivePublish().payload == Array("a".utf8))
            #expect(try await second.receivePublish().payload == Array("b".utf8))
            // The subscription is back in the realm.
            try await publisher.publish("jobs/4", Array("c".utf8), qos: .atLeastOnce)
            #expect(try await second.receivePublish().payload == Array("c".utf8))
            try await second.disconnect()
        }
    }

    @Test func unacknowledgedMessagesAreRedeliveredWithDUP() async throws {
        try await withMQTTServer { server in
            let (first, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: .v3_1_1,
                group: server.group,
                clientID: "r1",
                cleanStart: false
            )
            _ = try await first.subscribe("t", qos: .atLeastOnce)
            let (publisher, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "x")
            try await publisher.publish("t", Array("m".utf8), qos: .atLeastOnce)
            guard case .publish(let original) = try await first.receive() else {
                throw TestClientFailure.unexpected("")
            }
            #expect(!original.dup)
            await first.close()  // no PUBACK
            try await first.waitUntilClosed()
            let (second, connack) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: .v3_1_1,
                group: server.group,
                clientID: "r1",
                cleanStart: false
            )
            #expect(connack.sessionPresent)
            guard case .publish(let again) = try await second.receive() else { throw TestClientFailure.unexpected("") }
            #expect(again.dup)
            #expect(again.packetIdentifier == original.packetIdentifier)
            #expect(again.payload == Array("m".utf8))
        }
    }

    @Test func takeoverDisconnectsTheOlderConnection() async throws {
        try await withMQTTServer { server in
            let (old, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "same")
            let (new, connack) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "same"
            )
            #expect(connack.reasonCode == .success)
            #expect(try await old.receive() == .disconnect(MQTTDisconnect(reasonCode: .sessionTakenOver)))
            try await old.waitUntilClosed()
            try await new.disconnect()
        }
    }

    @Test func sharedSubscriptionDeliversEachMessageOnce() async throws {
        try await withMQTTServer { server in
            let (a, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "a")
            let (b, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "b")
            _ = try await a.subscribe("$share/workers/work/#", qos: .atLeastOnce)
            _ = try await b.subscribe("$share/workers/work/#", qos: .atLeastOnce)
            let (publisher, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "p")
            for index in 0..<20 {
                try await publisher.publish("work/\(index)", [UInt8(index)], qos: .atLeastOnce, id: UInt16(index + 1))
            }
            var received: [UInt8] = []
            for client in [a, b] {
                while let publish = try? await client.receivePublish(timeout: .milliseconds(300)) {
                    received += publish.payload
                }
            }
            #expect(received.sorted() == Array(0..<20))
        }
    }

    @Test func sharedMessagesOfALeavingMemberGoToAnother() async throws {
        try await withMQTTServer { server in
            let (a, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "a")
            let (b, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "b")
            _ = try await a.subscribe("$share/g/work/#", qos: .atLeastOnce)
            _ = try await b.subscribe("$share/g/work/#", qos: .atLeastOnce)
            let (publisher, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "p")
            try await publisher.publish("work/1", [42], qos: .atLeastOnce)
            // Whoever got it does not acknowledge it and goes away.
            let (holder, other): (MQTTTestClient, MQTTTestClient)
            if case .publish? = try? await a.receive(timeout: .milliseconds(500)) {
                (holder, other) = (a, b)
            } else {
                (holder, other) = (b, a)
            }
            await holder.close()
            let inherited = try await other.receivePublish()
            #expect(inherited.payload == [42])
            #expect(inherited.topicName == "work/1")
        }
    }

    @Test func mqttClientsAppearInTheSessionMetaAPI() async throws {
        try await withMQTTServer { server in
            let wamp = try await server.wampClient()
            let joins = try await wamp.subscribe("wamp.session.on_join")
            let (device, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "meta-1"
            )
            var events = joins.makeAsyncIterator()
            let join = try #require(await events.next())
            let details = try #require(join.args.first?.dictValue)
            #expect(details["transport"]?["type"] == "mqtt")
            #expect(details["transport"]?["mqtt_client_id"] == "meta-1")
            #expect(details["transport"]?["protocol_level"] == "5.0")
            try await device.disconnect()
            await wamp.leave()
        }
    }
}
