import MQTTCore
import WAMPCore

/// What an MQTT publication carries beyond topic and payload, kept through the realm in the
/// PUBLISH option (and EVENT detail) `x_mqtt`: QoS, the RETAIN flag and the message's 5.0
/// properties, so an MQTT subscriber gets what an MQTT publisher sent. WAMP clients ignore it.
public enum MQTTMessageOptions {
    public static let key = "x_mqtt"

    /// The `x_mqtt` value for `message`. A message with an expiry interval also carries when it
    /// was published (`publishedAt`, milliseconds since the Unix epoch): a retained copy sent
    /// later must count its age from there (MQTT 5.0 §3.3.2.3.3), even after a restart.
    public static func value(for message: MQTTApplicationMessage, publishedAt: Int64? = nil) -> WAMPValue {
        var dict: WAMPDict = ["qos": .uint(UInt64(message.qos.rawValue))]
        if message.retain { dict["retain"] = true }
        let properties = message.properties
        guard !properties.isEmpty else { return .dict(dict) }
        if let format = properties.payloadFormatIndicator { dict["payload_format"] = .uint(UInt64(format.rawValue)) }
        if let expiry = properties.messageExpiryInterval {
            dict["message_expiry"] = .uint(UInt64(expiry))
            if let publishedAt { dict["published_at"] = .int(publishedAt) }
        }
        if let contentType = properties.contentType { dict["content_type"] = .string(contentType) }
        if let responseTopic = properties.responseTopic { dict["response_topic"] = .string(responseTopic) }
        if let correlation = properties.correlationData { dict["correlation_data"] = .binary(correlation) }
        if !properties.userProperties.isEmpty {
            dict["user_properties"] = .list(properties.userProperties.map { [.string($0.name), .string($0.value)] })
        }
        return .dict(dict)
    }

    /// The message an EVENT on `topic` delivers. A publication without `x_mqtt` (from a WAMP
    /// client) counts as QoS 2: it is delivered at the QoS the subscription granted. `now`
    /// (milliseconds since the Unix epoch) takes the time since publication off the message
    /// expiry interval; 0 left means expired, and the session drops it.
    public static func message(
        topic: String,
        payload: [UInt8],
        details: WAMPDict,
        now: Int64? = nil
    ) -> MQTTApplicationMessage {
        guard let dict = details[Self.key]?.dictValue else {
            return MQTTApplicationMessage(topic: topic, payload: payload, qos: .exactlyOnce)
        }
        let qos =
            dict["qos"]?.unsignedInteger.flatMap { MQTTQoS(rawValue: UInt8(truncatingIfNeeded: $0)) } ?? .exactlyOnce
        var properties = MQTTProperties()
        if let format = dict["payload_format"]?.unsignedInteger {
            properties.payloadFormatIndicator = MQTTPayloadFormat(rawValue: UInt8(truncatingIfNeeded: format))
        }
        if let expiry = dict["message_expiry"]?.unsignedInteger {
            var left = UInt32(truncatingIfNeeded: expiry)
            if let now, let publishedAt = dict["published_at"]?.signedInteger, now > publishedAt {
                let elapsed = UInt64(now - publishedAt) / 1000
                left = elapsed >= UInt64(left) ? 0 : left - UInt32(elapsed)
            }
            properties.messageExpiryInterval = left
        }
        if let contentType = dict["content_type"]?.stringValue { properties.contentType = contentType }
        if let responseTopic = dict["response_topic"]?.stringValue { properties.responseTopic = responseTopic }
        if let correlation = dict["correlation_data"]?.binaryValue { properties.correlationData = correlation }
        if let pairs = dict["user_properties"]?.listValue {
            properties.userProperties = pairs.compactMap { pair in
                guard let list = pair.listValue, list.count == 2, let name = list[0].stringValue,
                    let value = list[1].stringValue
                else { return nil }
                return MQTTUserProperty(name, value)
            }
        }
        return MQTTApplicationMessage(
            topic: topic,
            payload: payload,
            qos: qos,
            retain: dict["retain"]?.boolValue ?? false,
            properties: properties
        )
    }
}
