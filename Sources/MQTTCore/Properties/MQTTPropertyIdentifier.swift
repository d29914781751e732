/// The MQTT 5.0 property identifiers (§2.2.2.2), each with its wire type and the packets that may
/// carry it. The decoder rejects an identifier outside this list as malformed, and a known one in
/// a packet that may not carry it as a protocol error.
public enum MQTTPropertyIdentifier: UInt8, Sendable, Hashable, CaseIterable {
    case payloadFormatIndicator = 0x01
    case messageExpiryInterval = 0x02
    case contentType = 0x03
    case responseTopic = 0x08
    case correlationData = 0x09
    case subscriptionIdentifier = 0x0B
    case sessionExpiryInterval = 0x11
    case assignedClientIdentifier = 0x12
    case serverKeepAlive = 0x13
    case authenticationMethod = 0x15
    case authenticationData = 0x16
    case requestProblemInformation = 0x17
    case willDelayInterval = 0x18
    case requestResponseInformation = 0x19
    case responseInformation = 0x1A
    case serverReference = 0x1C
    case reasonString = 0x1F
    case receiveMaximum = 0x21
    case topicAliasMaximum = 0x22
    case topicAlias = 0x23
    case maximumQoS = 0x24
    case retainAvailable = 0x25
    case userProperty = 0x26
    case maximumPacketSize = 0x27
    case wildcardSubscriptionAvailable = 0x28
    case subscriptionIdentifierAvailable = 0x29
    case sharedSubscriptionAvailable = 0x2A

    /// How a property's value is laid out on the wire (§1.5).
    public enum ValueType: Sendable, Hashable {
        case byte
        case twoByteInteger
        case fourByteInteger
        case variableByteInteger
        case utf8String
        case binaryData
        case utf8StringPair
    }

    public var valueType: ValueType {
        switch self {
        case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS,
            .retainAvailable, .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable,
            .sharedSubscriptionAvailable:
            return .byte
        case .serverKeepAlive, .receiveMaximum, .topicAliasMaximum, .topicAlias:
            return .twoByteInteger
        case .messageExpiryInterval, .sessionExpiryInterval, .willDelayInterval, .maximumPacketSize:
            return .fourByteInteger
        case .subscriptionIdentifier:
            return .variableByteInteger
        case .contentType, .responseTopic, .assignedClientIdentifier, .authenticationMethod, .responseInformation,
            .serverReference, .reasonString:
            return .utf8String
        case .correlationData, .authenticationData:
            return .binaryData
        case .userProperty:
            return .utf8StringPair
        }
    }

    /// Where the property may appear.
    public var allowedIn: MQTTPropertyContext {
        switch self {
        case .payloadFormatIndicator, .messageExpiryInterval, .contentType, .responseTopic, .correlationData:
            return [.publish, .will]
        case .subscriptionIdentifier:
            return [.publish, .subscribe]
        case .sessionExpiryInterval:
            return [.connect, .connack, .disconnect]
        case .assignedClientIdentifier, .serverKeepAlive, .responseInformation, .maximumQoS, .retainAvailable,
            .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable, .sharedSubscriptionAvailable:
            return .connack
        case .authenticationMethod, .authenticationData:
            return [.connect, .connack, .auth]
        case .requestProblemInformation, .requestResponseInformation:
            return .connect
        case .willDelayInterval:
            return .will
        case .serverReference:
            return [.connack, .disconnect]
        case .reasonString:
            return [.connack, .puback, .pubrec, .pubrel, .pubcomp, .suback, .unsuback, .disconnect, .auth]
        case .receiveMaximum, .topicAliasMaximum, .maximumPacketSize:
            return [.connect, .connack]
        case .topicAlias:
            return .publish
        case .userProperty:
            return .all
        }
    }

    /// Whether the property may appear more than once in one property list: user properties
    /// always, subscription identifiers only in PUBLISH (one per matching subscription).
    public func mayRepeat(in context: MQTTPropertyContext) -> Bool {
        switch self {
        case .userProperty: return true
        case .subscriptionIdentifier: return context == .publish
        default: return false
        }
    }
}

/// The property lists of MQTT 5.0: one per packet type that has properties, plus the will
/// properties inside CONNECT's payload.
public struct MQTTPropertyContext: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let connect = MQTTPropertyContext(rawValue: 1 << 0)
    public static let connack = MQTTPropertyContext(rawValue: 1 << 1)
    public static let publish = MQTTPropertyContext(rawValue: 1 << 2)
    public static let will = MQTTPropertyContext(rawValue: 1 << 3)
    public static let puback = MQTTPropertyContext(rawValue: 1 << 4)
    public static let pubrec = MQTTPropertyContext(rawValue: 1 << 5)
    public static let pubrel = MQTTPropertyContext(rawValue: 1 << 6)
    public static let pubcomp = MQTTPropertyContext(rawValue: 1 << 7)
    public static let subscribe = MQTTPropertyContext(rawValue: 1 << 8)
    public static let suback = MQTTPropertyContext(rawValue: 1 << 9)
    public static let unsubscribe = MQTTPropertyContext(rawValue: 1 << 10)
    public static let unsuback = MQTTPropertyContext(rawValue: 1 << 11)
    public static let disconnect = MQTTPropertyContext(rawValue: 1 << 12)
    public static let auth = MQTTPropertyContext(rawValue: 1 << 13)
    public static let all = MQTTPropertyContext(rawValue: (1 << 14) - 1)
}
