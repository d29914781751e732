import JunctionCluster
import JunctionServer
import Testing

/// The `cluster` section of the configuration file.
struct ClusterSectionTests {
    private static let base = """
        realms:
          - name: realm1
        transports:
          - type: websocket
            port: 8080

        """

    @Test func readsRedisNodeAndTimings() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: Self.base + """
                cluster:
                  redis: "redis://127.0.0.1:6380/2"
                  node: node-a
                  heartbeat_interval_ms: 500
                  evict_after_ms: 4000
                  key_prefix: prod
                """)
        let cluster = try #require(configuration.cluster)
        #expect(cluster.redis == RedisEndpoint(host: "127.0.0.1", port: 6380, database: 2))
        #expect(cluster.node == "node-a")
        #expect(cluster.heartbeatIntervalMilliseconds == 500)
        #expect(cluster.evictAfterMilliseconds == 4000)
        #expect(cluster.heartbeatTTLMilliseconds == 3000)
        #expect(cluster.keyPrefix == "prod")
    }

    @Test func withoutTheSectionTheNodeRunsAlone() throws {
        #expect(try ConfigurationLoader.load(yaml: Self.base).cluster == nil)
    }

    @Test(arguments: [
        ("cluster: {node: a}", "redis"),
        ("cluster: {redis: \"redis://h\"}", "node"),
        ("cluster: {redis: \"http://h\", node: a}", "redis"),
        ("cluster: {redis: \"redis://h\", node: \"a b\"}", "node"),
        ("cluster: {redis: \"redis://h\", node: a, evict_after_ms: 1500}", "evict_after_ms"),
        ("cluster: {redis: \"redis://h\", node: a, colour: red}", "colour"),
    ])
    func refusesBadSectionsNamingTheKey(_ section: String, key: String) {
        do {
            _ = try ConfigurationLoader.load(yaml: Self.base + section)
            Issue.record("accepted \(section)")
        } catch {
            #expect("\(error)".contains(key), "\(error) does not name \(key)")
        }
    }
}
