/// SUBSCRIBE (type 8, flags 0010): one or more topic filters, each with its options.
///
/// Variable header: Packet Identifier (non-zero), then (5.0) properties: at most one
/// Subscription Identifier and any User Properties. Payload: at least one pair of Topic Filter
/// (UTF-8 string) and Subscription Options byte. Filters are not validated here: an invalid
/// filter is answered per filter in SUBACK, not by dropping the connection.
public struct MQTTSubscribe: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var subscriptions: [MQTTSubscription]
    public var properties: MQTTProperties

    public init(
        packetIdentifier: UInt16,
        subscriptions: [MQTTSubscription],
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetIdentifier = packetIdentifier
        self.subscriptions = subscriptions
        self.properties = properties
    }
}

/// One topic filter of a SUBSCRIBE with its options.
public struct MQTTSubscription: Sendable, Hashable {
    public var topicFilter: String
    public var options: MQTTSubscriptionOptions

    public init(topicFilter: String, options: MQTTSubscriptionOptions = MQTTSubscriptionOptions()) {
        self.topicFilter = topicFilter
        self.options = options
    }
}

/// The Subscription Options byte: bits 1-0 maximum QoS; 5.0 adds bit 2 No Local, bit 3 Retain
/// As Published, bits 5-4 Retain Handling. Bits 7-6 (and in 3.1.1 bits 7-2) are reserved, zero.
public struct MQTTSubscriptionOptions: Sendable, Hashable {
    public var maximumQoS: MQTTQoS
    /// Do not send the subscriber its own publications (5.0; a protocol error on `$share/`).
    public var noLocal: Bool
    /// Keep the RETAIN flag of forwarded messages instead of clearing it (5.0).
    public var retainAsPublished: Bool
    public var retainHandling: MQTTRetainHandling

    public init(
        maximumQoS: MQTTQoS = .atMostOnce,
        noLocal: Bool = false,
        retainAsPublished: Bool = false,
        retainHandling: MQTTRetainHandling = .sendAtSubscribe
    ) {
        self.maximumQoS = maximumQoS
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
    }
}

/// When retained messages are sent for a new subscription (5.0 §3.8.3.1); 3 is a protocol error.
public enum MQTTRetainHandling: UInt8, Sendable, Hashable, CaseIterable {
    case sendAtSubscribe = 0
    case sendAtSubscribeIfNew = 1
    case doNotSend = 2
}

/// SUBACK (type 9, flags 0000): one reason code per filter of the SUBSCRIBE, in order.
///
/// Variable header: Packet Identifier, then (5.0) properties. Payload: the codes; 3.1.1 has
/// only 0x00-0x02 (granted QoS) and 0x80 (failure), and any 5.0 failure is sent to it as 0x80.
public struct MQTTSubAck: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var reasonCodes: [MQTTReasonCode]
    public var properties: MQTTProperties

    public init(
        packetIdentifier: UInt16,
        reasonCodes: [MQTTReasonCode],
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

/// UNSUBSCRIBE (type 10, flags 0010): Packet Identifier, (5.0) properties, then at least one
/// Topic Filter.
public struct MQTTUnsubscribe: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var topicFilters: [String]
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, topicFilters: [String], properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.topicFilters = topicFilters
        self.properties = properties
    }
}

/// UNSUBACK (type 11, flags 0000): Packet Identifier; 5.0 adds properties and one reason code
/// per filter (3.1.1 has neither, so `reasonCodes` is empty there).
public struct MQTTUnsubAck: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var reasonCodes: [MQTTReasonCode]
    public var properties: MQTTProperties

    public init(
        packetIdentifier: UInt16,
        reasonCodes: [MQTTReasonCode] = [],
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}
