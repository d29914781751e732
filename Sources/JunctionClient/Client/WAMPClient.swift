import NIOConcurrencyHelpers
import NIOCore
import WAMPCore

/// A WAMP client session that stays joined: it connects, joins the realm, and after a lost
/// connection reconnects with backoff, re-joins, and re-registers and re-subscribes everything.
///
/// ```swift
/// let client = try await WAMPClient.connect(
///     try ClientConfiguration(url: "ws://127.0.0.1:8080/ws", realm: "realm1"))
/// let result = try await client.call("com.example.add", args: [2, 3])
/// try await client.leave()
/// ```
///
/// All methods are safe to call from any task. Protocol logic lives in
/// `ClientSessionStateMachine`; this class owns the connection and the waiting callers.
public final class WAMPClient: Sendable {
    public let configuration: ClientConfiguration
    let core: NIOLockedValueBox<ClientCore>

    private init(configuration: ClientConfiguration) {
        self.configuration = configuration
        self.core = NIOLockedValueBox(
            ClientCore(
                machine: ClientSessionStateMachine(
                    realm: configuration.realm, authentication: configuration.authentication)))
    }

    /// Connects and joins. The first attempt is not retried: a router that is down, a refused
    /// realm or failed authentication throw here. Later connection losses reconnect according to
    /// `configuration.reconnect`.
    ///
    /// - Throws: ``WAMPError`` when the router refuses the session (ABORT, e.g.
    ///   `wamp.error.not_authorized`), ``WAMPClientError`` for transport failures.
    public static func connect(_ configuration: ClientConfiguration) async throws -> WAMPClient {
        let client = WAMPClient(configuration: configuration)
        do {
            _ = try await client.establish()
        } catch {
            client.finishClosed()
            throw error
        }
        let task = Task { await client.supervise() }
        client.core.withLockedValue { $0.loopTask = task }
        return client
    }

    /// The session as of the last `WELCOME`, or `nil` while not joined.
    public var session: SessionDetails? {
        self.core.withLockedValue { $0.machine.sessionDetails }
    }

    /// The current connection state.
    public var connectionState: ConnectionState {
        self.core.withLockedValue { $0.state }
    }

    /// A stream of connection states: the current one first, then every change, until `.closed`.
    public func connectionStates() -> AsyncStream<ConnectionState> {
        let (stream, continuation) = AsyncStream.makeStream(of: ConnectionState.self)
        let id = self.core.withLockedValue { core -> UInt64 in
            let id = core.allocateLocal()
            continuation.yield(core.state)
            if core.state == .closed {
                continuation.finish()
            } else {
                core.observers[id] = continuation
            }
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.core.withLockedValue { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Leaves the realm (`GOODBYE`), closes the connection and stops reconnecting. Pending
    /// requests fail; subscription sequences end.
    public func leave() async {
        let actions = self.core.withLockedValue { core -> [ClientAction] in
            core.closedByUser = true
            return core.machine.leave()
        }
        self.perform(actions)
        await self.waitForDisconnect(timeout: .seconds(5))
        await self.close()
    }

    /// Closes the connection without `GOODBYE` and stops reconnecting.
    public func close() async {
        let (channel, task) = self.core.withLockedValue { core -> ((any Channel)?, Task<Void, Never>?) in
            core.closedByUser = true
            return (core.channel, core.loopTask)
        }
        try? await channel?.close()
        await self.waitForDisconnect(timeout: .seconds(5))
        task?.cancel()
        self.finishClosed()
    }

    // MARK: Connection lifecycle

    /// One connection attempt: transport, `HELLO`, `WELCOME`.
    @discardableResult
    func establish() async throws -> SessionDetails {
        let id = self.core.withLockedValue { core -> UInt64 in
            core.connectionID += 1
            var effects = Effects()
            core.setState(.connecting, into: &effects)
            effects.run()
            return core.connectionID
        }
        let settings = ClientConnector.Settings(
            endpoint: self.configuration.endpoint, serializer: self.configuration.serializer,
            tls: self.configuration.tls, connectTimeout: self.configuration.connectTimeout,
            maxMessageSize: self.configuration.maxMessageSize)
        let channel = try await ClientConnector.connect(
            settings, id: id, group: self.configuration.eventLoopGroup, delegate: self)
        let timeout = Task { [configuration] in
            try? await Task.sleep(for: configuration.joinTimeout)
            if !Task.isCancelled { channel.close(promise: nil) }
        }
        defer { timeout.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            var effects = Effects()
            self.core.withLockedValue { core in
                guard core.connectionID == id, channel.isActive, !core.closedByUser else {
                    effects.append {
                        channel.close(promise: nil)
                        continuation.resume(throwing: WAMPClientError(.connectionLost, "connection closed while joining"))
                    }
                    return
                }
                core.channel = channel
                core.joinWaiter = continuation
                core.apply(core.machine.transportReady(), client: self, effects: &effects)
            }
            effects.run()
        }
    }

    /// Runs for the client's lifetime: waits for the connection to drop, then reconnects.
    private func supervise() async {
        let policy = self.configuration.reconnect
        while true {
            await self.waitForDisconnect(timeout: nil)
            guard policy.enabled, !self.isClosedByUser else { break }
            var attempt = 0
            var joined = false
            while !joined {
                if let maxAttempts = policy.maxAttempts, attempt >= maxAttempts { break }
                let delay = policy.delay(forAttempt: attempt)
                attempt += 1
                self.updateState(.reconnecting(attempt: attempt, delay: delay))
                try? await Task.sleep(for: delay)
                if Task.isCancelled || self.isClosedByUser { break }
                do {
                    try await self.establish()
                    joined = true
                } catch {
                    continue
                }
            }
            if !joined { break }
        }
        self.finishClosed()
    }

    private var isClosedByUser: Bool {
        self.core.withLockedValue { $0.closedByUser }
    }

    private func updateState(_ state: ConnectionState) {
        var effects = Effects()
        self.core.withLockedValue { $0.setState(state, into: &effects) }
        effects.run()
    }

    /// Returns once there is no connection (immediately if there is none), or after `timeout`.
    private func waitForDisconnect(timeout: Duration?) async {
        let waiterID = self.core.withLockedValue { $0.allocateLocal() }
        let timer = timeout.map { timeout in
            Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                self.core.withLockedValue { $0.disconnectWaiters.removeValue(forKey: waiterID) }?.resume()
            }
        }
        defer { timer?.cancel() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let connected = self.core.withLockedValue { core -> Bool in
                guard core.channel != nil else { return false }
                core.disconnectWaiters[waiterID] = continuation
                return true
            }
            if !connected { continuation.resume() }
        }
    }

    /// Ends every stream and observer: the client is done.
    private func finishClosed() {
        var effects = Effects()
        self.core.withLockedValue { core in
            core.closedByUser = true
            let sinks = core.eventSinks.values
            core.eventSinks.removeAll()
            core.handlers.removeAll()
            effects.append { for sink in sinks { sink.finish() } }
            if core.state != .closed { core.setState(.closed, into: &effects) }
        }
        effects.run()
    }

    /// Feeds actions produced outside `core` (e.g. by `leave`) through the usual path.
    func perform(_ actions: [ClientAction]) {
        var effects = Effects()
        self.core.withLockedValue { core in core.apply(actions, client: self, effects: &effects) }
        effects.run()
    }

    /// A procedure handler reported progress; send a progressive `YIELD`.
    func invocationProgress(_ key: ClientCore.InvocationKey, _ result: InvocationResult) {
        var effects = Effects()
        self.core.withLockedValue { core in
            let actions = core.machine.invocationProgress(epoch: key.epoch, request: key.request, result)
            core.apply(actions, client: self, effects: &effects)
        }
        effects.run()
    }

    /// A procedure handler finished; send `YIELD`/`ERROR` if its session is still the current one.
    func invocationFinished(_ key: ClientCore.InvocationKey, _ outcome: InvocationOutcome) {
        var effects = Effects()
        self.core.withLockedValue { core in
            core.invocationTasks[key] = nil
            let actions = core.machine.invocationFinished(epoch: key.epoch, request: key.request, outcome)
            core.apply(actions, client: self, effects: &effects)
        }
        effects.run()
    }
}

extension WAMPClient: ClientConnectionDelegate {
    func connection(_ id: UInt64, received message: WAMPMessage) {
        var effects = Effects()
        self.core.withLockedValue { core in
            guard core.connectionID == id, core.channel != nil else { return }
            core.apply(core.machine.received(message), client: self, effects: &effects)
        }
        effects.run()
    }

    func connectionClosed(_ id: UInt64, error: (any Error)?) {
        var effects = Effects()
        self.core.withLockedValue { core in
            guard core.connectionID == id else { return }
            core.channel = nil
            core.apply(core.machine.connectionLost(), client: self, effects: &effects)
            let waiters = core.disconnectWaiters.values
            core.disconnectWaiters.removeAll()
            effects.append { for waiter in waiters { waiter.resume() } }
            if core.state != .closed && !core.closedByUser { core.setState(.disconnected, into: &effects) }
        }
        effects.run()
    }
}
