/// CONNECT (type 1, flags 0000): the first packet a client sends.
///
/// Variable header: Protocol Name `00 04 'M' 'Q' 'T' 'T'`, Protocol Level (4 or 5), Connect
/// Flags (bit 7 user name, 6 password, 5 will retain, 4-3 will QoS, 2 will flag, 1 clean
/// start / clean session, 0 reserved and zero), Keep Alive (two bytes, seconds), and in 5.0 the
/// CONNECT properties. Payload, in this order: Client Identifier; if the will flag is set, (5.0)
/// will properties, Will Topic, Will Payload (two-byte length); User Name; Password (binary).
public struct MQTTConnect: Sendable, Hashable {
    public var protocolVersion: MQTTProtocolVersion
    /// 5.0 Clean Start; 3.1.1 Clean Session.
    public var cleanStart: Bool
    /// Seconds; 0 turns keep-alive off.
    public var keepAlive: UInt16
    /// May be empty: the server then assigns one (5.0) or, in 3.1.1, only with a clean session.
    public var clientIdentifier: String
    public var will: MQTTWill?
    public var username: String?
    /// Binary data; 3.1.1 allows a password only together with a user name.
    public var password: [UInt8]?
    public var properties: MQTTProperties

    public init(
        protocolVersion: MQTTProtocolVersion,
        cleanStart: Bool = true,
        keepAlive: UInt16 = 60,
        clientIdentifier: String,
        will: MQTTWill? = nil,
        username: String? = nil,
        password: [UInt8]? = nil,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.protocolVersion = protocolVersion
        self.cleanStart = cleanStart
        self.keepAlive = keepAlive
        self.clientIdentifier = clientIdentifier
        self.will = will
        self.username = username
        self.password = password
        self.properties = properties
    }
}

/// The will message of CONNECT: published for the client if it goes away without DISCONNECT.
public struct MQTTWill: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool
    /// 5.0 will properties (will delay, message expiry, content type, ...).
    public var properties: MQTTProperties

    public init(
        topic: String,
        payload: [UInt8],
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}

/// CONNACK (type 2, flags 0000): the server's answer to CONNECT.
///
/// Variable header: Connect Acknowledge Flags (bit 0 session present, bits 7-1 zero), then the
/// 3.1.1 return code or 5.0 reason code, then (5.0) the CONNACK properties. No payload.
/// In 3.1.1 the six return codes map onto the reason codes with the same meaning (0x01 is
/// `.unsupportedProtocolVersion`, 0x02 `.clientIdentifierNotValid`, ...); other failures are
/// sent to a 3.1.1 client as the closest of those six.
public struct MQTTConnAck: Sendable, Hashable {
    public var sessionPresent: Bool
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(
        sessionPresent: Bool = false,
        reasonCode: MQTTReasonCode = .success,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.sessionPresent = sessionPresent
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTConnectReturnCode {
    /// The 5.0 reason code with this return code's meaning.
    public var reasonCode: MQTTReasonCode {
        switch self {
        case .accepted: return .success
        case .unacceptableProtocolVersion: return .unsupportedProtocolVersion
        case .identifierRejected: return .clientIdentifierNotValid
        case .serverUnavailable: return .serverUnavailable
        case .badUserNameOrPassword: return .badUserNameOrPassword
        case .notAuthorized: return .notAuthorized
        }
    }

    /// The closest 3.1.1 return code for a 5.0 CONNACK reason code.
    public init(_ reasonCode: MQTTReasonCode) {
        switch reasonCode {
        case .success: self = .accepted
        case .unsupportedProtocolVersion: self = .unacceptableProtocolVersion
        case .clientIdentifierNotValid: self = .identifierRejected
        case .badUserNameOrPassword, .badAuthenticationMethod: self = .badUserNameOrPassword
        case .notAuthorized, .banned: self = .notAuthorized
        default: self = .serverUnavailable
        }
    }
}
