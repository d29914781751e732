import JunctionMQTT
import JunctionRouter

/// An MQTT listener (`type: mqtt`): MQTT 3.1.1 and 5.0 over TCP or TLS, every client a session
/// of `endpoint.realm`.
public struct MQTTListener: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// The realm, session limits and payload mapping.
    public var endpoint: MQTTEndpoint
    /// `max_connections` (the ping settings do not apply: MQTT has its keep-alive).
    public var liveness = Liveness()
    /// `nil`: plain TCP; otherwise TLS (`mqtts`, conventionally port 8883).
    public var tls: TLSListenerConfiguration?
    /// The authentication methods clients may use on this listener; `nil`: all.
    public var authMethods: Set<AuthMethod>?

    public init(host: String = "127.0.0.1", port: Int = 1883, endpoint: MQTTEndpoint) {
        self.host = host
        self.port = port
        self.endpoint = endpoint
    }
}

/// MQTT over WebSocket on a WebSocket listener (`mqtt:` of a `websocket` transport): requests for
/// `path` offering the subprotocol `mqtt` or `mqttv3.1` become MQTT connections.
public struct MQTTWebSocketEndpoint: Sendable, Hashable {
    public var path: String
    public var endpoint: MQTTEndpoint

    public init(path: String = "/mqtt", endpoint: MQTTEndpoint) {
        self.path = path
        self.endpoint = endpoint
    }
}
