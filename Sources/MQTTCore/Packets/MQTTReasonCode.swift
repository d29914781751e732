/// MQTT 5.0 reason codes (§2.4): one byte on CONNACK, the acks, DISCONNECT and AUTH.
///
/// A value means different things in different packets (0x00 is "Success", "Normal
/// disconnection" and "Granted QoS 0"), so the enum names the value once and the aliases below
/// name its other readings. `isAllowed(in:)` is the spec's table of which packet may carry which.
public enum MQTTReasonCode: UInt8, Sendable, Hashable, CaseIterable {
    case success = 0x00
    case grantedQoS1 = 0x01
    case grantedQoS2 = 0x02
    case disconnectWithWillMessage = 0x04
    case noMatchingSubscribers = 0x10
    case noSubscriptionExisted = 0x11
    case continueAuthentication = 0x18
    case reAuthenticate = 0x19
    case unspecifiedError = 0x80
    case malformedPacket = 0x81
    case protocolError = 0x82
    case implementationSpecificError = 0x83
    case unsupportedProtocolVersion = 0x84
    case clientIdentifierNotValid = 0x85
    case badUserNameOrPassword = 0x86
    case notAuthorized = 0x87
    case serverUnavailable = 0x88
    case serverBusy = 0x89
    case banned = 0x8A
    case serverShuttingDown = 0x8B
    case badAuthenticationMethod = 0x8C
    case keepAliveTimeout = 0x8D
    case sessionTakenOver = 0x8E
    case topicFilterInvalid = 0x8F
    case topicNameInvalid = 0x90
    case packetIdentifierInUse = 0x91
    case packetIdentifierNotFound = 0x92
    case receiveMaximumExceeded = 0x93
    case topicAliasInvalid = 0x94
    case packetTooLarge = 0x95
    case messageRateTooHigh = 0x96
    case quotaExceeded = 0x97
    case administrativeAction = 0x98
    case payloadFormatInvalid = 0x99
    case retainNotSupported = 0x9A
    case qosNotSupported = 0x9B
    case useAnotherServer = 0x9C
    case serverMoved = 0x9D
    case sharedSubscriptionsNotSupported = 0x9E
    case connectionRateExceeded = 0x9F
    case maximumConnectTime = 0xA0
    case subscriptionIdentifiersNotSupported = 0xA1
    case wildcardSubscriptionsNotSupported = 0xA2

    /// DISCONNECT's reading of 0x00.
    public static let normalDisconnection = MQTTReasonCode.success
    /// SUBACK's reading of 0x00.
    public static let grantedQoS0 = MQTTReasonCode.success

    /// Values of 0x80 and above report a failure (§2.4).
    public var isFailure: Bool { self.rawValue >= 0x80 }

    /// Whether the spec lets `packet` carry this code (MQTT 5.0 §2.4, Table 2-6).
    public func isAllowed(in packet: MQTTPacketType) -> Bool {
        switch packet {
        case .connack:
            switch self {
            case .success, .unspecifiedError, .malformedPacket, .protocolError, .implementationSpecificError,
                .unsupportedProtocolVersion, .clientIdentifierNotValid, .badUserNameOrPassword, .notAuthorized,
                .serverUnavailable, .serverBusy, .banned, .badAuthenticationMethod, .topicNameInvalid,
                .packetTooLarge, .quotaExceeded, .payloadFormatInvalid, .retainNotSupported, .qosNotSupported,
                .useAnotherServer, .serverMoved, .connectionRateExceeded:
                return true
            default:
                return false
            }
        case .puback, .pubrec:
            switch self {
            case .success, .noMatchingSubscribers, .unspecifiedError, .implementationSpecificError, .notAuthorized,
                .topicNameInvalid, .packetIdentifierInUse, .quotaExceeded, .payloadFormatInvalid:
                return true
            default:
                return false
            }
        case .pubrel, .pubcomp:
            return self == .success || self == .packetIdentifierNotFound
        case .suback:
            switch self {
            case .success, .grantedQoS1, .grantedQoS2, .unspecifiedError, .implementationSpecificError,
                .notAuthorized, .topicFilterInvalid, .packetIdentifierInUse, .quotaExceeded,
                .sharedSubscriptionsNotSupported, .subscriptionIdentifiersNotSupported,
                .wildcardSubscriptionsNotSupported:
                return true
            default:
                return false
            }
        case .unsuback:
            switch self {
            case .success, .noSubscriptionExisted, .unspecifiedError, .implementationSpecificError, .notAuthorized,
                .topicFilterInvalid, .packetIdentifierInUse:
                return true
            default:
                return false
            }
        case .disconnect:
            switch self {
            case .grantedQoS1, .grantedQoS2, .noMatchingSubscribers, .noSubscriptionExisted, .continueAuthentication,
                .reAuthenticate, .unsupportedProtocolVersion, .clientIdentifierNotValid, .badUserNameOrPassword,
                .serverUnavailable, .banned, .badAuthenticationMethod, .packetIdentifierInUse,
                .packetIdentifierNotFound:
                return false
            default:
                return true
            }
        case .auth:
            return self == .success || self == .continueAuthentication || self == .reAuthenticate
        case .connect, .publish, .subscribe, .unsubscribe, .pingreq, .pingresp:
            return false
        }
    }
}

/// MQTT 3.1.1 CONNACK return codes (§3.2.2.3); 6-255 are reserved.
public enum MQTTConnectReturnCode: UInt8, Sendable, Hashable, CaseIterable {
    case accepted = 0
    case unacceptableProtocolVersion = 1
    case identifierRejected = 2
    case serverUnavailable = 3
    case badUserNameOrPassword = 4
    case notAuthorized = 5
}
