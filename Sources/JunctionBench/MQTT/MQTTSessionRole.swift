import MQTTCore

/// What one MQTT connection of the load generator does once the broker accepted it: subscribe,
/// publish, leave at once, or nothing. Confined to the connection's event loop.
protocol MQTTSessionRole: AnyObject {
    /// CONNACK with success arrived.
    func connected(_ session: MQTTClientHandler, connack: MQTTConnAck)
    /// Every packet after CONNACK.
    func received(_ packet: MQTTPacket, _ session: MQTTClientHandler)
    /// End of one read batch: the moment to report batched counts (the session flushes after it).
    func readComplete(_ session: MQTTClientHandler)
    func closed()
}

extension MQTTSessionRole {
    func received(_ packet: MQTTPacket, _ session: MQTTClientHandler) {}
    func readComplete(_ session: MQTTClientHandler) {}
    func closed() {}
}

/// Connects and stays idle; optionally runs `onConnected` once CONNACK arrives.
final class MQTTPassiveRole: MQTTSessionRole {
    private let onConnected: ((MQTTClientHandler) -> Void)?

    init(onConnected: ((MQTTClientHandler) -> Void)? = nil) {
        self.onConnected = onConnected
    }

    func connected(_ session: MQTTClientHandler, connack: MQTTConnAck) {
        self.onConnected?(session)
    }
}

@available(*, unavailable)
extension MQTTPassiveRole: Sendable {}
