import Testing

@testable import MQTTCore

/// Byte layouts written by hand from the MQTT 3.1.1 and 5.0 specifications' packet figures:
/// each decodes to the packet beside it and (unless marked decode-only) encodes back to the
/// same bytes.
@Suite struct MQTTGoldenVectorTests {
    struct Vector: Sendable, CustomStringConvertible {
        var name: String
        var version: MQTTProtocolVersion
        var hex: String
        var packet: MQTTPacket
        /// The encoder writes a shorter, equivalent form.
        var decodeOnly = false

        var description: String { "\(self.name) (\(self.version))" }
    }

    static let vectors: [Vector] = [
        Vector(
            name: "CONNECT with will, user name and password",
            version: .v3_1_1,
            // 3.1.1 §3.1.2.10's example header: level 4, flags 1100 1110 (user, password,
            // will QoS 1, will, clean session), keep alive 10.
            hex: "10 1a 0004 4d515454 04 ce 000a 0002 6331 0001 77 0001 78 0001 75 0001 70",
            packet: .connect(
                MQTTConnect(
                    protocolVersion: .v3_1_1,
                    keepAlive: 10,
                    clientIdentifier: "c1",
                    will: MQTTWill(topic: "w", payload: [0x78], qos: .atLeastOnce),
                    username: "u",
                    password: [0x70]
                )
            )
        ),
        Vector(
            name: "CONNECT with session expiry",
            version: .v5,
            // 5.0 §3.1.2.12's example header: level 5, flags 1100 0010, keep alive 10,
            // properties length 5, Session Expiry Interval 10.
            hex: "10 19 0004 4d515454 05 c2 000a 05 11 0000000a 0001 63 0001 75 0001 70",
            packet: .connect(
                MQTTConnect(
                    protocolVersion: .v5,
                    keepAlive: 10,
                    clientIdentifier: "c",
                    username: "u",
                    password: [0x70],
                    properties: { () -> MQTTProperties in
                        var properties = MQTTProperties()
                        properties.sessionExpiryInterval = 10
                        return properties
                    }()
                )
            )
        ),
        Vector(
            name: "CONNACK session present",
            version: .v3_1_1,
            hex: "20 02 01 00",
            packet: .connack(MQTTConnAck(sessionPresent: true))
        ),
        Vector(
            name: "CONNACK not authorized",
            version: .v3_1_1,
            hex: "20 02 00 05",
            packet: .connack(MQTTConnAck(reasonCode: .notAuthorized))
        ),
        Vector(
            name: "CONNACK bad user name or password",
            version: .v5,
            hex: "20 03 00 86 00",
            packet: .connack(MQTTConnAck(reasonCode: .badUserNameOrPassword))
        ),
        Vector(
            name: "PUBLISH QoS 1, 3.1.1 §3.3.2.3's example header",
            version: .v3_1_1,
            hex: "32 09 0003 612f62 000a 6869",
            packet: .publish(
                MQTTPublish(topicName: "a/b", payload: Array("hi".utf8), qos: .atLeastOnce, packetIdentifier: 10)
            )
        ),
        Vector(
            name: "PUBLISH QoS 0 retained, no properties",
            version: .v5,
            hex: "31 07 0003 612f62 00 78",
            packet: .publish(MQTTPublish(topicName: "a/b", payload: [0x78], retain: true))
        ),
        Vector(
            name: "PUBLISH QoS 2 DUP with topic alias and an empty topic",
            version: .v5,
            hex: "3c 09 0000 0007 03 230005 ff",
            packet: .publish(
                MQTTPublish(
                    topicName: "",
                    payload: [0xFF],
                    qos: .exactlyOnce,
                    dup: true,
                    packetIdentifier: 7,
                    properties: { () -> MQTTProperties in
                        var properties = MQTTProperties()
                        properties.topicAlias = 5
                        return properties
                    }()
                )
            )
        ),
        Vector(
            name: "PUBACK",
            version: .v3_1_1,
            hex: "40 02 000a",
            packet: .puback(MQTTPublishAck(packetIdentifier: 10))
        ),
        Vector(
            name: "PUBACK success",
            version: .v5,
            hex: "40 02 000a",
            packet: .puback(MQTTPublishAck(packetIdentifier: 10))
        ),
        Vector(
            name: "PUBACK success with explicit reason code",
            version: .v5,
            hex: "40 03 000a 00",
            packet: .puback(MQTTPublishAck(packetIdentifier: 10)),
            decodeOnly: true
        ),
        Vector(
            name: "PUBACK success with empty property list",
            version: .v5,
            hex: "40 04 000a 00 00",
            packet: .puback(MQTTPublishAck(packetIdentifier: 10)),
            decodeOnly: true
        ),
        Vector(
            name: "PUBACK no matching subscribers",
            version: .v5,
            hex: "40 03 000a 10",
            packet: .puback(MQTTPublishAck(packetIdentifier: 10, reasonCode: .noMatchingSubscribers))
        ),
        Vector(
            name: "PUBREC with reason string",
            version: .v5,
            hex: "50 08 000a 87 04 1f 0001 72",
            packet: .pubrec(
                MQTTPublishAck(
                    packetIdentifier: 10,
                    reasonCode: .notAuthorized,
                    properties: { () -> MQTTProperties in
                        var properties = MQTTProperties()
                        properties.reasonString = "r"
                        return properties
                    }()
                )
            )
        ),
        Vector(
            name: "PUBREL",
            version: .v3_1_1,
            hex: "62 02 000a",
            packet: .pubrel(MQTTPublishAck(packetIdentifier: 10))
        ),
        Vector(
            name: "PUBREL packet identifier not found",
            version: .v5,
            hex: "62 03 000a 92",
            packet: .pubrel(MQTTPublishAck(packetIdentifier: 10, reasonCode: .packetIdentifierNotFound))
        ),
        Vector(
            name: "PUBCOMP",
            version: .v5,
            hex: "70 02 ffff",
            packet: .pubcomp(MQTTPublishAck(packetIdentifier: 0xFFFF))
        ),
        Vector(
            name: "SUBSCRIBE, 3.1.1 §3.8.3's example payload",
            version: .v3_1_1,
            hex: "82 0e 000a 0003 612f62 01 0003 632f64 02",
            packet: .subscribe(
                MQTTSubscribe(
                    packetIdentifier: 10,
                    subscriptions: [
                        MQTTSubscription(
                            topicFilter: "a/b",
                            options: MQTTSubscriptionOptions(maximumQoS: .atLeastOnce)
                        ),
                        MQTTSubscription(
                            topicFilter: "c/d",
                            options: MQTTSubscriptionOptions(maximumQoS: .exactlyOnce)
                        ),
                    ]
                )
            )
        ),
        Vector(
            name: "SUBSCRIBE with a subscription identifier and every option",
            version: .v5,
            // Options 0010 1101: retain handling 2, retain as published, no local, QoS 1.
            hex: "82 0b 000a 02 0b01 0003 612f62 2d",
            packet: .subscribe(
                MQTTSubscribe(
                    packetIdentifier: 10,
                    subscriptions: [
                        MQTTSubscription(
                            topicFilter: "a/b",
                            options: MQTTSubscriptionOptions(
                                maximumQoS: .atLeastOnce,
                                noLocal: true,
                                retainAsPublished: true,
                                retainHandling: .doNotSend
                            )
                        )
                    ],
                    properties: { () -> MQTTProperties in
                        var properties = MQTTProperties()
                        properties.subscriptionIdentifiers = [1]
                        return properties
                    }()
                )
            )
        ),
        Vector(
            name: "SUBACK, 3.1.1 §3.9.3's example payload",
            version: .v3_1_1,
            hex: "90 05 000a 00 02 80",
            packet: .suback(
                MQTTSubAck(packetIdentifier: 10, reasonCodes: [.grantedQoS0, .grantedQoS2, .unspecifiedError])
            )
        ),
        Vector(
            name: "SUBACK with topic filter invalid",
            version: .v5,
            hex: "90 05 000a 00 01 8f",
            packet: .suback(MQTTSubAck(packetIdentifier: 10, reasonCodes: [.grantedQoS1, .topicFilterInvalid]))
        ),
        Vector(
            name: "UNSUBSCRIBE, 3.1.1 §3.10.3's example payload",
            version: .v3_1_1,
            hex: "a2 0c 000a 0003 612f62 0003 632f64",
            packet: .unsubscribe(MQTTUnsubscribe(packetIdentifier: 10, topicFilters: ["a/b", "c/d"]))
        ),
        Vector(
            name: "UNSUBSCRIBE with a user property",
            version: .v5,
            hex: "a2 0d 000a 07 26 0001 6b 0001 76 0001 78",
            packet: .unsubscribe(
                MQTTUnsubscribe(
                    packetIdentifier: 10,
                    topicFilters: ["x"],
                    properties: { () -> MQTTProperties in
                        var properties = MQTTProperties()
                        properties.userProperties = [MQTTUserProperty("k", "v")]
                        return properties
                    }()
                )
            )
        ),
        Vector(
            name: "UNSUBACK",
            version: .v3_1_1,
            hex: "b0 02 000a",
            packet: .unsuback(MQTTUnsubAck(packetIdentifier: 10))
        ),
        Vector(
            name: "UNSUBACK with two reason codes",
            version: .v5,
            hex: "b0 05 000a 00 00 11",
            packet: .unsuback(MQTTUnsubAck(packetIdentifier: 10, reasonCodes: [.success, .noSubscriptionExisted]))
        ),
        Vector(name: "PINGREQ", version: .v3_1_1, hex: "c0 00", packet: .pingreq),
        Vector(name: "PINGRESP", version: .v5, hex: "d0 00", packet: .pingresp),
        Vector(name: "DISCONNECT", version: .v3_1_1, hex: "e0 00", packet: .disconnect(MQTTDisconnect())),
        Vector(name: "DISCONNECT normal", version: .v5, hex: "e0 00", packet: .disconnect(MQTTDisconnect())),
        Vector(
            name: "DISCONNECT with will message",
            version: .v5,
            hex: "e0 01 04",
            packet: .disconnect(MQTTDisconnect(reasonCode: .disconnectWithWillMessage))
        ),
        Vector(
            name: "DISCONNECT with an empty property list",
            version: .v5,
            hex: "e0 02 8b 00",
            packet: .disconnect(MQTTDisconnect(reasonCode: .serverShuttingDown)),
            decodeOnly: true
        ),
        Vector(
            name: "DISCONNECT with session expiry",
            version: .v5,
            hex: "e0 07 00 05 11 0000003c",
            packet: .disconnect(
                MQTTDisconnect(
                    properties: { () -> MQTTProperties in
                        var properties = MQTTProperties()
                        properties.sessionExpiryInterval = 60
                        return properties
                    }()
                )
            )
        ),
        Vector(name: "AUTH success", version: .v5, hex: "f0 00", packet: .auth(MQTTAuth())),
        Vector(
            name: "AUTH continue with method and data",
            version: .v5,
            hex: "f0 0a 18 08 15 0001 6d 16 0001 01",
            packet: .auth(
                MQTTAuth(
                    reasonCode: .continueAuthentication,
                    properties: { () -> MQTTProperties in
                        var properties = MQTTProperties()
                        properties.authenticationMethod = "m"
                        properties.authenticationData = [1]
                        return properties
                    }()
                )
            )
        ),
    ]

    @Test(arguments: Self.vectors)
    func vector(_ vector: Vector) {
        let encoded = bytes(hex: vector.hex)
        let version: MQTTProtocolVersion? = vector.packet.type == .connect ? nil : vector.version
        #expect(decodeOne(encoded, version: version) == vector.packet)
        if !vector.decodeOnly {
            #expect(hexString(vector.packet.encoded(version: vector.version)) == hexString(encoded))
        }
    }

    /// 3.1.1 has six CONNACK return codes; 5.0 failures go to a 3.1.1 client as the nearest one.
    @Test func connackReasonCodesFor311() {
        for code in MQTTConnectReturnCode.allCases {
            #expect(MQTTConnectReturnCode(code.reasonCode) == code)
        }
        let banned = MQTTPacket.connack(MQTTConnAck(reasonCode: .banned)).encoded(version: .v3_1_1)
        #expect(banned == [0x20, 0x02, 0x00, 0x05])
        let busy = MQTTPacket.connack(MQTTConnAck(reasonCode: .serverBusy)).encoded(version: .v3_1_1)
        #expect(busy == [0x20, 0x02, 0x00, 0x03])
    }

    /// 3.1.1 SUBACK knows one failure code, 0x80.
    @Test func subackFailuresFor311() {
        let suback = MQTTPacket.suback(
            MQTTSubAck(packetIdentifier: 1, reasonCodes: [.notAuthorized, .topicFilterInvalid, .grantedQoS1])
        )
        #expect(hexString(suback.encoded(version: .v3_1_1)) == "900500018080" + "01")
    }
}
