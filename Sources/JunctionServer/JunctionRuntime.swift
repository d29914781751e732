import JunctionComponents
import JunctionCluster
import JunctionMetrics
import JunctionMQTT
import JunctionRouter
import JunctionStorage
import JunctionTransport
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// What every listener and background worker of one router shares: the event loops, the realms,
/// the per-loop mailboxes, the statistics, the pre-session security state and the open connections.
///
/// As a `Service` it is the first in its `ServiceGroup`, so it is shut down last: once every
/// listener has stopped accepting, it says GOODBYE `wamp.close.system_shutdown` to every session,
/// waits (at most `shutdownTimeout`) for the connections to close, closes the rest and stops the
/// event loops it created.
///
/// Its configuration can be replaced while it runs (`reload(to:)`, `reload(fromFile:)`; SIGHUP
/// through `ReloadSignalService`): realms and listeners follow, and the handlers registered with
/// `onReload` apply the rest.
public final class JunctionRuntime: Service, Sendable {
    /// The configuration in force: the one it started with, then each one a reload applied.
    public var configuration: JunctionConfiguration { self.current.withLock { $0 } }
    /// The file a reload reads (`nil`: started from a configuration value, e.g. the built-in default).
    public let configurationFile: String?
    /// Applied to every configuration read from `configurationFile` on reload, as to the first
    /// one: the command line's overrides (`--event-loops`, `--log-level`).
    let overrides: @Sendable (inout JunctionConfiguration) -> Void
    public let router: Router
    public let eventLoopGroup: any EventLoopGroup
    /// Counters of dropped events and slow-consumer disconnects.
    public let statistics: ServerStatistics
    /// The Prometheus registry `/metrics` renders; every part of the router records into it.
    public let metrics: JunctionMetrics
    /// The configured transports' listeners, which a reload binds and closes.
    public let listeners: ListenerSupervisor
    /// Whether every listener is bound (the `ready` probe).
    public let readiness: ListenerReadiness
    /// This node's cluster membership, when the configuration has a `cluster` section; its
    /// `isReady` is what `/ready` reports about Redis.
    public let cluster: ClusterService?
    /// How long shutdown waits for sessions to answer GOODBYE before closing their connections.
    public let shutdownTimeout: Duration
    /// The realms' durable stores and the key/value namespaces (MQTT sessions); nil when the
    /// runtime was created without storage (memory only, no key/value store).
    public let storage: RouterStorage?
    let logger: Logger
    let connections = ConnectionRegistry()
    let authentications: AuthenticationMetrics
    private let current: Mutex<JunctionConfiguration>
    private let reloadHandlers = Mutex<[ReloadHandler]>([])
    /// The last reload started, which the next one waits for.
    let reloadQueue = Mutex<Task<ReloadReport, Never>?>(nil)
    let mailboxes: LoopMailboxes
    let security: SessionSecurity.Shared
    /// Client ids and shared-subscription groups of every MQTT listener, and the persistent
    /// sessions kept on durable storage.
    let mqttBroker: MQTTBroker
    private let ownsGroup: Bool

    /// Applies the part of a reloaded configuration that belongs to another subsystem (HTTP
    /// services, hosted components, ...); called with the configuration before and after.
    public typealias ReloadHandler =
        @Sendable (_ old: JunctionConfiguration, _ new: JunctionConfiguration) async -> Void

    /// Opens the configured storage (`configuration.storage`), then creates the runtime on it.
    ///
    /// - Throws: `StorageError` naming the file when a SQLite store cannot be used.
    public static func open(
        configuration: JunctionConfiguration,
        configurationFile: String? = nil,
        overrides: @escaping @Sendable (inout JunctionConfiguration) -> Void = { _ in },
        group: (any EventLoopGroup)? = nil,
        shutdownTimeout: Duration = .seconds(3),
        logger: Logger
    ) async throws -> JunctionRuntime {
        let storage = try await RouterStorage.open(
            configuration.storage, realms: configuration.realms.map(\.name), logger: logger)
        return JunctionRuntime(
            configuration: configuration, configurationFile: configurationFile, overrides: overrides, group: group,
            shutdownTimeout: shutdownTimeout, logger: logger, storage: storage)
    }

    /// Creates the realms (on `storage`'s realm stores, if any). Uses `group` if given (and leaves
    /// it running at shutdown), else creates one with `configuration.eventLoops` threads.
    /// `configurationFile`: where `configuration` was read from, for reloads; `overrides`: what
    /// the command line changed in it, applied to each reloaded file too.
    public init(
        configuration: JunctionConfiguration,
        configurationFile: String? = nil,
        overrides: @escaping @Sendable (inout JunctionConfiguration) -> Void = { _ in },
        group: (any EventLoopGroup)? = nil,
        shutdownTimeout: Duration = .seconds(3),
        logger: Logger,
        storage: RouterStorage? = nil
    ) {
        let threads = configuration.eventLoops == 0 ? System.coreCount : configuration.eventLoops
        self.ownsGroup = group == nil
        let group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.current = Mutex(configuration)
        self.configurationFile = configurationFile
        self.overrides = overrides
        self.eventLoopGroup = group
        self.storage = storage
        self.mqttBroker = MQTTBroker(persistence: MQTTSessionPersistence.open(on: storage, logger: logger))
        self.router = Router(
            realms: configuration.realms, group: group, logger: logger, stores: storage?.realmStores ?? [:])
        self.statistics = ServerStatistics()
        let metrics = JunctionMetrics()
        self.metrics = metrics
        self.authentications = AuthenticationMetrics(metrics: metrics)
        self.listeners = ListenerSupervisor()
        self.readiness = ListenerReadiness()
        self.mailboxes = LoopMailboxes(group: group)
        // Every transport encoding key exists before the first message is cached.
        _ = TransportEncodings.keys
        self.security = SessionSecurity.Shared(limits: configuration.limits)
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        let router = self.router
        self.cluster = configuration.cluster.map {
            ClusterService(configuration: $0, router: router, metricsFactory: metrics.factory, logger: logger)
        }
        self.listeners.attach(self)
        let routerMetrics = RouterMetrics(metrics: metrics, router: self.router, statistics: self.statistics)
        metrics.addCollector { await routerMetrics.collect() }
    }

    /// The runtime, its listeners, if `reloadOnSIGHUP` (by default: when started from a
    /// configuration file) the SIGHUP reloader, and the hosted components (with the in-process
    /// `components`): the order a `ServiceGroup` needs, as it shuts services down last first, so
    /// the components stop first. Further listeners and background workers go after the runtime.
    public func services(reloadOnSIGHUP: Bool? = nil, components: [any Component] = []) -> [any Service] {
        self.coreServices(reloadOnSIGHUP: reloadOnSIGHUP) + self.componentServices(inProcess: components)
    }

    /// `services` without the components, for a caller that keeps hold of those.
    func coreServices(reloadOnSIGHUP: Bool? = nil) -> [any Service] {
        // The cluster service stops after the listeners and before the runtime.
        var services: [any Service] = [self] + (self.cluster.map { [$0] } ?? []) + [self.listeners]
        if reloadOnSIGHUP ?? (self.configurationFile != nil) { services.append(ReloadSignalService(runtime: self)) }
        return services + self.configuration.forwarders.map { EventForwarder(configuration: $0, runtime: self) }
    }

    /// Runs until graceful shutdown (or cancellation), publishing the loops' metrics every
    /// second meanwhile; then closes every session and stops the event loops if it created them.
    public func run() async throws {
        let metrics = self.metrics
        let collecting = Task {
            while !Task.isCancelled {
                await metrics.collect()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        try? await gracefulShutdown()
        collecting.cancel()
        await self.closeSessions()
        // After the sessions: nothing is published any more, so every write is in the last batch.
        await self.storage?.close()
        if self.ownsGroup { try await self.eventLoopGroup.shutdownGracefully() }
    }

    /// GOODBYE `wamp.close.system_shutdown` to every session, then waits for the connections to
    /// close, at most `shutdownTimeout` (not at all if the task is cancelled), and closes the rest.
    func closeSessions() async {
        self.logger.info("shutting down")
        try? await self.router.shutdown().get()
        await self.connections.drain(timeout: self.shutdownTimeout)
    }

    /// Registers what a subsystem does when the configuration is reloaded; handlers run in
    /// registration order, after the realms and listeners were changed.
    public func onReload(_ handler: @escaping ReloadHandler) {
        self.reloadHandlers.withLock { $0.append(handler) }
    }

    /// Builds the session handler of each connection a listener accepts; the one place a
    /// `SessionChannelHandler` is constructed.
    func sessionHandlerFactory(for transport: TransportConfiguration) -> SessionHandlerFactory {
        let limits = self.configuration.limits
        let security = self.security.forListener(authMethods: transport.authMethods, limits: limits, router: self.router)
        let (statistics, mailboxes, logger) = (self.statistics, self.mailboxes, self.logger)
        let (counters, authentications) = (self.router.counters, self.authentications)
        return { info in
            SessionChannelHandler(
                info: info,
                limits: limits,
                security: security,
                statistics: statistics,
                mailboxes: mailboxes,
                counters: counters,
                authentications: authentications,
                logger: logger
            )
        }
    }

    /// Replaces the configuration in force (see `JunctionRuntime+Reload`).
    func replaceConfiguration(_ configuration: JunctionConfiguration) {
        self.current.withLock { $0 = configuration }
    }

    var reloadHandlersInOrder: [ReloadHandler] { self.reloadHandlers.withLock { $0 } }
}

/// How `ServiceGroup` names the service in its logs.
extension JunctionRuntime: CustomStringConvertible {
    public var description: String { "JunctionRuntime" }
}
