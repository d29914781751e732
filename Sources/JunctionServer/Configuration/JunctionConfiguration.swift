import JunctionComponents
import JunctionCluster
import JunctionRouter
import JunctionStorage
import WAMPCore

/// Everything `junction serve` needs: realms, transports, limits. Plain values with documented
/// defaults; `ConfigurationLoader` reads them from YAML or JSON in one place.
public struct JunctionConfiguration: Sendable, Hashable {
    /// Event-loop threads. `0` means one per CPU core.
    public var eventLoops: Int = 0
    public var logLevel: String = "info"
    /// Where `junction serve` writes its process id, for `junction reload`; `nil`: the default
    /// (`junction.pid` in the temporary directory) unless `--pid-file` says otherwise.
    public var pidFile: String?
    public var realms: [RealmConfiguration]
    public var transports: [TransportConfiguration]
    public var limits = Limits()
    /// Hosted components (`components:`), started after the listeners.
    public var components: [ComponentConfiguration] = []
    /// The Unix socket of the components' private listener; `nil`: `$TMPDIR/junction-<pid>/components.sock`.
    public var componentsSocket: String?
    /// Outgoing event forwarders (POST a topic's events to a URL).
    public var forwarders: [EventForwarderConfiguration] = []
    /// Where history, stream epochs and retained events are kept; memory by default.
    public var storage = StorageConfiguration.memory
    /// `nil`: a single node; otherwise this node's place in a cluster (`cluster` section).
    public var cluster: ClusterConfiguration?

    public init(realms: [RealmConfiguration], transports: [TransportConfiguration]) {
        self.realms = realms
        self.transports = transports
    }

    /// Realm `realm1` (role `anonymous` allowed everything, role `dashboard` for the web
    /// dashboard), an HTTP listener on `127.0.0.1:8080` (WAMP at `/ws`, MQTT over WebSocket at
    /// `/mqtt`, the HTTP bridge at `/publish` and `/call`, `/metrics`, `/health`, `/ready`, the
    /// dashboard at `/`), RawSocket at `127.0.0.1:8081`, MQTT at `127.0.0.1:1883`.
    public static let builtInDefault = JunctionConfiguration(
        realms: [RealmConfiguration(name: "realm1", roles: [.allowAll(name: "anonymous"), .dashboard])],
        transports: [
            .webSocket(.builtInDefault),
            .rawSocket(.init(endpoint: .tcp(host: "127.0.0.1", port: 8081))),
            .mqtt(.init(host: "127.0.0.1", port: 1883, endpoint: .init(realm: "realm1"))),
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
    /// Seconds a connection may take from its transport handshake to WELCOME (HELLO, CHALLENGE,
    /// AUTHENTICATE); then it gets ABORT `wamp.error.timeout` and is closed.
    public var helloTimeout: Int = 10
    /// Largest message accepted before the session is established (HELLO, AUTHENTICATE), so an
    /// unauthenticated peer cannot make the router buffer large messages.
    public var preSessionMaxMessageSize: Int = 64 * 1024
    /// Connections, across all listeners, that may be between transport handshake and WELCOME at
    /// once; more are closed at once.
    public var maxPendingSessions: Int = 1000
    /// Milliseconds before a failed authentication is answered (ABORT).
    public var authFailureDelayMilliseconds: Int = 1000
    /// Failed authentications per client address within `authFailureWindow` seconds after which
    /// that address's authentication attempts are refused unchecked until the window passes.
    public var maxAuthFailures: Int = 10
    public var authFailureWindow: Int = 60

    public init() {}
}

/// One listening endpoint.
public enum TransportConfiguration: Sendable, Hashable {
    case webSocket(WebSocketListener)
    case rawSocket(RawSocketListener)
    case mqtt(MQTTListener)

    /// The authentication methods clients may use on this listener; `nil`: all.
    public var authMethods: Set<AuthMethod>? {
        switch self {
        case .webSocket(let listener): return listener.authMethods
        case .rawSocket(let listener): return listener.authMethods
        case .mqtt(let listener): return listener.authMethods
        }
    }
}

public struct WebSocketListener: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// The WAMP path when `paths` is empty (the configuration's `path`).
    public var path: String
    /// What each HTTP path serves (`paths` in the configuration). Empty: WAMP at `path` only.
    public var paths: [String: HTTPPathService] = [:]
    public var serializers: [SerializerKind]
    /// `nil`: the global `limits.max_message_size`.
    public var maxMessageSize: Int?
    public var liveness = Liveness()
    /// `nil`: plain TCP (`ws://`); otherwise the listener speaks TLS (`wss://`).
    public var tls: TLSListenerConfiguration?
    /// The authentication methods clients may use on this listener; `nil`: all.
    public var authMethods: Set<AuthMethod>?

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

    /// The effective path map: `paths`, or WAMP at `path`.
    public var routes: [String: HTTPPathService] {
        self.paths.isEmpty ? [self.path: .wamp] : self.paths
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
    /// `nil`: plain TCP (`rs://`); otherwise the listener speaks TLS (`rss://`). TCP endpoints
    /// only: a Unix endpoint with TLS is a configuration error.
    public var tls: TLSListenerConfiguration?
    /// The authentication methods clients may use on this listener; `nil`: all.
    public var authMethods: Set<AuthMethod>?

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

/// TLS for one listener: the router's certificate and key, and optionally the CAs that client
/// certificates must chain to. Paths are PEM files, read once when the listener binds.
public struct TLSListenerConfiguration: Sendable, Hashable {
    /// Whether the listener asks connecting clients for a certificate.
    public enum ClientCertificatePolicy: String, Sendable, Hashable, CaseIterable {
        /// No certificate is requested; every client that completes the handshake is accepted.
        case none
        /// A certificate is requested; a client without one is accepted, a presented certificate
        /// must chain to `caCertificatesPath` or the handshake fails.
        case optional
        /// A certificate chaining to `caCertificatesPath` is required; the handshake fails without.
        case required
    }

    /// The router's certificate (chain) in PEM: leaf first, then intermediates.
    public var certificatePath: String
    /// The private key of the leaf certificate in PEM (unencrypted).
    public var keyPath: String
    /// PEM bundle of CA certificates client certificates must chain to; required for
    /// `clientCertificate` `.optional` and `.required`.
    public var caCertificatesPath: String?
    public var clientCertificate: ClientCertificatePolicy

    public init(
        certificatePath: String, keyPath: String, caCertificatesPath: String? = nil,
        clientCertificate: ClientCertificatePolicy = .none
    ) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.caCertificatesPath = caCertificatesPath
        self.clientCertificate = clientCertificate
    }
}
