import JunctionRouter
import Logging
import NIOCore
import ServiceLifecycle

/// A running router started and stopped by hand (embedders, tests): a `JunctionRuntime` and one
/// `ListenerService` per configured transport, run in a `ServiceGroup` of their own, so it starts
/// and shuts down exactly as `junction serve` does.
public final class JunctionServer: Sendable {
    public let runtime: JunctionRuntime
    /// Where each configured transport listens, in configuration order (resolves port 0).
    public let boundAddresses: [SocketAddress]
    private let services: ServiceGroup
    private let running: Task<Void, Never>

    public var router: Router { self.runtime.router }
    public var configuration: JunctionConfiguration { self.runtime.configuration }
    /// Counters of dropped events and slow-consumer disconnects.
    public var statistics: ServerStatistics { self.runtime.statistics }

    private init(
        runtime: JunctionRuntime,
        boundAddresses: [SocketAddress],
        services: ServiceGroup,
        running: Task<Void, Never>
    ) {
        self.runtime = runtime
        self.boundAddresses = boundAddresses
        self.services = services
        self.running = running
    }

    /// Creates the realms and binds every transport; returns once all are listening, or throws the
    /// first listener's error (after releasing what was started). Uses `group` if given, else
    /// creates one with `configuration.eventLoops` threads.
    public static func start(
        configuration: JunctionConfiguration,
        group: (any EventLoopGroup)? = nil,
        shutdownTimeout: Duration = .seconds(3),
        logger: Logger
    ) async throws -> JunctionServer {
        let runtime = JunctionRuntime(
            configuration: configuration,
            group: group,
            shutdownTimeout: shutdownTimeout,
            logger: logger
        )
        let (events, sink) = AsyncStream.makeStream(of: StartEvent.self)
        let listeners = configuration.transports.enumerated().map { index, transport in
            ListenerService(transport: transport, runtime: runtime) { sink.yield(.listening(index, $0)) }
        }
        let cluster: [any Service] = runtime.cluster.map { [$0] } ?? []
        let services = ServiceGroup(services: [runtime] + cluster + listeners, logger: logger)
        let running = Task {
            do {
                try await services.run()
                sink.yield(.stopped(nil))
            } catch {
                sink.yield(.stopped(error))
            }
            sink.finish()
        }
        var addresses = [SocketAddress?](repeating: nil, count: listeners.count)
        var listening = 0
        var iterator = events.makeAsyncIterator()
        while listening < listeners.count {
            switch await iterator.next() {
            case .listening(let index, let address):
                addresses[index] = address
                listening += 1
            case .stopped(let error):
                throw error ?? CancellationError()
            case nil:
                throw CancellationError()
            }
        }
        return JunctionServer(
            runtime: runtime,
            boundAddresses: addresses.compactMap { $0 },
            services: services,
            running: running
        )
    }

    /// Stops listening, says GOODBYE `wamp.close.system_shutdown` to every session, waits for them
    /// to close (at most the runtime's `shutdownTimeout`), closes the rest and stops the event loops
    /// the server created.
    public func shutdown() async {
        await self.services.triggerGracefulShutdown()
        await self.running.value
    }

    private enum StartEvent: Sendable {
        case listening(Int, SocketAddress?)
        case stopped((any Error)?)
    }
}
