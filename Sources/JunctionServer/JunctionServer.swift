import JunctionComponents
import JunctionRouter
import Logging
import NIOCore
import ServiceLifecycle

/// A running router started and stopped by hand (embedders, tests): a `JunctionRuntime` and one
/// `ListenerService` per configured transport, run in a `ServiceGroup` of their own, so it starts
/// and shuts down exactly as `junction serve` does.
public final class JunctionServer: Sendable {
    public let runtime: JunctionRuntime
    /// Where each configured transport listened at start, in configuration order (resolves port
    /// 0); `runtime.listeners.listening` tells where the listeners are after a reload.
    public let boundAddresses: [SocketAddress]
    private let services: ServiceGroup
    private let hosting: [any Service]
    private let running: Task<Void, Never>

    public var router: Router { self.runtime.router }
    public var configuration: JunctionConfiguration { self.runtime.configuration }
    /// Counters of dropped events and slow-consumer disconnects.
    public var statistics: ServerStatistics { self.runtime.statistics }
    /// The hosted components' supervisor (`nil` without components).
    public var components: ComponentSupervisor? {
        self.hosting.compactMap { $0 as? ComponentsService }.first?.supervisor
    }

    private init(
        runtime: JunctionRuntime,
        boundAddresses: [SocketAddress],
        services: ServiceGroup,
        hosting: [any Service],
        running: Task<Void, Never>
    ) {
        self.runtime = runtime
        self.boundAddresses = boundAddresses
        self.services = services
        self.hosting = hosting
        self.running = running
    }

    /// Creates the realms and binds every transport; returns once all are listening, or throws the
    /// first listener's error (after releasing what was started). Uses `group` if given, else
    /// creates one with `configuration.eventLoops` threads. `components` are in-process components
    /// joined after the listeners (with `configuration.components`, the hosted ones).
    public static func start(
        configuration: JunctionConfiguration,
        configurationFile: String? = nil,
        group: (any EventLoopGroup)? = nil,
        shutdownTimeout: Duration = .seconds(3),
        components: [any Component] = [],
        logger: Logger
    ) async throws -> JunctionServer {
        let runtime = try await JunctionRuntime.open(
            configuration: configuration,
            configurationFile: configurationFile,
            group: group,
            shutdownTimeout: shutdownTimeout,
            logger: logger
        )
        let (events, sink) = AsyncStream.makeStream(of: StartEvent.self)
        runtime.listeners.whenStarted { sink.yield(.listening($0)) }
        let hosting = runtime.componentServices(inProcess: components)
        let services = ServiceGroup(services: runtime.coreServices() + hosting, logger: logger)
        let running = Task {
            do {
                try await services.run()
                sink.yield(.stopped(nil))
            } catch {
                sink.yield(.stopped(error))
            }
            sink.finish()
        }
        var iterator = events.makeAsyncIterator()
        switch await iterator.next() {
        case .listening(.success(let addresses)):
            return JunctionServer(
                runtime: runtime,
                boundAddresses: addresses.compactMap { $0 },
                services: services,
                hosting: hosting,
                running: running
            )
        case .listening(.failure(let error)), .stopped(let error?):
            await running.value
            throw error
        case .stopped(nil), nil:
            throw CancellationError()
        }
    }

    /// Re-reads the configuration file the server was started with (or `path`) and applies it,
    /// as SIGHUP does; see `JunctionRuntime.reload(fromFile:)`.
    @discardableResult
    public func reload(fromFile path: String? = nil) async throws(ConfigurationFileError) -> ReloadReport {
        try await self.runtime.reload(fromFile: path)
    }

    /// Stops listening, says GOODBYE `wamp.close.system_shutdown` to every session, waits for them
    /// to close (at most the runtime's `shutdownTimeout`), closes the rest and stops the event loops
    /// the server created.
    public func shutdown() async {
        await self.services.triggerGracefulShutdown()
        await self.running.value
    }

    private enum StartEvent: Sendable {
        case listening(Result<[SocketAddress?], any Error>)
        case stopped((any Error)?)
    }
}
