import JunctionRedis
import NIOCore
import RESPCore
import RedisTestSupport
import Testing

/// `RedisConnector` with a real `redis-server --sentinel` watching a master and a replica.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct RedisSentinelTests {
    @Test func theConnectorFollowsTheMasterThroughAFailover() async throws {
        let sentinel = try await RedisTestSentinel.start()
        defer { sentinel.stop() }
        let connector = RedisConnector(
            master: RedisConnectionConfiguration(),
            sentinel: RedisSentinelConfiguration(
                // A dead sentinel first: it is skipped, and the live one is asked first from then on.
                sentinels: [
                    RedisAddress(host: "127.0.0.1", port: try await RedisTestServer.freePort()),
                    RedisAddress(host: "127.0.0.1", port: sentinel.port),
                ],
                masterName: RedisTestSentinel.masterName))
        let before = try await connector.connect()
        #expect(connector.lastMaster == RedisAddress(host: "127.0.0.1", port: sentinel.master.port))
        #expect(try await before.send("SET", "where", "old master") == .simpleString("OK"))
        // Replication is asynchronous: wait until the replica has the write, or a failover now loses it.
        #expect(try await before.send("WAIT", "1", "5000") == .integer(1))
        await before.close()

        // The announcement of the switch is what a client follows (the demoted master keeps
        // accepting writes until the sentinel reconfigures it, seconds later).
        let switched = Task {
            try await connector.waitForMasterSwitch(from: RedisAddress(host: "127.0.0.1", port: sentinel.master.port))
        }
        try await sentinel.failover()
        #expect(try await switched.value == RedisAddress(host: "127.0.0.1", port: sentinel.replica.port))

        let after = try await Self.connectWhenPromoted(connector)
        #expect(connector.lastMaster == RedisAddress(host: "127.0.0.1", port: sentinel.replica.port))
        #expect(try await after.send("GET", "where").string == "old master")
        #expect(try await after.send("SET", "where", "new master") == .simpleString("OK"))
        await after.close()
        // Asked after the switch, the wait returns at once.
        let already = try await connector.waitForMasterSwitch(
            from: RedisAddress(host: "127.0.0.1", port: sentinel.master.port))
        #expect(already.port == sentinel.replica.port)
    }

    @Test func anUnknownMasterNameIsReportedWithEverySentinelsAnswer() async throws {
        let sentinel = try await RedisTestSentinel.start()
        defer { sentinel.stop() }
        let connector = RedisConnector(
            master: RedisConnectionConfiguration(),
            sentinel: RedisSentinelConfiguration(
                sentinels: [RedisAddress(host: "127.0.0.1", port: sentinel.port)], masterName: "nosuchmaster"))
        let error = await #expect(throws: RedisError.self) { _ = try await connector.connect() }
        #expect(error?.message.contains("does not monitor 'nosuchmaster'") == true, "\(String(describing: error))")
    }

    /// Right after the switch the promoted replica may still be finishing its role change; the
    /// connector refuses a server whose ROLE is not master, so a caller retries (as the cluster's
    /// reconnect loop does with backoff).
    static func connectWhenPromoted(_ connector: RedisConnector) async throws -> RedisConnection {
        var lastError: (any Error)?
        for _ in 0..<100 {
            do {
                return try await connector.connect()
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        throw lastError!
    }
}
