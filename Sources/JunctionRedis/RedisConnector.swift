import NIOCore
import NIOPosix
import RESPCore
import Synchronization

/// Opens connections to a Redis master: the configured server, or — with sentinels — wherever the
/// sentinels say the master is at the moment of connecting.
///
/// With sentinels every `connect()` asks again (the sentinel that answered last first), then
/// checks with `ROLE` that the server it reached is the master, so a reconnect after a failover
/// lands on the new master and never writes to a demoted one. Sentinels close the clients of a
/// demoted master themselves (`CLIENT KILL` during reconfiguration), which is what makes the
/// callers reconnect.
public final class RedisConnector: Sendable, CustomStringConvertible {
    /// The master's settings; with sentinels its host and port are replaced by theirs.
    public let master: RedisConnectionConfiguration
    public let sentinel: RedisSentinelConfiguration?
    private let group: any EventLoopGroup
    private let rotation: Mutex<RedisSentinelRotation>
    private let reached = Mutex<RedisAddress?>(nil)

    public init(
        master: RedisConnectionConfiguration, sentinel: RedisSentinelConfiguration? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.master = master
        self.sentinel = sentinel
        self.group = eventLoopGroup
        self.rotation = Mutex(RedisSentinelRotation(sentinel?.sentinels ?? []))
    }

    public func connect() async throws -> RedisConnection {
        guard let sentinel = self.sentinel else {
            return try await RedisConnection.connect(self.master, eventLoopGroup: self.group)
        }
        let address = try await self.askForMaster(sentinel)
        var configuration = self.master
        configuration.host = address.host
        configuration.port = address.port
        let connection = try await RedisConnection.connect(configuration, eventLoopGroup: self.group)
        do {
            let role = try await connection.send(RESPCommand("ROLE"))
            guard RedisSentinelRotation.isMaster(roleReply: role) else {
                throw RedisError(.handshake, "\(address) is not the master '\(sentinel.masterName)' (yet)")
            }
            self.reached.withLock { $0 = address }
            return connection
        } catch {
            await connection.close()
            throw error
        }
    }

    /// The master's address from the first sentinel that knows it.
    public func askForMaster(_ sentinel: RedisSentinelConfiguration) async throws -> RedisAddress {
        var problems: [String] = []
        for address in self.rotation.withLock({ $0.order }) {
            let configuration = self.sentinelConfiguration(address, sentinel)
            do {
                let connection = try await RedisConnection.connect(configuration, eventLoopGroup: self.group)
                let reply: RESPValue
                do {
                    reply = try await connection.send(
                        RESPCommand("SENTINEL", "get-master-addr-by-name", sentinel.masterName))
                } catch {
                    await connection.close()
                    throw error
                }
                await connection.close()
                guard let master = RedisSentinelRotation.masterAddress(from: reply) else {
                    problems.append("\(address): does not monitor '\(sentinel.masterName)'")
                    continue
                }
                self.rotation.withLock { $0.answered(address) }
                return master
            } catch {
                problems.append("\(address): \(error)")
            }
        }
        throw RedisError(
            .connectionClosed,
            "no sentinel told where '\(sentinel.masterName)' is (\(problems.joined(separator: "; ")))")
    }

    /// The master the last successful `connect()` reached (Sentinel only).
    public var lastMaster: RedisAddress? { self.reached.withLock { $0 } }

    /// Returns once the sentinels say the master is no longer `current`: at once if they already
    /// say so, else on their `+switch-master` announcement. A demoted master keeps accepting
    /// writes until the sentinels reconfigure it (seconds later), so clients should not wait for
    /// it to close their connections. A lost sentinel connection moves on to the next sentinel
    /// after `retryDelay`; only cancellation ends the wait otherwise.
    public func waitForMasterSwitch(from current: RedisAddress, retryDelay: Duration = .seconds(1)) async throws
        -> RedisAddress
    {
        guard let sentinel = self.sentinel else { throw CancellationError() }
        while true {
            for address in self.rotation.withLock({ $0.order }) {
                try Task.checkCancellation()
                let configuration = self.sentinelConfiguration(address, sentinel)
                guard let connection = try? await RedisConnection.connect(configuration, eventLoopGroup: self.group)
                else { continue }
                defer { Task { await connection.close() } }
                guard let messages = try? await connection.subscribe(to: ["+switch-master"]) else { continue }
                // A switch before the subscription took effect is only visible in the current answer.
                if let reply = try? await RedisConnection.connect(configuration, eventLoopGroup: self.group) {
                    let now = try? await reply.send(
                        RESPCommand("SENTINEL", "get-master-addr-by-name", sentinel.masterName))
                    await reply.close()
                    if let master = now.flatMap(RedisSentinelRotation.masterAddress(from:)), master != current {
                        return master
                    }
                }
                for await message in messages {
                    let payload = String(buffer: message.payload)
                    if let master = RedisSentinelRotation.switchedMaster(payload, masterName: sentinel.masterName),
                        master != current
                    {
                        return master
                    }
                }
                try Task.checkCancellation()
            }
            try await Task.sleep(for: retryDelay)
        }
    }

    private func sentinelConfiguration(
        _ address: RedisAddress, _ sentinel: RedisSentinelConfiguration
    ) -> RedisConnectionConfiguration {
        RedisConnectionConfiguration(
            host: address.host, port: address.port,
            handshake: RedisHandshakeConfiguration(username: sentinel.username, password: sentinel.password),
            limits: self.master.limits, connectTimeout: self.master.connectTimeout, tls: self.master.tls)
    }

    public var description: String {
        let scheme = self.master.tls == nil ? "redis" : "rediss"
        if let sentinel = self.sentinel {
            let list = sentinel.sentinels.map(\.description).joined(separator: ",")
            return "\(scheme)+sentinel://\(list)/\(sentinel.masterName)"
        }
        return "\(scheme)://\(self.master.host):\(self.master.port)"
    }
}
