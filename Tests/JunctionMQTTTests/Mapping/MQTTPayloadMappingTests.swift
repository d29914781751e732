import Testing
import WAMPCore

@testable import JunctionMQTT

@Suite struct MQTTPayloadMappingTests {
    let mapping = MQTTPayloadMapping(prefixes: ["raw/": .passthrough, "raw/json/": .json])

    @Test func argumentsObjectBecomesArgsAndKwargs() {
        let bytes = Array(#"{"args": [1, "x"], "kwargs": {"k": true}}"#.utf8)
        let payload = self.mapping.payload(fromMQTT: bytes, topic: "a/b")
        #expect(payload == Payload(args: [1, "x"], kwargs: ["k": true]))
        #expect(self.mapping.payload(fromMQTT: Array(#"{"args":[]}"#.utf8), topic: "a") == Payload(args: []))
    }

    @Test func anythingElseIsOneBinaryArgumentByteExact() {
        let samples: [[UInt8]] = [
            Array("21.5".utf8), [0x00, 0xFF, 0x80], [], Array(#"{"args": 1}"#.utf8), Array(#"{"other": 1}"#.utf8),
            Array(#"{"args": [1]"#.utf8), Array("[1,2]".utf8),
        ]
        for bytes in samples {
            let payload = self.mapping.payload(fromMQTT: bytes, topic: "a")
            #expect(payload == Payload(args: [.binary(bytes)]), "\(bytes)")
            #expect(MQTTPayloadMapping.mqttPayload(from: payload) == bytes)
        }
    }

    @Test func passthroughPrefixesNeverParse() {
        let bytes = Array(#"{"args": [1]}"#.utf8)
        #expect(self.mapping.payload(fromMQTT: bytes, topic: "raw/x") == Payload(args: [.binary(bytes)]))
        #expect(self.mapping.payload(fromMQTT: bytes, topic: "raw/json/x") == Payload(args: [1]))
        #expect(self.mapping.mode(forTopic: "rawx") == .json)
    }

    @Test func wampPayloadsBecomeJSON() throws {
        let bytes = MQTTPayloadMapping.mqttPayload(from: Payload(args: [1, "a"], kwargs: ["x": 2]))
        let value = try JSONSerializer().decode(bytes)
        #expect(value == ["args": [1, "a"], "kwargs": ["x": 2]])
        #expect(MQTTPayloadMapping.mqttPayload(from: .empty) == [])
        #expect(MQTTPayloadMapping.mqttPayload(from: .transparent([1, 2])) == [1, 2])
    }
}
