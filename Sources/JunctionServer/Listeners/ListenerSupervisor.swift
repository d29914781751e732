import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The runtime's configured listeners as one `Service`, so a reload can change the set: it binds
/// every transport when run, and `apply(_:)` closes the listeners whose entries were removed
/// (or changed) and binds the new ones; a listener whose entry did not change keeps running
/// untouched, with its connections. At graceful shutdown it stops accepting on all of them.
///
/// Each listener is a `ListenerService` run in a task of its own, stopped by cancelling it.
public final class ListenerSupervisor: Service, Sendable {
    private let state = Mutex(State())

    private struct State {
        /// Weak: the runtime owns the supervisor.
        weak var runtime: JunctionRuntime?
        var running: [Running] = []
        var stopped = false
        /// The outcome of the first bind, for whoever waits on it (`JunctionServer.start`).
        var started: Result<[SocketAddress?], any Error>?
        var startWaiters: [@Sendable (Result<[SocketAddress?], any Error>) -> Void] = []
    }

    private struct Running: Sendable {
        var transport: TransportConfiguration
        var listener: ListenerService
        var address: SocketAddress?
        var stop: AsyncStream<Void>.Continuation
        var task: Task<Void, Never>
    }

    /// A listener bound, closed or failed by `apply(_:)`.
    public struct Changes: Sendable {
        public var bound: [(TransportConfiguration, SocketAddress?)] = []
        public var closed: [TransportConfiguration] = []
        public var failed: [(TransportConfiguration, String)] = []
        /// HTTP listeners kept open whose path map was replaced.
        public var repathed = 0
    }

    init() {}

    /// Called once by the runtime at the end of its `init`.
    func attach(_ runtime: JunctionRuntime) {
        self.state.withLock { $0.runtime = runtime }
    }

    private var runtime: JunctionRuntime {
        guard let runtime = self.state.withLock({ $0.runtime }) else {
            preconditionFailure("a ListenerSupervisor runs only while its runtime exists")
        }
        return runtime
    }

    /// The listeners running now and where they listen, in the order they were bound.
    public var listening: [(transport: TransportConfiguration, address: SocketAddress?)] {
        self.state.withLock { $0.running.map { ($0.transport, $0.address) } }
    }

    /// The listeners running now, in the order they were bound.
    public var running: [ListenerService] {
        self.state.withLock { $0.running.map(\.listener) }
    }

    public func run() async throws {
        let transports = self.runtime.configuration.transports
        var addresses: [SocketAddress?] = []
        do {
            for transport in transports {
                addresses.append(try await self.start(transport))
            }
        } catch {
            await self.stopAll()
            self.finishStart(.failure(error))
            throw error
        }
        self.finishStart(.success(addresses))
        self.runtime.readiness.started(listeners: addresses.count)
        try? await gracefulShutdown()
        self.runtime.readiness.stopping()
        await self.stopAll()
    }

    /// Calls `body` with the addresses of the configured transports (in configuration order)
    /// once all are bound, or with the first bind error.
    func whenStarted(_ body: @escaping @Sendable (Result<[SocketAddress?], any Error>) -> Void) {
        let started = self.state.withLock { state -> Result<[SocketAddress?], any Error>? in
            if state.started == nil { state.startWaiters.append(body) }
            return state.started
        }
        if let started { body(started) }
    }

    private func finishStart(_ result: Result<[SocketAddress?], any Error>) {
        let waiters = self.state.withLock { state in
            state.started = result
            defer { state.startWaiters = [] }
            return state.startWaiters
        }
        for waiter in waiters { waiter(result) }
    }

    /// Makes the running listeners match `transports`: closes those not in it first (so a
    /// changed entry can bind its port again), then binds the new ones. A bind that fails is
    /// logged and reported; the other listeners are not affected. Waits until the supervisor
    /// has bound the configured listeners (so it must be running).
    public func apply(_ transports: [TransportConfiguration]) async -> Changes {
        var changes = Changes()
        // A reload during start waits for the configured listeners, so none is bound twice.
        let started = await withCheckedContinuation { continuation in
            self.whenStarted { continuation.resume(returning: $0) }
        }
        guard case .success = started else { return changes }
        // An HTTP listener whose entry differs only in its paths keeps its socket and connections
        // and serves the new paths from the next request on.
        let repathed = self.state.withLock { state -> [(ListenerService, [String: HTTPPathService])] in
            var repathed: [(ListenerService, [String: HTTPPathService])] = []
            for index in state.running.indices where !transports.contains(state.running[index].transport) {
                guard let new = transports.first(where: { state.running[index].transport.differsOnlyInPaths(from: $0) }),
                    case .webSocket(let listener) = new
                else { continue }
                repathed.append((state.running[index].listener, listener.paths))
                state.running[index].transport = new
            }
            return repathed
        }
        for (listener, paths) in repathed {
            await listener.replaceHTTPPaths(paths)
            changes.repathed += 1
        }
        let removed = self.state.withLock { state -> [Running] in
            guard !state.stopped else { return [] }
            let removed = state.running.filter { !transports.contains($0.transport) }
            state.running.removeAll { !transports.contains($0.transport) }
            return removed
        }
        for listener in removed {
            listener.stop.finish()
            await listener.task.value
            changes.closed.append(listener.transport)
            self.runtime.logger.info("listener closed", metadata: ["transport": "\(listener.transport)"])
        }
        let kept = self.state.withLock { $0.running.map(\.transport) }
        for transport in transports where !kept.contains(transport) {
            do {
                changes.bound.append((transport, try await self.start(transport)))
            } catch {
                self.runtime.logger.error(
                    "listener added by the reload could not bind",
                    metadata: ["transport": "\(transport)", "error": "\(error)"])
                changes.failed.append((transport, "\(error)"))
            }
        }
        return changes
    }

    /// Binds one listener in a task of its own; returns once it listens, or throws its error.
    private func start(_ transport: TransportConfiguration) async throws -> SocketAddress? {
        let (bound, boundSink) = AsyncStream.makeStream(of: Result<SocketAddress?, any Error>.self)
        let (stop, stopSink) = AsyncStream.makeStream(of: Void.self)
        let listener = ListenerService(transport: transport, runtime: self.runtime) { address in
            boundSink.yield(.success(address))
        }
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await listener.run()
                    } catch {
                        boundSink.yield(.failure(error))
                    }
                    boundSink.finish()
                }
                group.addTask {
                    for await _ in stop {}
                }
                await group.next()
                group.cancelAll()
            }
        }
        var iterator = bound.makeAsyncIterator()
        let first = await iterator.next()
        guard case .success(let address)? = first else {
            stopSink.finish()
            await task.value
            if case .failure(let error)? = first { throw error }
            throw ListenerStopped(transport: transport)
        }
        let registered = self.state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.running.append(
                Running(transport: transport, listener: listener, address: address, stop: stopSink, task: task))
            return true
        }
        if !registered {
            stopSink.finish()
            await task.value
        }
        return address
    }

    private func stopAll() async {
        let running = self.state.withLock { state in
            state.stopped = true
            defer { state.running = [] }
            return state.running
        }
        for listener in running { listener.stop.finish() }
        for listener in running { await listener.task.value }
    }
}

/// A listener ended before it was bound (its task was cancelled).
struct ListenerStopped: Error, CustomStringConvertible {
    var transport: TransportConfiguration
    var description: String { "the listener stopped before it was bound: \(self.transport)" }
}

extension ListenerSupervisor: CustomStringConvertible {
    public var description: String { "ListenerSupervisor" }
}

extension TransportConfiguration {
    /// Both are WebSocket listeners that differ in their HTTP `paths` only.
    func differsOnlyInPaths(from other: TransportConfiguration) -> Bool {
        guard case .webSocket(var mine) = self, case .webSocket(let theirs) = other, mine.paths != theirs.paths else {
            return false
        }
        mine.paths = theirs.paths
        return mine == theirs
    }
}
