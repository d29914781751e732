/// The MQTT protocol levels Junction speaks, as carried in CONNECT's Protocol Level byte.
///
/// The level decides the layout of almost every packet after CONNECT (5.0 adds reason codes and
/// properties), so the parser learns it from CONNECT and keeps it for the connection.
public enum MQTTProtocolVersion: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// MQTT 3.1.1 (OASIS, 2014): Protocol Level 4.
    case v3_1_1 = 4
    /// MQTT 5.0 (OASIS, 2019): Protocol Level 5.
    case v5 = 5

    public var description: String {
        switch self {
        case .v3_1_1: return "3.1.1"
        case .v5: return "5.0"
        }
    }
}

/// MQTT's three delivery guarantees; the two QoS bits of PUBLISH, will and subscription options.
public enum MQTTQoS: UInt8, Sendable, Hashable, CaseIterable, Comparable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
