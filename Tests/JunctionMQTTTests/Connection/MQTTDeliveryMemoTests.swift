import MQTTCore
import NIOCore
import Testing

@testable import JunctionMQTT

/// One conversion and one encoding per publication and distinct PUBLISH, byte-exact with a
/// fresh encoding whatever the packet id.
@Suite struct MQTTDeliveryMemoTests {
    let allocator = ByteBufferAllocator()

    static func fresh(_ publish: MQTTPublish, _ version: MQTTProtocolVersion) -> [UInt8] {
        MQTTPacket.publish(publish).encoded(version: version)
    }

    static func publish(
        topic: String = "sensors/kitchen/temp",
        payload: [UInt8] = Array(#"{"args":[21.5]}"#.utf8),
        qos: MQTTQoS = .atMostOnce,
        id: UInt16? = nil,
        subscriptionIdentifiers: [Int] = []
    ) -> MQTTPublish {
        var properties = MQTTProperties()
        properties.subscriptionIdentifiers = subscriptionIdentifiers
        return MQTTPublish(topicName: topic, payload: payload, qos: qos, packetIdentifier: id, properties: properties)
    }

    @Test func theMessageIsConvertedOncePerPublication() {
        let memo = MQTTDeliveryMemo()
        var made = 0
        let make = {
            made += 1
            return MQTTApplicationMessage(topic: "a/b", payload: [1], qos: .atLeastOnce)
        }
        for _ in 0..<100 { _ = memo.message(publication: 1, uri: "a.b", make: make) }
        #expect(made == 1)
        _ = memo.message(publication: 2, uri: "a.b", make: make)
        _ = memo.message(publication: 2, uri: "a.c", make: make)
        #expect(made == 3)
        #expect(memo.conversions == 3)
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func qos0IsEncodedOnceAndSharedByteExact(version: MQTTProtocolVersion) {
        let memo = MQTTDeliveryMemo()
        _ = memo.message(publication: 7, uri: "x") { MQTTApplicationMessage(topic: "x", payload: []) }
        let publish = Self.publish()
        for _ in 0..<100 {
            let bytes = memo.encoded(publish, version: version, publication: 7, allocator: self.allocator)
            #expect(Array(bytes.readableBytesView) == Self.fresh(publish, version))
        }
        #expect(memo.encodings == 1)
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5], [MQTTQoS.atLeastOnce, .exactlyOnce])
    func qos1And2AreEncodedOnceWithTheirOwnPacketIDs(version: MQTTProtocolVersion, qos: MQTTQoS) {
        let memo = MQTTDeliveryMemo()
        _ = memo.message(publication: 7, uri: "x") { MQTTApplicationMessage(topic: "x", payload: []) }
        // A remaining length of two bytes and a long topic move the packet id.
        let topics = ["t", String(repeating: "level/", count: 40) + "end"]
        for topic in topics {
            for id: UInt16 in [1, 2, 255, 256, 65_535] {
                let publish = Self.publish(topic: topic, payload: Array(repeating: 0x41, count: 300), qos: qos, id: id)
                let bytes = memo.encoded(publish, version: version, publication: 7, allocator: self.allocator)
                #expect(Array(bytes.readableBytesView) == Self.fresh(publish, version))
            }
        }
        #expect(memo.encodings == topics.count)
    }

    @Test func whatMQTTMakesDifferentPerSubscriberIsEncodedSeparately() {
        let memo = MQTTDeliveryMemo()
        _ = memo.message(publication: 7, uri: "x") { MQTTApplicationMessage(topic: "x", payload: []) }
        let variants = [
            Self.publish(),
            Self.publish(qos: .atLeastOnce, id: 3),
            Self.publish(subscriptionIdentifiers: [4]),
        ]
        for publish in variants + variants {
            for version in [MQTTProtocolVersion.v3_1_1, .v5] {
                let bytes = memo.encoded(publish, version: version, publication: 7, allocator: self.allocator)
                #expect(Array(bytes.readableBytesView) == Self.fresh(publish, version))
            }
        }
        #expect(memo.encodings == 6)
    }

    @Test func anotherPublicationIsNotTakenFromTheMemo() {
        let memo = MQTTDeliveryMemo()
        _ = memo.message(publication: 7, uri: "x") { MQTTApplicationMessage(topic: "x", payload: []) }
        _ = memo.encoded(Self.publish(), version: .v5, publication: 7, allocator: self.allocator)
        let other = Self.publish(payload: [9])
        let bytes = memo.encoded(other, version: .v5, publication: 8, allocator: self.allocator)
        #expect(Array(bytes.readableBytesView) == Self.fresh(other, .v5))
        #expect(memo.encodings == 1)
    }
}
