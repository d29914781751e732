import JunctionRedis
import RESPCore

extension ClusterService {
    /// A new connection to the cluster's Redis master (TLS and Sentinel as configured). Every
    /// connection the service opens goes through here, so a reconnect after a failover asks the
    /// sentinels again.
    func connectRedis() async throws -> RedisConnection {
        try await self.redisConnector.connect()
    }

    /// With Sentinel: ends the connected period (by throwing) as soon as the sentinels announce a
    /// new master, so the node reconnects there at once instead of writing to the demoted master
    /// until the sentinels reconfigure it and close its clients.
    func followMasterSwitch(from master: RedisAddress) async throws {
        let next = try await self.redisConnector.waitForMasterSwitch(from: master)
        self.logger.warning(
            "cluster: Sentinel switched the Redis master; reconnecting",
            metadata: ["from": "\(master)", "to": "\(next)"])
        throw RedisError(.connectionClosed, "the Redis master moved from \(master) to \(next)")
    }
}
