/// PUBLISH (type 3, flags DUP, QoS (2 bits), RETAIN): an application message in either direction.
///
/// Variable header: Topic Name (UTF-8 string, no wildcards; 5.0 allows it empty when a Topic
/// Alias property stands in), Packet Identifier (two bytes, non-zero) only when QoS > 0, then
/// (5.0) the PUBLISH properties. Payload: the rest of the packet, possibly empty. QoS 3 is
/// malformed, and so is DUP on a QoS 0 message.
public struct MQTTPublish: Sendable, Hashable {
    public var topicName: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool
    public var dup: Bool
    /// Present exactly when `qos` is above 0.
    public var packetIdentifier: UInt16?
    public var properties: MQTTProperties

    public init(
        topicName: String,
        payload: [UInt8],
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        dup: Bool = false,
        packetIdentifier: UInt16? = nil,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.topicName = topicName
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.dup = dup
        self.packetIdentifier = packetIdentifier
        self.properties = properties
    }
}

/// PUBACK (4), PUBREC (5), PUBREL (6, flags 0010), PUBCOMP (7): the QoS 1 and QoS 2 handshakes.
///
/// Variable header: Packet Identifier (two bytes). 3.1.1 stops there (Remaining Length 2). 5.0
/// adds a reason code and properties, both optional: Remaining Length 2 means success without
/// properties, 3 a reason code without properties.
public struct MQTTPublishAck: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(
        packetIdentifier: UInt16,
        reasonCode: MQTTReasonCode = .success,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }
}
