/// One MQTT 5.0 property list, decoded into typed fields.
///
/// Every property the spec defines has a field; `nil` (or empty) means absent, which for most
/// properties means "the default applies", so absence and the default are kept apart. User
/// properties keep their order and repeats (§3.1.2.11.8); a PUBLISH to a subscriber carries one
/// subscription identifier per matching subscription (§3.3.4). In 3.1.1 packets the list is
/// always empty and never encoded.
public struct MQTTProperties: Sendable, Hashable {
    public var payloadFormatIndicator: MQTTPayloadFormat?
    public var messageExpiryInterval: UInt32?
    public var contentType: String?
    public var responseTopic: String?
    public var correlationData: [UInt8]?
    /// 1...268,435,455; several only in a PUBLISH sent to a client.
    public var subscriptionIdentifiers: [Int]
    public var sessionExpiryInterval: UInt32?
    public var assignedClientIdentifier: String?
    public var serverKeepAlive: UInt16?
    public var authenticationMethod: String?
    public var authenticationData: [UInt8]?
    public var requestProblemInformation: Bool?
    public var willDelayInterval: UInt32?
    public var requestResponseInformation: Bool?
    public var responseInformation: String?
    public var serverReference: String?
    public var reasonString: String?
    /// Never 0 (a protocol error).
    public var receiveMaximum: UInt16?
    public var topicAliasMaximum: UInt16?
    /// Never 0 (a protocol error).
    public var topicAlias: UInt16?
    /// Only `.atMostOnce` or `.atLeastOnce`: a server that supports QoS 2 sends no Maximum QoS.
    public var maximumQoS: MQTTQoS?
    public var retainAvailable: Bool?
    public var userProperties: [MQTTUserProperty]
    /// Never 0 (a protocol error).
    public var maximumPacketSize: UInt32?
    public var wildcardSubscriptionAvailable: Bool?
    public var subscriptionIdentifierAvailable: Bool?
    public var sharedSubscriptionAvailable: Bool?

    public init() {
        self.subscriptionIdentifiers = []
        self.userProperties = []
    }

    /// No property present: the list encodes as the single byte 0.
    public var isEmpty: Bool {
        self == MQTTProperties()
    }
}

/// One User Property: a name/value pair of UTF-8 strings, repeatable, order preserved.
public struct MQTTUserProperty: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The Payload Format Indicator (§3.3.2.3.2): whether the payload claims to be UTF-8.
public enum MQTTPayloadFormat: UInt8, Sendable, Hashable {
    case unspecified = 0
    case utf8 = 1
}
