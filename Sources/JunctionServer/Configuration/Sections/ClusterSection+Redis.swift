import JunctionCluster
import JunctionRedis

/// How the node reaches Redis: `redis: URL` (`rediss://` for TLS), or `sentinels` + `master` with
/// the master's `username`/`password`/`database` beside them; `tls` names CA, client certificate
/// and checks, its keys shaped like a listener's `tls`.
extension ClusterSection {
    static let redisConnectionKeys: Set<String> = [
        "tls", "sentinels", "master", "username", "password", "database", "sentinel_username", "sentinel_password",
    ]

    static func redisConnection(_ reader: NodeReader, node: String) throws(ConfigurationError) -> ClusterConfiguration {
        var cluster: ClusterConfiguration
        if let sentinels = try reader.optionalFreeStringList("sentinels") {
            if try reader.optionalString("redis") != nil {
                throw reader.error("redis", "give either 'redis' or 'sentinels' (with 'master'), not both")
            }
            guard !sentinels.isEmpty else { throw reader.error("sentinels", "must not be empty") }
            var addresses: [RedisAddress] = []
            for text in sentinels {
                guard let address = RedisAddress.parse(text, defaultPort: 26379) else {
                    throw reader.error("sentinels", "'\(text)' is not host:port (port 1-65535)")
                }
                addresses.append(address)
            }
            let master = try reader.string("master")
            let endpoint = RedisEndpoint(
                host: master, port: 6379, username: try reader.optionalString("username"),
                password: try reader.optionalString("password"),
                database: try reader.optionalInt("database", range: 0...15) ?? 0)
            cluster = ClusterConfiguration(redis: endpoint, node: node)
            cluster.sentinel = RedisSentinelConfiguration(
                sentinels: addresses, masterName: master, username: try reader.optionalString("sentinel_username"),
                password: try reader.optionalString("sentinel_password"))
            if var tlsNode = try reader.optionalChild("tls") {
                cluster.tls = try Self.tls(&tlsNode)
            }
            return cluster
        }
        for key in ["master", "username", "password", "database", "sentinel_username", "sentinel_password"]
        where try reader.optionalString(key) != nil {
            throw reader.error(
                key, "only with 'sentinels' (with 'redis', put the credentials and database in its URL)")
        }
        switch RedisEndpoint.parse(try reader.string("redis")) {
        case .success(let endpoint): cluster = ClusterConfiguration(redis: endpoint, node: node)
        case .failure(let problem): throw reader.error("redis", problem.description)
        }
        if var tlsNode = try reader.optionalChild("tls") {
            guard cluster.redis.tls else {
                throw reader.error("tls", "TLS needs a rediss:// URL in 'redis' (redis:// is plain TCP)")
            }
            cluster.tls = try Self.tls(&tlsNode)
        }
        return cluster
    }

    /// `tls: {ca_certificates, certificate, key, server_name, verify}`, files checked now so a bad
    /// path is reported with its line rather than at the first connect.
    private static func tls(_ node: inout NodeReader) throws(ConfigurationError) -> RedisTLSConfiguration {
        try node.allowKeys(["ca_certificates", "certificate", "key", "server_name", "verify"])
        let verifications = Set(RedisTLSConfiguration.Verification.allCases.map(\.rawValue))
        var tls = RedisTLSConfiguration(
            caCertificatesPath: try node.optionalString("ca_certificates"),
            certificatePath: try node.optionalString("certificate"),
            keyPath: try node.optionalString("key"),
            serverName: try node.optionalString("server_name"),
            verification: .full)
        tls.verification = RedisTLSConfiguration.Verification(
            rawValue: try node.optionalString("verify", oneOf: verifications) ?? "full")!
        if (tls.certificatePath == nil) != (tls.keyPath == nil) {
            throw node.error(tls.certificatePath == nil ? "certificate" : "key", "'certificate' and 'key' go together")
        }
        if let path = tls.caCertificatesPath, let problem = TLSContextFactory.certificateProblem(at: path) {
            throw node.error("ca_certificates", problem)
        }
        if let path = tls.certificatePath, let problem = TLSContextFactory.certificateProblem(at: path) {
            throw node.error("certificate", problem)
        }
        if let path = tls.keyPath, let problem = TLSContextFactory.privateKeyProblem(at: path) {
            throw node.error("key", problem)
        }
        return tls
    }
}
