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

    @Test func expiryCountsFromPublication() {
        var properties = MQTTProperties()
        properties.messageExpiryInterval = 10
        let message = MQTTApplicationMessage(topic: "t", payload: [], qos: .atLeastOnce, properties: properties)
        let details: WAMPDict = [MQTTMessageOptions.key: MQTTMessageOptions.value(for: message, publishedAt: 50_000)]
        let early = MQTTMessageOptions.message(topic: "t", payload: [], details: details, now: 53_900)
        #expect(early.properties.messageExpiryInterval == 7)
        let late = MQTTMessageOptions.message(topic: "t", payload: [], details: details, now: 60_000)
        #expect(late.properties.messageExpiryInterval == 0)
        // A clock that went backwards takes nothing off.
        let skewed = MQTTMessageOptions.message(topic: "t", payload: [], details: details, now: 40_000)
        #expect(skewed.properties.messageExpiryInterval == 10)
    }

    @Test func withoutExpiryNoPublicationTimeIsCarried() {
        let message = MQTTApplicationMessage(topic: "t", payload: [], qos: .atLeastOnce)
        let value = MQTTMessageOptions.value(for: message, publishedAt: 50_000)
        #expect(value.dictValue?["published_at"] == nil)
    }
}
