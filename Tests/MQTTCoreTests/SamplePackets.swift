@testable import MQTTCore

/// Packets of every type for one protocol version, from minimal to every field set: the
/// round-trip, chunking and truncation tests all run over these.
func samplePackets(_ version: MQTTProtocolVersion) -> [MQTTPacket] {
    let v5 = version == .v5
    func props(_ context: MQTTPropertyContext) -> MQTTProperties {
        v5 ? fullProperties(for: context) : MQTTProperties()
    }
    func code(_ code: MQTTReasonCode) -> MQTTReasonCode {
        v5 ? code : .success
    }
    var packets: [MQTTPacket] = [
        .connect(MQTTConnect(protocolVersion: version, clientIdentifier: "")),
        .connect(
            MQTTConnect(
                protocolVersion: version,
                cleanStart: false,
                keepAlive: 0xFFFF,
                clientIdentifier: "sensor-17",
                will: MQTTWill(
                    topic: "devices/sensor-17/status",
                    payload: Array("offline".utf8),
                    qos: .exactlyOnce,
                    retain: true,
                    properties: props(.will)
                ),
                username: "dev",
                password: [0, 1, 2, 255],
                properties: props(.connect)
            )
        ),
        .connect(
            MQTTConnect(
                protocolVersion: version,
                clientIdentifier: "w",
                will: MQTTWill(topic: "w", payload: [], qos: .atLeastOnce),
                username: ""
            )
        ),
        .connack(MQTTConnAck()),
        .connack(MQTTConnAck(sessionPresent: true)),
        .connack(MQTTConnAck(reasonCode: .notAuthorized, properties: props(.connack))),
        .connack(MQTTConnAck(reasonCode: .unsupportedProtocolVersion)),
        .publish(MQTTPublish(topicName: "a/b", payload: [])),
        .publish(MQTTPublish(topicName: "/", payload: Array("hello".utf8), retain: true)),
        .publish(
            MQTTPublish(
                topicName: "$SYS/ünï/😀",
                payload: Array(repeating: 0xAB, count: 300),
                qos: .atLeastOnce,
                retain: true,
                dup: true,
                packetIdentifier: 1,
                properties: props(.publish)
            )
        ),
        .publish(MQTTPublish(topicName: "q2", payload: [0], qos: .exactlyOnce, packetIdentifier: 0xFFFF)),
        .puback(MQTTPublishAck(packetIdentifier: 1)),
        .puback(MQTTPublishAck(packetIdentifier: 2, reasonCode: code(.noMatchingSubscribers))),
        .puback(MQTTPublishAck(packetIdentifier: 3, reasonCode: code(.notAuthorized), properties: props(.puback))),
        .pubrec(MQTTPublishAck(packetIdentifier: 4)),
        .pubrec(MQTTPublishAck(packetIdentifier: 5, reasonCode: code(.quotaExceeded), properties: props(.pubrec))),
        .pubrel(MQTTPublishAck(packetIdentifier: 6)),
        .pubrel(MQTTPublishAck(packetIdentifier: 7, reasonCode: code(.packetIdentifierNotFound))),
        .pubcomp(MQTTPublishAck(packetIdentifier: 8)),
        .pubcomp(MQTTPublishAck(packetIdentifier: 9, properties: props(.pubcomp))),
        .subscribe(MQTTSubscribe(packetIdentifier: 10, subscriptions: [MQTTSubscription(topicFilter: "#")])),
        .subscribe(
            MQTTSubscribe(
                packetIdentifier: 11,
                subscriptions: [
                    MQTTSubscription(
                        topicFilter: "a/+/c",
                        options: MQTTSubscriptionOptions(
                            maximumQoS: .exactlyOnce,
                            noLocal: v5,
                            retainAsPublished: v5,
                            retainHandling: v5 ? .doNotSend : .sendAtSubscribe
                        )
                    ),
                    MQTTSubscription(
                        topicFilter: "$share/g/x/#",
                        options: MQTTSubscriptionOptions(
                            maximumQoS: .atLeastOnce,
                            retainHandling: v5 ? .sendAtSubscribeIfNew : .sendAtSubscribe
                        )
                    ),
                    MQTTSubscription(topicFilter: "a/#/b"),
                ],
                properties: props(.subscribe)
            )
        ),
        .suback(MQTTSubAck(packetIdentifier: 12, reasonCodes: [.grantedQoS0, .grantedQoS1, .grantedQoS2])),
        .suback(
            MQTTSubAck(
                packetIdentifier: 13,
                reasonCodes: [.unspecifiedError, code(.grantedQoS1)],
                properties: props(.suback)
            )
        ),
        .unsubscribe(MQTTUnsubscribe(packetIdentifier: 14, topicFilters: ["a/b"])),
        .unsubscribe(
            MQTTUnsubscribe(packetIdentifier: 15, topicFilters: ["x", "", "y/#"], properties: props(.unsubscribe))
        ),
        .unsuback(MQTTUnsubAck(packetIdentifier: 16, reasonCodes: v5 ? [.success] : [])),
        .unsuback(
            MQTTUnsubAck(
                packetIdentifier: 17,
                reasonCodes: v5 ? [.noSubscriptionExisted, .notAuthorized] : [],
                properties: props(.unsuback)
            )
        ),
        .pingreq,
        .pingresp,
        .disconnect(MQTTDisconnect()),
    ]
    if v5 {
        packets += [
            .disconnect(MQTTDisconnect(reasonCode: .disconnectWithWillMessage)),
            .disconnect(MQTTDisconnect(reasonCode: .serverShuttingDown, properties: props(.disconnect))),
            .disconnect(MQTTDisconnect(properties: props(.disconnect))),
            .auth(MQTTAuth()),
            .auth(MQTTAuth(reasonCode: .continueAuthentication)),
            .auth(MQTTAuth(reasonCode: .reAuthenticate, properties: props(.auth))),
        ]
    }
    return packets
}
