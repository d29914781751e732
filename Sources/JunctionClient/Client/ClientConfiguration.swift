import NIOCore
import NIOPosix
import NIOSSL
import WAMPCore

/// Everything a ``WAMPClient`` needs to connect. Plain values with documented defaults.
public struct ClientConfiguration: Sendable {
    /// The router to connect to (see ``WAMPEndpoint`` for the URL forms).
    public var endpoint: WAMPEndpoint
    /// The realm to join.
    public var realm: String
    /// Wire format; default JSON.
    public var serializer: SerializerKind
    /// Default anonymous.
    public var authentication: Authentication
    /// Default: reconnect for ever with exponential backoff and jitter.
    public var reconnect: ReconnectPolicy
    /// TLS settings for `wss://` and `rss://` (default: system trust roots, full verification).
    public var tls: TLSConfiguration
    /// Limit for TCP connect plus transport handshake. Default 10 s.
    public var connectTimeout: Duration
    /// Limit for HELLO → WELCOME (including authentication). Default 10 s.
    public var joinTimeout: Duration
    /// Largest WebSocket message accepted from the router. Default 16 MiB.
    public var maxMessageSize: Int
    /// Where the connection's I/O runs; default `MultiThreadedEventLoopGroup.singleton`.
    public var eventLoopGroup: any EventLoopGroup

    public init(
        endpoint: WAMPEndpoint, realm: String, serializer: SerializerKind = .json,
        authentication: Authentication = .anonymous, reconnect: ReconnectPolicy = .default
    ) {
        self.endpoint = endpoint
        self.realm = realm
        self.serializer = serializer
        self.authentication = authentication
        self.reconnect = reconnect
        self.tls = .makeClientConfiguration()
        self.connectTimeout = .seconds(10)
        self.joinTimeout = .seconds(10)
        self.maxMessageSize = 16 << 20
        self.eventLoopGroup = MultiThreadedEventLoopGroup.singleton
    }

    /// A configuration for `url` (`ws://`, `wss://`, `rs://`, `rss://`, `unix://`).
    public init(
        url: String, realm: String, serializer: SerializerKind = .json, authentication: Authentication = .anonymous,
        reconnect: ReconnectPolicy = .default
    ) throws(WAMPClientError) {
        self.init(
            endpoint: try WAMPEndpoint(url: url), realm: realm, serializer: serializer,
            authentication: authentication, reconnect: reconnect)
    }
}
