import Foundation
import JunctionCluster
import JunctionRedis
import JunctionServer
import NIOPosix
import RedisTestSupport
import Testing

/// The `cluster` section's keys for reaching Redis: `rediss://` with `tls`, and Sentinel.
struct ClusterRedisConnectionSectionTests {
    private static let base = """
        realms:
          - name: realm1
        transports:
          - type: websocket
            port: 8080

        """
    let certificates = RedisTestCertificates.shared

    @Test func readsTLSFilesAndChecks() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: Self.base + """
                cluster:
                  redis: "rediss://:secret@redis.internal:6380"
                  node: node-a
                  tls:
                    ca_certificates: \(self.certificates.caPath)
                    certificate: \(self.certificates.clientCertificatePath)
                    key: \(self.certificates.clientKeyPath)
                    server_name: redis.example.com
                    verify: no_hostname
                """)
        let cluster = try #require(configuration.cluster)
        #expect(cluster.redis == RedisEndpoint(host: "redis.internal", port: 6380, password: "secret", tls: true))
        #expect(
            cluster.tls
                == RedisTLSConfiguration(
                    caCertificatesPath: self.certificates.caPath, certificatePath: self.certificates.clientCertificatePath,
                    keyPath: self.certificates.clientKeyPath, serverName: "redis.example.com", verification: .noHostname))
        #expect(cluster.sentinel == nil)
    }

    @Test func readsSentinelsWithTheMastersCredentials() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: Self.base + """
                cluster:
                  sentinels: ["10.0.0.1:26379", "10.0.0.2", "[::1]:26380"]
                  master: mymaster
                  password: master-secret
                  database: 3
                  sentinel_password: sentinel-secret
                  node: node-a
                  tls: {ca_certificates: \(self.certificates.caPath)}
                """)
        let cluster = try #require(configuration.cluster)
        #expect(
            cluster.sentinel
                == RedisSentinelConfiguration(
                    sentinels: [
                        RedisAddress(host: "10.0.0.1", port: 26379), RedisAddress(host: "10.0.0.2", port: 26379),
                        RedisAddress(host: "::1", port: 26380),
                    ],
                    masterName: "mymaster", password: "sentinel-secret"))
        #expect(cluster.redis.password == "master-secret")
        #expect(cluster.redis.database == 3)
        #expect(cluster.tls?.caCertificatesPath == self.certificates.caPath)
        #expect(
            cluster.redisConnector(eventLoopGroup: MultiThreadedEventLoopGroup.singleton).description
                == "rediss+sentinel://10.0.0.1:26379,10.0.0.2:26379,[::1]:26380/mymaster")
    }

    @Test(arguments: [
        ("redis: \"redis://h\"\n  tls: {verify: full}", "tls"),
        ("redis: \"rediss://h\"\n  tls: {verify: sometimes}", "verify"),
        ("redis: \"rediss://h\"\n  tls: {ca_certificates: /nonexistent/ca.pem}", "ca_certificates"),
        ("redis: \"rediss://h\"\n  tls: {certificate: CERT}", "key"),
        ("redis: \"rediss://h\"\n  tls: {certificate: KEY, key: KEY}", "certificate"),
        ("redis: \"rediss://h\"\n  tls: {colour: red}", "colour"),
        ("redis: \"redis://h\"\n  sentinels: [\"h:26379\"]\n  master: m", "redis"),
        ("sentinels: [\"h:26379\"]", "master"),
        ("sentinels: []\n  master: m", "sentinels"),
        ("sentinels: [\"h:0\"]\n  master: m", "sentinels"),
        ("sentinels: \"h:26379\"\n  master: m", "sentinels"),
        ("redis: \"redis://h\"\n  password: pw", "password"),
        ("redis: \"redis://h\"\n  master: m", "master"),
        ("sentinels: [\"h\"]\n  master: m\n  database: 16", "database"),
    ])
    func refusesBadConnectionKeysNamingTheKey(_ keys: String, key: String) {
        let text = keys.replacingOccurrences(of: "CERT", with: self.certificates.clientCertificatePath)
            .replacingOccurrences(of: "KEY", with: self.certificates.clientKeyPath)
        let section = "cluster:\n  node: a\n  " + text + "\n"
        do {
            _ = try ConfigurationLoader.load(yaml: Self.base + section)
            Issue.record("accepted \(section)")
        } catch {
            #expect("\(error)".contains(key), "\(error) does not name \(key)")
        }
    }
}
