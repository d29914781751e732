import JunctionRouter
import WAMPCore

/// Everything `junction serve` needs: realms, transports, limits. Plain values with documented
/// defaults; `ConfigurationLoader` reads them from YAML or JSON in one place.
public struct JunctionConfiguration: Sendable, Hashable {
    /// Event-loop threads. `0` means one per CPU core.
    public var eventLoops: Int = 0
    public var logLevel: String = "info"
    public var realms: [RealmConfiguration]
    public var transports: [TransportConfiguration]
    public var limits = Limits()

    public init(realms: [RealmConfiguration], transports: [TransportConfiguration]) {
        self.realms = realms
        self.transports = transports
    }

    /// Realm `realm1` (role `anonymous` allowed everything), WebSocket at
    /// `ws://127.0.0.1:8080/ws`, RawSocket at `127.0.0.1:8081`.
    public static let builtInDefault = JunctionConfiguration(
        realms: [.openRealm(named: "realm1")],
        transports: [
            .webSocket(.init(host: "127.0.0.1", port: 8080, path: "/ws")),
            .rawSocket(.init(endpoint: .tcp(host: "127.0.0.1", port: 8081))),
        ]
    )
}

/// Limits that protect the router from peers.
public struct Limits: Sendable, Hashable {
    /// Largest WAMP message accepted on any transport, in bytes (a transport may lower it).
    public var maxMessageSize: Int = 16 * 1024 * 1024
    /// Bytes queued for one session (written but not yet accepted by the socket) before the
    /// realm's slow-consumer policy applies.
    public var outboundQueueBytes: Int = 4 * 1024 * 1024
    /// Messages queued for one session before the slow-consumer policy applies.
    public var outboundQueueMessages: Int = 10_000

    public init() {}
}

/// One listening endpoint.
public enum TransportConfiguration: Sendable, Hashable {
    case webSocket(WebSocketListener)
    case rawSocket(RawSocketListener)
}

public struct WebSocketListener: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var path: String
    public var serializers: [SerializerKind]
    /// `nil`: the global `limits.max_message_size`.
    public var maxMessageSize: Int?
    public var liveness = Liveness()

    public init(
        host: String, port: Int, path: String = "/ws", serializers: [SerializerKind] = SerializerKind.allCases,
        maxMessageSize: Int? = nil
    ) {
        self.host = host
        self.port = port
        self.path = path
        self.serializers = serializers
        self.maxMessageSize = maxMessageSize
    }
}

public struct RawSocketListener: Sendable, Hashable {
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var endpoint: Endpoint
    public var serializers: [SerializerKind]
    public var maxMessageSize: Int?
    public var liveness = Liveness()

    public init(endpoint: Endpoint, serializers: [SerializerKind] = SerializerKind.allCases, maxMessageSize: Int? = nil) {
        self.endpoint = endpoint
        self.serializers = serializers
        self.maxMessageSize = maxMessageSize
    }
}

/// Dead-peer detection and connection caps of one listener.
public struct Liveness: Sendable, Hashable {
    /// Seconds between WebSocket pings / RawSocket PINGs to an otherwise silent peer; 0 disables.
    public var pingInterval: Int = 30
    /// Seconds to wait for any sign of life after a ping before closing the connection.
    public var pingTimeout: Int = 10
    /// Concurrent connections this listener accepts; more are refused (RawSocket error 4,
    /// WebSocket HTTP 503).
    public var maxConnections: Int = 100_000

    public init() {}
}
