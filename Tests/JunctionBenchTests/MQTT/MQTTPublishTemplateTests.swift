import MQTTCore
import NIOCore
import Testing

@testable import junction_bench

@Suite struct MQTTPublishTemplateTests {
    /// Decodes `bytes` as one server-bound packet of `version` (the parser first sees a CONNECT).
    func decode(_ bytes: [UInt8], version: MQTTProtocolVersion) throws -> MQTTPublish? {
        var parser = MQTTPacketParser(version: version)
        var buffer = bytes
        while true {
            switch try parser.parseStep(&buffer) {
            case .insufficientData: return nil
            case .continueParsing: continue
            case .result(.publish(let publish)):
                #expect(buffer.isEmpty)
                return publish
            case .result: return nil
            }
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5], [MQTTQoS.atMostOnce, .atLeastOnce])
    func patchedPacketsDecode(version: MQTTProtocolVersion, qos: MQTTQoS) throws {
        let template = MQTTPublishTemplate(topic: "bench/topic", payload: 200, qos: qos, version: version)
        var buffer = ByteBuffer()
        template.write(into: &buffer, packetIdentifier: 0xBEEF, publisher: 7, sequence: 1 << 40 | 3, stamp: 123_456_789)
        let publish = try #require(try self.decode(Array(buffer.readableBytesView), version: version))
        #expect(publish.topicName == "bench/topic")
        #expect(publish.qos == qos)
        #expect(publish.packetIdentifier == (qos == .atMostOnce ? nil : 0xBEEF))
        #expect(publish.payload.count == 200)
        let stamp = try #require(MQTTPublishTemplate.readStamp(publish.payload))
        #expect(stamp.publisher == 7)
        #expect(stamp.sequence == 1 << 40 | 3)
        #expect(stamp.stamp == 123_456_789)
    }

    @Test func tinyPayloadsStillCarryTheStamp() throws {
        let template = MQTTPublishTemplate(topic: "t", payload: 0, qos: .atMostOnce, version: .v5)
        var buffer = ByteBuffer()
        template.write(into: &buffer, packetIdentifier: 1, publisher: 1, sequence: 2, stamp: 3)
        let publish = try #require(try self.decode(Array(buffer.readableBytesView), version: .v5))
        #expect(publish.payload.count == MQTTPublishTemplate.stampSize)
        #expect(MQTTPublishTemplate.readStamp(Array(publish.payload.prefix(19))) == nil)
    }
}
