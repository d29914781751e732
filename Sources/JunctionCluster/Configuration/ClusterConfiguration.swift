import JunctionRedis
import NIOCore
import RESPCore

/// The `cluster` section: which Redis the nodes meet at, this node's name, and the timings of
/// membership and of the Redis connection's health checks.
public struct ClusterConfiguration: Sendable, Hashable {
    /// The Redis server, or with `sentinel` only its credentials and database (host and port then
    /// come from the sentinels).
    public var redis: RedisEndpoint
    /// Certificates and checks for TLS to Redis (and to the sentinels); `nil` for plain TCP.
    /// `rediss://` without a `tls` key is TLS against the system's CAs.
    public var tls: RedisTLSConfiguration?
    /// Ask these sentinels where the master is, on every (re)connect.
    public var sentinel: RedisSentinelConfiguration?
    /// This node's name, unique in the cluster (`node-a`).
    public var node: String
    /// Milliseconds between heartbeats.
    public var heartbeatIntervalMilliseconds: Int64 = 1000
    /// Milliseconds a heartbeat key lives in Redis (what `junction cluster status` reads).
    public var heartbeatTTLMilliseconds: Int64 = 3000
    /// Milliseconds of silence after which a node is evicted and its state removed everywhere.
    public var evictAfterMilliseconds: Int64 = 7000
    /// Milliseconds a Redis command (or the pub/sub self-probe) may take before the connection is
    /// treated as wedged, closed and reopened.
    public var commandTimeoutMilliseconds: Int64 = 2000
    /// Entries each node's event stream keeps for gap repair (approximate, `MAXLEN ~`).
    public var streamLength: Int = 100_000
    /// Key prefix in Redis, so several clusters can share one server.
    public var keyPrefix: String = "junction"

    public init(redis: RedisEndpoint, node: String) {
        self.redis = redis
        self.node = node
        self.tls = redis.tls ? RedisTLSConfiguration() : nil
    }

    /// How this node opens its Redis connections (a command that gets no answer within the
    /// command timeout treats the connection as wedged; connecting gets the same bound).
    public func redisConnector(eventLoopGroup: any EventLoopGroup) -> RedisConnector {
        RedisConnector(
            master: RedisConnectionConfiguration(
                host: self.redis.host, port: self.redis.port,
                handshake: RedisHandshakeConfiguration(
                    username: self.redis.username, password: self.redis.password,
                    database: self.redis.database == 0 ? nil : self.redis.database),
                connectTimeout: .milliseconds(self.commandTimeoutMilliseconds),
                tls: self.tls),
            sentinel: self.sentinel, eventLoopGroup: eventLoopGroup)
    }
}

/// Where Redis is: parsed from `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS).
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    /// `rediss://`: the connection is TLS.
    public var tls: Bool

    public init(
        host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0,
        tls: Bool = false
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a `redis://` or `rediss://` URL; the reason when it is neither.
    public static func parse(_ url: String) -> Result<RedisEndpoint, URLProblem> {
        let tls = url.hasPrefix("rediss://")
        let scheme = tls ? "rediss://" : "redis://"
        guard url.hasPrefix(scheme) else { return .failure(.init("must start with redis:// or rediss:// (TLS)")) }
        var rest = Substring(url.dropFirst(scheme.count))
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let db = Int(path), (0...15).contains(db) else {
                    return .failure(.init("the database must be a number 0-15"))
                }
                database = db
            }
        }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                username = user.isEmpty ? nil : String(user)
                password = String(credentials[credentials.index(after: colon)...])
            } else {
                password = String(credentials)
            }
        }
        var host = rest
        var port = 6379
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .failure(.init("unclosed [ in the host")) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    return .failure(.init("the port must be a number 1-65535"))
                }
                port = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else {
                return .failure(.init("the port must be a number 1-65535"))
            }
            port = value
        }
        guard !host.isEmpty else { return .failure(.init("the host is missing")) }
        return .success(RedisEndpoint(
            host: String(host), port: port, username: username, password: password, database: database, tls: tls))
    }

    public var description: String { "\(self.tls ? "rediss" : "redis")://\(self.host):\(self.port)/\(self.database)" }

    public struct URLProblem: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
