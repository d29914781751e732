import JunctionRedis
import JunctionRouter
import CoreMetrics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RESPCore
import ServiceLifecycle
import Synchronization

/// Joins this router's realms to a cluster of Junction nodes that meet at one Redis.
///
/// A `Service` in the router's `ServiceGroup`. While running it keeps two Redis connections (one
/// for commands and the ordered publication path, one for pub/sub), heartbeats, watches the other
/// nodes' heartbeats (`ClusterMembership`), forwards its sessions' publications that another node
/// wants (`InterestIndex`) and delivers the other nodes' publications in per-source order
/// (`SourceSequence`), repairing gaps from the sources' streams. When Redis is unreachable local
/// routing goes on; the service reconnects with backoff and resynchronizes (`isReady` says which).
public final class ClusterService: Service, Sendable {
    public let configuration: ClusterConfiguration
    /// This process's incarnation of the node, random at start (53 bits, like WAMP ids).
    public let epoch: UInt64
    let router: Router
    let group: any EventLoopGroup
    let logger: Logger
    let keys: ClusterKeys
    /// Opens every Redis connection of the service: to the configured server, or (Sentinel) to
    /// wherever the master is at that moment.
    let redisConnector: RedisConnector
    let state: NIOLockedValueBox<ClusterState>
    /// Set by `crash()`: the next heartbeat round ends the service without saying goodbye.
    private let crashed = NIOLockedValueBox(false)
    /// When the command connection last answered anything (monotonic ms).
    let lastProgress = Atomic<Int64>(0)
    let metrics: ClusterMetrics?
    /// The counters as last recorded into `metrics`.
    private let recorded = NIOLockedValueBox(ClusterCounters())

    /// The Redis connections run on a loop of their own, so a busy realm loop never delays the
    /// replies and probes the timeouts judge Redis by (nor Redis I/O the routing).
    /// `metricsFactory`: where the `junction_cluster_*` series go (the router's registry).
    public init(
        configuration: ClusterConfiguration, router: Router, metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger
    ) {
        self.metrics = metricsFactory.map { ClusterMetrics(factory: $0) }
        self.configuration = configuration
        self.epoch = UInt64.random(in: 1...(1 << 53))
        self.router = router
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var logger = logger
        logger[metadataKey: "node"] = .string(configuration.node)
        self.logger = logger
        self.keys = ClusterKeys(prefix: configuration.keyPrefix)
        self.redisConnector = configuration.redisConnector(eventLoopGroup: self.group)
        self.state = NIOLockedValueBox(
            ClusterState(
                membership: ClusterMembership(
                    selfNode: configuration.node, evictAfterMilliseconds: configuration.evictAfterMilliseconds)))
    }

    /// Whether the node is connected to Redis and its pub/sub self-probe came back: what `/ready`
    /// reports. Local routing works either way.
    public var isReady: Bool { self.state.withLockedValue { $0.ready } }

    public var counters: ClusterCounters { self.state.withLockedValue { $0.counters } }

    /// The nodes this node knows, itself first.
    public func status() -> [ClusterNodeStatus] {
        let now = Self.now()
        return self.state.withLockedValue { state in
            [ClusterNodeStatus(node: self.configuration.node, epoch: self.epoch, sessions: state.localSessions,
                lastHeartbeatAgoMilliseconds: 0)]
                + state.membership.members.values.sorted { $0.node < $1.node }.map {
                    ClusterNodeStatus(node: $0.node, epoch: $0.epoch, sessions: $0.sessions,
                        lastHeartbeatAgoMilliseconds: now - $0.lastSeen)
                }
        }
    }

    /// Whether some other node has a subscriber for `topic` in `realm`, as this node knows it.
    public func remoteInterest(realm: String, topic: String) -> Bool {
        self.state.withLockedValue { $0.interest.wants(realm: realm, topic: topic) }
    }

    /// Ends the service as if the process died: no goodbye, connections dropped. For tests of
    /// failure detection in one process.
    public func crash() {
        self.crashed.withLockedValue { $0 = true }
        let connections = self.state.withLockedValue { state in
            state.ready = false
            defer {
                state.commands = nil
                state.subscriber = nil
            }
            return [state.commands, state.subscriber]
        }
        for case let connection? in connections { Task { await connection.close() } }
    }

    public func run() async throws {
        let link = ClusterLink(service: self)
        let streams = ClusterStreamLink(service: self)
        let rpcLink = ClusterRPCLink(service: self)
        await self.forEachRealm { realm in
            realm.attachCluster(link)
            realm.attachStreamLink(streams)
            realm.attachClusterRPC(rpcLink)
        }
        await self.startMeta(link: link, streams: streams, rpc: rpcLink)
        // Graceful shutdown cancels the loop (and whatever Redis call it waits on).
        _ = try? await cancelWhenGracefulShutdown {
            var backoff = ReconnectBackoff()
            while !Task.isCancelled, !self.crashed.withLockedValue({ $0 }) {
                do {
                    try await self.connectedSession(onConnected: { backoff.reset() })
                } catch is CancellationError {
                    break
                } catch {
                    if self.crashed.withLockedValue({ $0 }) || Task.isCancelled { break }
                    self.logger.warning(
                        "cluster: Redis connection lost, local routing continues",
                        metadata: ["redis": "\(self.redisConnector)", "error": "\(error)"])
                }
                self.commandConnectionLost()
                self.resetRemoteCalls(with: nil, reason: "this node lost its Redis connection; the answer may be lost")
                self.recordMetrics()
                try? await Task.sleep(for: backoff.nextDelay())
            }
        }
        await self.forEachRealm { realm in
            realm.attachCluster(nil)
            realm.attachStreamLink(nil)
            realm.attachClusterRPC(nil)
        }
        self.giveUp(self.state.withLockedValue { $0.inFlight.giveUpAll() }, reason: "the cluster service stopped")
        await self.stopMeta()
        if !self.crashed.withLockedValue({ $0 }) { await self.leave() }
        try? await self.group.shutdownGracefully()
    }

    /// One connected period of the command connection: connect, load the publish script, then run
    /// the heartbeat, interest and subscriber loops until the command connection fails (or the
    /// task is cancelled). The subscriber connection reconnects on its own, so losing it never
    /// interrupts the ordered publication path.
    private func connectedSession(onConnected: () -> Void) async throws {
        let commands = try await self.connectRedis()
        defer { Task { await commands.close() } }
        self.madeProgress()
        let sha = try await self.send(commands, RESPCommand("SCRIPT", "LOAD", ClusterKeys.publishScript)).string ?? ""
        try await self.connectStreams(commands)
        try await self.claimSessionSlot(commands)
        let (resent, givenUp) = self.state.withLockedValue { state in
            // What the last connection left unanswered goes first, before anything newer.
            let resend = self.resendInFlight(on: commands, state: &state)
            state.commands = commands
            state.scriptSHA = sha
            state.lastProbe = Self.now()
            state.counters.connects += 1
            return resend
        }
        self.giveUp(givenUp, reason: "sent on two connections without an answer")
        if resent > 0 {
            self.logger.info("cluster: resent the publications in flight", metadata: ["count": "\(resent)"])
        }
        onConnected()
        self.logger.info("cluster: connected to Redis", metadata: ["redis": "\(self.redisConnector)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.heartbeatLoop(commands) }
            group.addTask { try await self.interestLoop(commands) }
            group.addTask { try await self.subscriberLoop(commands) }
            if let master = self.redisConnector.lastMaster {
                group.addTask { try await self.followMasterSwitch(from: master) }
            }
            group.addTask { try await self.registryLoop(commands) }
            group.addTask { try await self.metaLoop(commands) }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Keeps a subscriber connection on the heartbeat, interest, probe and event channels,
    /// reconnecting it with backoff when it closes (`CLIENT KILL TYPE pubsub`, a wedge the probe
    /// caught). What it missed meanwhile shows up as gaps, repaired from the sources' streams.
    private func subscriberLoop(_ commands: RedisConnection) async throws {
        var backoff = ReconnectBackoff()
        let probeChannel = self.keys.probeChannel(node: self.configuration.node, epoch: self.epoch)
        while true {
            if self.crashed.withLockedValue({ $0 }) { throw CancellationError() }
            do {
                let subscriber = try await self.connectRedis()
                defer { Task { await subscriber.close() } }
                let messages = try await subscriber.subscribe(to: [
                    self.keys.heartbeatChannel, self.keys.interestChangedChannel, probeChannel,
                    self.keys.registryChangedChannel, self.keys.rpcResetChannel, self.rpcChannel,
                    self.keys.directoryChangedChannel, self.keys.killChannel(self.configuration.node),
                ])
                let events = try await subscriber.subscribe(toPatterns: [self.keys.eventChannelPattern])
                self.state.withLockedValue { state in
                    state.subscriber = subscriber
                    state.lastProbe = Self.now()
                }
                backoff.reset()
                try await self.announceRPCReset(commands)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await message in events { self.receiveEvent(message, commands: commands) }
                        throw RedisError(.connectionClosed, "the pub/sub connection closed")
                    }
                    group.addTask {
                        for await message in messages { self.receiveControl(message, commands: commands) }
                        throw RedisError(.connectionClosed, "the pub/sub connection closed")
                    }
                    defer { group.cancelAll() }
                    try await group.next()
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                self.logger.warning(
                    "cluster: Redis pub/sub connection lost; resubscribing, gaps will be repaired",
                    metadata: ["error": "\(error)"])
            }
            self.state.withLockedValue { state in
                state.subscriber = nil
                state.ready = false
            }
            self.resetRemoteCalls(with: nil, reason: "this node's Redis pub/sub connection was reset; the answer may be lost")
            try await Task.sleep(for: backoff.nextDelay())
        }
    }

    /// Every interval: heartbeat on the ordered path, self-probe, evictions. Throws when Redis
    /// does not answer in time or the probe did not come back (a wedged connection).
    private func heartbeatLoop(_ commands: RedisConnection) async throws {
        let interval = self.configuration.heartbeatIntervalMilliseconds
        let probeChannel = self.keys.probeChannel(node: self.configuration.node, epoch: self.epoch)
        while true {
            if self.crashed.withLockedValue({ $0 }) { throw CancellationError() }
            let sessions = await self.localSessionCount()
            let now = Self.now()
            let (reply, wedged, evicted, subscriber) = self.state.withLockedValue { state in
                state.localSessions = sessions
                let heartbeat = NodeHeartbeat(
                    node: self.configuration.node, epoch: self.epoch, sessions: sessions, sequence: state.sequence)
                _ = commands.sendWithoutWaiting(
                    RESPCommand(
                        "SET", self.keys.nodeKey(self.configuration.node), heartbeat.encoded, "PX",
                        "\(self.configuration.heartbeatTTLMilliseconds)"))
                let reply = commands.sendWithoutWaiting(
                    RESPCommand("PUBLISH", self.keys.heartbeatChannel, heartbeat.encoded))
                let wedged = now - state.lastProbe > self.configuration.commandTimeoutMilliseconds + interval
                state.ready = !wedged && state.subscriber != nil
                if wedged { state.lastProbe = now }
                let evicted = state.membership.tick(now: now)
                return (reply, wedged, evicted, state.subscriber)
            }
            for action in evicted { self.apply(action) }
            self.expireStreamMerge()
            self.recordMetrics()
            if wedged, let subscriber {
                // The subscriber loop sees the stream end and reconnects.
                self.logger.warning("cluster: the pub/sub self-probe did not come back; reconnecting pub/sub")
                Task { await subscriber.close() }
            }
            _ = try await self.await(reply, on: commands)
            try await self.claimSessionSlot(commands)
            _ = try await self.send(commands, RESPCommand("PUBLISH", probeChannel, "\(now)"))
            try await Task.sleep(for: .milliseconds(interval))
        }
    }

    /// Sends `command` and waits for its reply; see `await(_:on:)` for the timeout.
    func send(_ connection: RedisConnection, _ command: RESPCommand) async throws -> RESPValue {
        try await self.await(connection.sendWithoutWaiting(command), on: connection)
    }

    /// Waits for `reply`. When it takes longer than the command timeout and no other reply came
    /// back in that time either, the connection is wedged: it is closed (everything pending on it
    /// fails), which ends the connected period and reconnects. A connection that is merely busy
    /// (thousands of publications queued before this command) keeps answering, so it is left alone:
    /// closing it would lose the publications in flight.
    func await(_ reply: EventLoopFuture<RESPValue>, on connection: RedisConnection) async throws -> RESPValue {
        let done = NIOLockedValueBox(false)
        reply.whenComplete { _ in
            done.withLockedValue { $0 = true }
            self.madeProgress()
        }
        self.watch(done, connection: connection, on: reply.eventLoop)
        return try await reply.get()
    }

    private func watch(_ done: NIOLockedValueBox<Bool>, connection: RedisConnection, on loop: any EventLoop) {
        let timeout = self.configuration.commandTimeoutMilliseconds
        loop.scheduleTask(in: .milliseconds(timeout)) {
            if done.withLockedValue({ $0 }) { return }
            if Self.now() - self.lastProgress.load(ordering: .relaxed) < timeout {
                self.watch(done, connection: connection, on: loop)
            } else {
                self.logger.warning("cluster: Redis did not answer in time; reconnecting")
                Task { await connection.close() }
            }
        }
    }

    /// Adds what the counters gained since the last call to the metrics, and sets the gauges: once
    /// per heartbeat, so the data path never touches the registry.
    func recordMetrics() {
        guard let metrics = self.metrics else { return }
        let (now, ready, nodes) = self.state.withLockedValue { ($0.counters, $0.ready, $0.membership.members.count + 1) }
        let before = self.recorded.withLockedValue { recorded in
            defer { recorded = now }
            return recorded
        }
        metrics.published.increment(by: Int64(now.published - before.published))
        metrics.received.increment(by: Int64(now.received - before.received))
        metrics.repaired.increment(by: Int64(now.repaired - before.repaired))
        metrics.lost.increment(by: Int64(now.lost - before.lost))
        metrics.dropped.increment(by: Int64(now.droppedWhileDisconnected - before.droppedWhileDisconnected))
        metrics.rejected.increment(by: Int64(now.rejectedFrames - before.rejectedFrames))
        metrics.resent.increment(by: Int64(now.resent - before.resent))
        metrics.connects.increment(by: Int64(now.connects - before.connects))
        metrics.rpcSent.increment(by: Int64(now.rpcSent - before.rpcSent))
        metrics.rpcReceived.increment(by: Int64(now.rpcReceived - before.rpcReceived))
        metrics.ready.record(ready ? 1 : 0)
        metrics.nodes.record(nodes)
    }

    /// A reply came back on the command connection.
    func madeProgress() {
        self.lastProgress.store(Self.now(), ordering: .relaxed)
    }

    /// Clean shutdown: the other nodes evict this one at once instead of after `evictAfter`. Uses
    /// a connection of its own: the service's were closed when its loop was cancelled.
    private func leave() async {
        guard let commands = try? await self.connectRedis()
        else { return }
        let heartbeat = NodeHeartbeat(
            node: self.configuration.node, epoch: self.epoch, sessions: 0, sequence: 0, leaving: true)
        _ = try? await self.send(commands, RESPCommand("PUBLISH", self.keys.heartbeatChannel, heartbeat.encoded))
        _ = try? await self.send(commands, RESPCommand("DEL", self.keys.nodeKey(self.configuration.node)))
        _ = try? await self.send(commands, RESPCommand("DEL", self.keys.interestKey(self.configuration.node)))
        await commands.close()
    }

    func forEachRealm(_ body: @escaping @Sendable (Realm) -> Void) async {
        for realm in self.router.realms.values {
            try? await realm.eventLoop.submit { body(realm) }.get()
        }
    }

    private func localSessionCount() async -> Int {
        var total = 0
        for realm in self.router.realms.values {
            total += (try? await realm.eventLoop.submit { realm.sessionCount }.get()) ?? 0
        }
        return total
    }

    /// Monotonic milliseconds.
    static func now() -> Int64 {
        Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
    }
}

extension ClusterService: CustomStringConvertible {
    public var description: String { "ClusterService(\(self.configuration.node))" }
}
