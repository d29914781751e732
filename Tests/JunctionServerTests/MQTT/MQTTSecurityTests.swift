import Foundation
import JunctionClient
import Logging
import MQTTCore
import NIOCore
import NIOPosix
import Testing
import WAMPCore

@testable import JunctionServer

/// CONNECT credentials against the realm's principals, the roles' permissions on PUBLISH and
/// SUBSCRIBE, anonymous access, and bad input (each path: the right code, the log, everyone else
/// still served).
@Suite(.serialized) struct MQTTSecurityTests {
    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func ticketPrincipal(version: MQTTProtocolVersion) async throws {
        try await withMQTTServer { server in
            let (joe, good) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "joe-1",
                username: "joe",
                password: "joe-ticket"
            )
            #expect(good.reasonCode == .success)
            try await joe.disconnect()
            let (bad, refused) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "joe-2",
                username: "joe",
                password: "wrong"
            )
            // 3.1.1 return code 4 is the same reason.
            #expect(refused.reasonCode == .badUserNameOrPassword)
            try await bad.waitUntilClosed()
        }
    }

    @Test func jwtAsThePassword() async throws {
        try await withMQTTServer { server in
            let exp = Int(Date().timeIntervalSince1970) + 600
            let token = AuthenticationEndToEndTests.jwt(
                #"{"sub":"ann","role":"limited","aud":"junction","exp":\#(exp)}"#
            )
            let wamp = try await server.wampClient()
            let joins = try await wamp.subscribe("wamp.session.on_join")
            let (ann, accepted) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "ann-1",
                username: "ann",
                password: token
            )
            #expect(accepted.reasonCode == .success)
            var events = joins.makeAsyncIterator()
            let details = try #require(await events.next()?.args.first?.dictValue)
            #expect(details["authid"] == "ann")
            #expect(details["authrole"] == "limited")
            try await ann.disconnect()
            let forged = AuthenticationEndToEndTests.jwt(
                #"{"sub":"ann","role":"limited","aud":"junction","exp":\#(exp)}"#,
                secret: String(repeating: "x", count: 40)
            )
            let (bad, refused) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "ann-2",
                username: "ann",
                password: forged
            )
            #expect(refused.reasonCode == .badUserNameOrPassword)
            try await bad.waitUntilClosed()
            await wamp.leave()
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func anonymousOnlyWhereTheRealmAllowsIt(version: MQTTProtocolVersion) async throws {
        try await withMQTTServer { server in
            let (client, connack) = try await MQTTTestClient.connect(
                to: server.closedRealm,
                version: version,
                group: server.group,
                clientID: "anon"
            )
            #expect(connack.reasonCode == .notAuthorized)
            try await client.waitUntilClosed()
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func rolesAuthorizeSubscribeAndPublish(version: MQTTProtocolVersion) async throws {
        try await withMQTTServer { server in
            let (joe, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: version,
                group: server.group,
                clientID: "joe",
                username: "joe",
                password: "joe-ticket"
            )
            let denied = try await joe.subscribe("secret/#", qos: .atLeastOnce, id: 1)
            #expect(denied == [version == .v5 ? .notAuthorized : .unspecifiedError])
            #expect(try await joe.subscribe("allowed/#", qos: .atLeastOnce, id: 2) == [.grantedQoS1])
            let refused = try await joe.publish("secret/x", [1], qos: .atLeastOnce, id: 3)
            #expect(refused == (version == .v5 ? .notAuthorized : .success))
            // The refused message reached nobody; an allowed one does (and comes back to joe).
            #expect(try await joe.publish("allowed/x", [2], qos: .atLeastOnce, id: 4) == .success)
            #expect(try await joe.receivePublish().payload == [2])
            try await joe.disconnect()
        }
    }

    @Test func malformedPacketClosesOnlyThatConnection() async throws {
        try await withMQTTServer { server in
            let (bystander, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "ok")
            _ = try await bystander.subscribe("t")
            let (bad, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "bad")
            // PUBLISH with QoS 3.
            try await bad.writeRaw([0x36, 0x03, 0x00, 0x01, 0x61])
            #expect(try await bad.receive() == .disconnect(MQTTDisconnect(reasonCode: .malformedPacket)))
            try await bad.waitUntilClosed()
            let (publisher, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "p")
            try await publisher.publish("t", [7])
            #expect(try await bystander.receivePublish().payload == [7])
        }
    }

    @Test func invalidTopicFilterGets0x8F() async throws {
        try await withMQTTServer { server in
            let (client, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "f")
            #expect(try await client.subscribe("a/#/b") == [.topicFilterInvalid])
            let (old, _) = try await MQTTTestClient.connect(
                to: server.mqtt,
                version: .v3_1_1,
                group: server.group,
                clientID: "g"
            )
            #expect(try await old.subscribe("a/#/b") == [.unspecifiedError])
        }
    }

    @Test func wrongProtocolLevelGetsReturnCode1() async throws {
        try await withMQTTServer { server in
            let client = try await MQTTTestClient.open(to: server.mqtt, version: .v3_1_1, group: server.group)
            // CONNECT with protocol level 3 (MQIsdp is 3.1; here the name is MQTT).
            try await client.writeRaw([
                0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x03, 0x02, 0x00, 0x3C, 0x00, 0x00,
            ])
            #expect(try await client.receive() == .connack(MQTTConnAck(reasonCode: .unsupportedProtocolVersion)))
            try await client.waitUntilClosed()
        }
    }

    @Test func oversizedPacketGets0x95() async throws {
        try await withMQTTServer { server in
            let (client, connack) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "big"
            )
            let maximum = try #require(connack.properties.maximumPacketSize)
            // Only the fixed header: the router refuses the size before the body arrives (sending
            // the body as well would race the close and could be reset).
            var length = Int(maximum)
            var header: [UInt8] = [0x30]
            repeat {
                header.append(UInt8(length & 0x7F) | (length > 0x7F ? 0x80 : 0))
                length >>= 7
            } while length > 0
            try await client.writeRaw(header)
            #expect(try await client.receive() == .disconnect(MQTTDisconnect(reasonCode: .packetTooLarge)))
            try await client.waitUntilClosed()
        }
    }

    @Test func receiveMaximumExceeded() async throws {
        try await withMQTTServer { server in
            let (client, connack) = try await MQTTTestClient.connect(
                to: server.mqtt,
                group: server.group,
                clientID: "rm"
            )
            #expect(connack.properties.receiveMaximum == 10)
            // Eleven QoS 2 publications without PUBREL.
            for id in 1...11 {
                try await client.send(
                    .publish(MQTTPublish(topicName: "t", payload: [], qos: .exactlyOnce, packetIdentifier: UInt16(id)))
                )
            }
            var last: MQTTPacket?
            while let packet = try? await client.receive(timeout: .seconds(2)) { last = packet }
            #expect(last == .disconnect(MQTTDisconnect(reasonCode: .receiveMaximumExceeded)))
            try await client.waitUntilClosed()
        }
    }

    @Test func mqttOverWebSocket() async throws {
        try await withMQTTServer { server in
            let (raw, head) = try await WebSocketTestClient.upgrade(
                to: server.webSocket,
                path: "/mqtt",
                protocols: "mqttv3.1, mqtt",
                group: server.group
            )
            #expect(head.hasPrefix("HTTP/1.1 101"))
            #expect(head.lowercased().contains("sec-websocket-protocol: mqttv3.1"))
            let ws = WebSocketTestClient(raw: raw, serializer: .json)
            let (device, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "tcp")
            _ = try await device.subscribe("ws/#")
            try await ws.sendFrame(
                opcode: 0x2,
                payload: MQTTPacket.connect(MQTTConnect(protocolVersion: .v3_1_1, clientIdentifier: "ws-1")).encoded(
                    version: .v3_1_1
                )
            )
            let (opcode, connack) = try await ws.receiveFrame()
            #expect(opcode == 0x2)
            #expect(connack == MQTTPacket.connack(MQTTConnAck()).encoded(version: .v3_1_1))
            // A packet split over two frames.
            let publish = MQTTPacket.publish(MQTTPublish(topicName: "ws/hello", payload: Array("hi".utf8))).encoded(
                version: .v3_1_1
            )
            try await ws.sendFrame(opcode: 0x2, payload: Array(publish.prefix(3)))
            try await ws.sendFrame(opcode: 0x2, payload: Array(publish.dropFirst(3)))
            let received = try await device.receivePublish()
            #expect(received.topicName == "ws/hello")
            #expect(received.payload == Array("hi".utf8))
            // The WAMP endpoint of the same listener still works.
            let wamp = try await server.wampClient()
            await wamp.leave()
        }
    }

    @Test func fullListenerClosesNewConnections() async throws {
        let yaml = """
            realms: [{name: realm1, roles: [{name: anonymous, permissions: [{uri: "", match: prefix, allow: [publish]}]}]}]
            transports: [{type: mqtt, realm: realm1, port: 0, max_connections: 1}]
            """
        let server = try await JunctionServer.start(
            configuration: try ConfigurationLoader.load(yaml: yaml),
            logger: Logger(label: "full", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let (first, connack) = try await MQTTTestClient.connect(
                to: server.boundAddresses[0],
                group: group,
                clientID: "one"
            )
            #expect(connack.reasonCode == .success)
            let second = try await MQTTTestClient.open(to: server.boundAddresses[0], group: group)
            try await second.waitUntilClosed()
            try await first.publish("still/served", [1], qos: .atLeastOnce)
        } catch {
            await server.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        await server.shutdown()
        try? await group.shutdownGracefully()
    }
}
