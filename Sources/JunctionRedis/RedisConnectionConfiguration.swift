import NIOCore
import RESPCore

/// Where and how to connect to Redis.
public struct RedisConnectionConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Protocol, credentials and database (default: RESP3 with fallback, no AUTH, database 0).
    public var handshake: RedisHandshakeConfiguration
    /// Bounds on each reply (default: Redis' own server limits, nesting 32 deep).
    public var limits: RESPParser.Limits
    /// How long opening the TCP connection may take (default 5 s); the handshake is not included.
    public var connectTimeout: TimeAmount
    /// TLS (`rediss://`); `nil` (default) for plain TCP.
    public var tls: RedisTLSConfiguration?

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        handshake: RedisHandshakeConfiguration = RedisHandshakeConfiguration(),
        limits: RESPParser.Limits = RESPParser.Limits(),
        connectTimeout: TimeAmount = .seconds(5),
        tls: RedisTLSConfiguration? = nil
    ) {
        self.host = host
        self.port = port
        self.handshake = handshake
        self.limits = limits
        self.connectTimeout = connectTimeout
        self.tls = tls
    }
}
