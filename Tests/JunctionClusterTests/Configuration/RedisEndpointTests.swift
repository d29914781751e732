import JunctionCluster
import JunctionRedis
import Testing

struct RedisEndpointTests {
    @Test func parsesHostPortCredentialsAndDatabase() throws {
        #expect(try RedisEndpoint.parse("redis://127.0.0.1:6380").get() == RedisEndpoint(host: "127.0.0.1", port: 6380))
        #expect(try RedisEndpoint.parse("redis://cache").get() == RedisEndpoint(host: "cache"))
        #expect(
            try RedisEndpoint.parse("redis://user:se:cret@h:1/3").get()
                == RedisEndpoint(host: "h", port: 1, username: "user", password: "se:cret", database: 3))
        #expect(try RedisEndpoint.parse("redis://pw@h").get() == RedisEndpoint(host: "h", password: "pw"))
        #expect(try RedisEndpoint.parse("redis://[::1]:7000/").get() == RedisEndpoint(host: "::1", port: 7000))
    }

    @Test(arguments: [
        "http://h", "redis://", "redis://h:0", "redis://h:99999", "redis://h:x", "redis://h/16", "redis://[::1",
        "rediss://", "redis:/h", "redisss://h",
    ])
    func refusesWhatIsNotARedisURL(_ url: String) {
        if case .success(let endpoint) = RedisEndpoint.parse(url) {
            Issue.record("accepted \(url) as \(endpoint)")
        }
    }

    @Test func redissIsTLS() throws {
        let endpoint = try RedisEndpoint.parse("rediss://:pw@cache.internal:6380/1").get()
        #expect(endpoint == RedisEndpoint(host: "cache.internal", port: 6380, password: "pw", database: 1, tls: true))
        #expect(endpoint.description == "rediss://cache.internal:6380/1")
        #expect(try RedisEndpoint.parse("redis://cache").get().tls == false)
        // A rediss:// endpoint is TLS against the system's CAs unless a `tls` section says more.
        #expect(ClusterConfiguration(redis: endpoint, node: "a").tls == RedisTLSConfiguration())
        #expect(ClusterConfiguration(redis: RedisEndpoint(host: "h"), node: "a").tls == nil)
    }
}
