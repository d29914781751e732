import HTTPBridgeCore
import JunctionMQTT

/// What one path of a WebSocket listener's `paths` map serves. The listener is an HTTP server:
/// WebSocket upgrades go to `wamp` (or `mqtt`) paths, every other request to its path's service.
public enum HTTPPathService: Sendable, Hashable {
    /// WAMP over WebSocket (the listener's serializers, limits and liveness).
    case wamp
    /// MQTT over WebSocket (subprotocols `mqtt` and `mqttv3.1`): every client a session of the
    /// endpoint's realm, like a `type: mqtt` listener's.
    case mqtt(MQTTEndpoint)
    /// Crossbar's HTTP publisher bridge: POST `{"topic","args","kwargs","options"}` publishes.
    case publisher(BridgePath)
    /// Crossbar's HTTP caller bridge: POST `{"procedure","args","kwargs"}` calls.
    case caller(BridgePath)
    /// Crossbar's webhook: any POST body is published to `topic` as `{"headers", "body"}`.
    case webhook(WebhookPath)
    /// Prometheus text exposition of the router's metrics.
    case metrics
    /// 200 while the process serves.
    case health
    /// 200 once every listener is bound; 503 before and during shutdown.
    case ready
    /// The dashboard page: the files embedded in the binary, or those of `directory`.
    case dashboard(directory: String?)
    /// The files of a directory (the path is a prefix: `/files/a.html` is `<directory>/a.html`).
    case `static`(directory: String)

    /// The configuration's `type` names, in the order the docs list them.
    public static let typeNames = [
        "wamp", "mqtt", "publisher", "caller", "webhook", "metrics", "health", "ready", "dashboard", "static",
    ]

    /// The `type` name (also the `service` label of `junction_http_requests_total`).
    public var typeName: String {
        switch self {
        case .wamp: return "wamp"
        case .mqtt: return "mqtt"
        case .publisher: return "publisher"
        case .caller: return "caller"
        case .webhook: return "webhook"
        case .metrics: return "metrics"
        case .health: return "health"
        case .ready: return "ready"
        case .dashboard: return "dashboard"
        case .static: return "static"
        }
    }

    /// Whether the service answers a whole subtree (`/files/...`) rather than its exact path.
    public var servesSubtree: Bool {
        switch self {
        case .dashboard, .static: return true
        default: return false
        }
    }
}

/// A publisher or caller path: the realm and role its in-process session joins with, and
/// Crossbar's `options`.
public struct BridgePath: Sendable, Hashable {
    public var realm: String
    public var role: String
    public var options: BridgeOptions

    public init(realm: String, role: String, options: BridgeOptions = BridgeOptions()) {
        self.realm = realm
        self.role = role
        self.options = options
    }
}

/// A webhook path: a bridge path plus the topic and the response texts.
public struct WebhookPath: Sendable, Hashable {
    public var bridge: BridgePath
    public var topic: String
    /// Body of the 202 answer. Default `OK`.
    public var successResponse: String
    /// Body of the 500 answer when publishing fails. Default `NOT OK`.
    public var errorResponse: String

    public init(bridge: BridgePath, topic: String, successResponse: String = "OK", errorResponse: String = "NOT OK") {
        self.bridge = bridge
        self.topic = topic
        self.successResponse = successResponse
        self.errorResponse = errorResponse
    }
}

extension WebSocketListener {
    /// The default configuration's HTTP listener.
    public static var builtInDefault: WebSocketListener {
        var listener = WebSocketListener(host: "127.0.0.1", port: 8080, path: "/ws")
        let bridge = BridgePath(realm: "realm1", role: "anonymous")
        listener.paths = [
            "/ws": .wamp,
            "/mqtt": .mqtt(MQTTEndpoint(realm: "realm1")),
            "/publish": .publisher(bridge),
            "/call": .caller(bridge),
            "/metrics": .metrics,
            "/health": .health,
            "/ready": .ready,
            "/": .dashboard(directory: nil),
        ]
        return listener
    }
}
