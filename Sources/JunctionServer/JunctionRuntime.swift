import JunctionCluster
import JunctionMetrics
import JunctionRouter
import JunctionTransport
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// What every listener and background worker of one router shares: the event loops, the realms,
/// the per-loop mailboxes, the statistics, the pre-session security state and the open connections.
///
/// As a `Service` it is the first in its `ServiceGroup`, so it is shut down last: once every
/// listener has stopped accepting, it says GOODBYE `wamp.close.system_shutdown` to every session,
/// waits (at most `shutdownTimeout`) for the connections to close, closes the rest and stops the
/// event loops it created.
public final class JunctionRuntime: Service, Sendable {
    public let configuration: JunctionConfiguration
    public let router: Router
    public let eventLoopGroup: any EventLoopGroup
    /// Counters of dropped events and slow-consumer disconnects.
    public let statistics: ServerStatistics
    /// The Prometheus registry `/metrics` renders; every part of the router records into it.
    public let metrics: JunctionMetrics
    /// This node's cluster membership, when the configuration has a `cluster` section; its
    /// `isReady` is what `/ready` reports about Redis.
    public let cluster: ClusterService?
    /// How long shutdown waits for sessions to answer GOODBYE before closing their connections.
    public let shutdownTimeout: Duration
    let logger: Logger
    let connections = ConnectionRegistry()
    private let mailboxes: LoopMailboxes
    private let security: SessionSecurity.Shared
    private let ownsGroup: Bool

    /// Creates the realms. Uses `group` if given (and leaves it running at shutdown), else creates
    /// one with `configuration.eventLoops` threads.
    public init(
        configuration: JunctionConfiguration,
        group: (any EventLoopGroup)? = nil,
        shutdownTimeout: Duration = .seconds(3),
        logger: Logger
    ) {
        let threads = configuration.eventLoops == 0 ? System.coreCount : configuration.eventLoops
        self.ownsGroup = group == nil
        let group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.configuration = configuration
        self.eventLoopGroup = group
        self.router = Router(realms: configuration.realms, group: group, logger: logger)
        self.statistics = ServerStatistics()
        self.metrics = JunctionMetrics()
        self.mailboxes = LoopMailboxes(group: group)
        // Every transport encoding key exists before the first message is cached.
        _ = TransportEncodings.keys
        self.security = SessionSecurity.Shared(limits: configuration.limits)
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        let (router, metrics) = (self.router, self.metrics)
        self.cluster = configuration.cluster.map {
            ClusterService(configuration: $0, router: router, metricsFactory: metrics.factory, logger: logger)
        }
    }

    /// The runtime followed by one `ListenerService` per configured transport (the cluster service, if any, in
    /// between: it stops after the listeners and before the runtime): the order a
    /// `ServiceGroup` needs, as it shuts services down last first. Further listeners (MQTT, HTTP)
    /// and background workers go after the runtime too.
    public func services() -> [any Service] {
        [self] + (self.cluster.map { [$0] } ?? [])
            + self.configuration.transports.map { ListenerService(transport: $0, runtime: self) }
    }

    /// Runs until graceful shutdown (or cancellation), then closes every session and stops the
    /// event loops if it created them.
    public func run() async throws {
        try? await gracefulShutdown()
        await self.closeSessions()
        if self.ownsGroup { try await self.eventLoopGroup.shutdownGracefully() }
    }

    /// GOODBYE `wamp.close.system_shutdown` to every session, then waits for the connections to
    /// close, at most `shutdownTimeout` (not at all if the task is cancelled), and closes the rest.
    func closeSessions() async {
        self.logger.info("shutting down")
        try? await self.router.shutdown().get()
        await self.connections.drain(timeout: self.shutdownTimeout)
    }

    /// Builds the session handler of each connection a listener accepts; the one place a
    /// `SessionChannelHandler` is constructed.
    func sessionHandlerFactory(for transport: TransportConfiguration) -> SessionHandlerFactory {
        let limits = self.configuration.limits
        let security = self.security.forListener(authMethods: transport.authMethods, limits: limits, router: self.router)
        let (statistics, mailboxes, logger) = (self.statistics, self.mailboxes, self.logger)
        return { info in
            SessionChannelHandler(
                info: info,
                limits: limits,
                security: security,
                statistics: statistics,
                mailboxes: mailboxes,
                logger: logger
            )
        }
    }
}

/// How `ServiceGroup` names the service in its logs.
extension JunctionRuntime: CustomStringConvertible {
    public var description: String { "JunctionRuntime" }
}
