import MQTTCore
import Testing
import WAMPCore

@testable import JunctionMQTT

/// The records a persistent session is stored as: every field round-trips, byte-exact where it
/// is bytes, and anything else is refused with a reason — never a trap.
@Suite struct MQTTRecordTests {
    static var properties: MQTTProperties {
        var properties = MQTTProperties()
        properties.payloadFormatIndicator = .utf8
        properties.messageExpiryInterval = 300
        properties.contentType = "application/octet-stream"
        properties.responseTopic = "reply/here"
        properties.correlationData = [0, 1, 2, 255]
        properties.userProperties = [
            MQTTUserProperty("b", "2"), MQTTUserProperty("a", "1"), MQTTUserProperty("a", "0"),
        ]
        return properties
    }

    static var session: MQTTSessionRecord {
        MQTTSessionRecord(
            subscriptions: [
                "a/+": MQTTSubscriptionEntry(
                    filter: "a/+",
                    options: MQTTSubscriptionOptions(
                        maximumQoS: .exactlyOnce, noLocal: true, retainAsPublished: true,
                        retainHandling: .doNotSend),
                    identifier: 268_435_455
                ),
                "$share/g/b/#": MQTTSubscriptionEntry(
                    filter: "b/#",
                    shareName: "g",
                    options: MQTTSubscriptionOptions(
                        maximumQoS: .atLeastOnce, retainHandling: .sendAtSubscribeIfNew)
                ),
            ],
            inboundQoS2: [1, 65_535],
            sessionExpiry: 3600,
            detachedAt: 1_700_000_000_123
        )
    }

    @Test func sessionRecordRoundTrips() throws {
        let record = Self.session
        #expect(try MQTTSessionRecord(decoding: record.encoded()) == record)
        let connected = MQTTSessionRecord(sessionExpiry: 1)
        #expect(try MQTTSessionRecord(decoding: connected.encoded()) == connected)
    }

    @Test func messageRecordRoundTripsByteExact() throws {
        let payload: [UInt8] = [0, 0xFF, 0x7B, 0x22] + Array("not json".utf8)
        let outbound = MQTTOutboundMessage(
            message: MQTTApplicationMessage(
                topic: "a/b c/%", payload: payload, qos: .exactlyOnce, retain: true,
                properties: Self.properties),
            subscriptionIdentifiers: [3, 9],
            share: MQTTShare(shareName: "g", filter: "a/#")
        )
        for placement in [
            MQTTMessageRecord.Placement.queued,
            .inflight(packetIdentifier: 65_535, sequence: 12, released: false),
            .inflight(packetIdentifier: 1, sequence: 0, released: true),
        ] {
            let record = MQTTMessageRecord(
                outbound: outbound, placement: placement, queuedAtWallClock: -5)
            let decoded = try MQTTMessageRecord(decoding: record.encoded())
            #expect(decoded == record)
            #expect(decoded.outbound.message.payload == payload)
            #expect(decoded.outbound.message.properties.userProperties == Self.properties.userProperties)
        }
    }

    @Test func corruptRecordsAreRefusedWithAReason() {
        let serializer = MessagePackSerializer()
        let cases: [(String, [UInt8])] = [
            ("not MessagePack", [0xC1]),
            ("empty", []),
            ("not a map", serializer.encode(.list([1, 2]))),
            ("no version", serializer.encode(.dict(["expiry": 1]))),
            ("version", serializer.encode(.dict(["v": 99, "expiry": 1]))),
            ("expiry", serializer.encode(.dict(["v": 1, "expiry": .uint(1 << 40)]))),
            ("packet id", serializer.encode(.dict(["v": 1, "expiry": 1, "qos2_in": [0]]))),
            ("subscription", serializer.encode(.dict(["v": 1, "expiry": 1, "subscriptions": [["a"]]]))),
            (
                "retain handling",
                serializer.encode(
                    .dict([
                        "v": 1, "expiry": 1, "subscriptions": [["a", "a", .null, 1, false, false, 3, .null]],
                    ]))
            ),
        ]
        for (name, bytes) in cases {
            #expect(throws: MQTTRecordError.self, "\(name)") { try MQTTSessionRecord(decoding: bytes) }
            #expect(throws: MQTTRecordError.self, "\(name)") { try MQTTMessageRecord(decoding: bytes) }
        }
        let qos0 = serializer.encode(
            .dict(["v": 1, "topic": "t", "payload": .binary([]), "x_mqtt": ["qos": 0], "queued_at": 0]))
        #expect(throws: MQTTRecordError.self) { try MQTTMessageRecord(decoding: qos0) }
        let badInflight = serializer.encode(
            .dict([
                "v": 1, "topic": "t", "payload": .binary([]), "x_mqtt": ["qos": 1], "queued_at": 0,
                "packet_id": 0,
            ]))
        #expect(throws: MQTTRecordError.self) { try MQTTMessageRecord(decoding: badInflight) }
    }

    /// Every truncation and single-byte change of valid records decodes or throws; none traps.
    @Test func mangledRecordsNeverTrap() {
        let outbound = MQTTOutboundMessage(
            message: MQTTApplicationMessage(
                topic: "t", payload: [1, 2, 3], qos: .atLeastOnce, properties: Self.properties),
            subscriptionIdentifiers: [1]
        )
        let valid = [
            Self.session.encoded(),
            MQTTMessageRecord(
                outbound: outbound, placement: .inflight(packetIdentifier: 9, sequence: 3, released: true),
                queuedAtWallClock: 7
            ).encoded(),
        ]
        for bytes in valid {
            for length in 0..<bytes.count {
                _ = try? MQTTSessionRecord(decoding: Array(bytes[..<length]))
                _ = try? MQTTMessageRecord(decoding: Array(bytes[..<length]))
            }
            for index in bytes.indices {
                for value in [0x00, 0x7F, 0xC0, 0xCF, 0xFF] as [UInt8] {
                    var mangled = bytes
                    mangled[index] = value
                    _ = try? MQTTSessionRecord(decoding: mangled)
                    _ = try? MQTTMessageRecord(decoding: mangled)
                }
            }
        }
    }
}
