import MQTTCore
import Testing
import WAMPCore

@testable import JunctionMQTT

@Suite struct MQTTMessageOptionsTests {
    @Test func propertiesSurviveTheRealm() {
        var properties = MQTTProperties()
        properties.contentType = "application/json"
        properties.responseTopic = "replies/1"
        properties.correlationData = [1, 2]
        properties.messageExpiryInterval = 30
        properties.payloadFormatIndicator = .utf8
        properties.userProperties = [MQTTUserProperty("a", "1"), MQTTUserProperty("a", "2")]
        let message = MQTTApplicationMessage(
            topic: "t",
            payload: [9],
            qos: .atLeastOnce,
            retain: true,
            properties: properties
        )
        let details: WAMPDict = [MQTTMessageOptions.key: MQTTMessageOptions.value(for: message)]
        #expect(MQTTMessageOptions.message(topic: "t", payload: [9], details: details) == message)
    }

    @Test func wampPublicationsCountAsQoS2() {
        let message = MQTTMessageOptions.message(topic: "t", payload: [], details: [:])
        #expect(message.qos == .exactlyOnce)
        #expect(!message.retain)
    }
}
