import MQTTCore

/// What the router's metrics learn of each MQTT control packet: its type and direction. The
/// endpoint does not know the metrics system; the server passes a function that increments
/// counters resolved once per listener.
public struct MQTTPacketCounting: Sendable {
    public enum Direction: Sendable {
        case inbound, outbound
    }

    public var count: @Sendable (Direction, MQTTPacketType) -> Void

    public init(count: @escaping @Sendable (Direction, MQTTPacketType) -> Void) {
        self.count = count
    }

    /// Counts nothing (an endpoint without metrics, the tests).
    public static let none = MQTTPacketCounting { _, _ in }
}
