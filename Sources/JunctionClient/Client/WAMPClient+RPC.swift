import WAMPCore

extension WAMPClient {
    /// Calls `procedure` and returns its result.
    ///
    /// Cancelling the calling `Task` stops waiting at once and sends `CANCEL` (mode `killnowait`)
    /// when the router supports call canceling; the call then throws `CancellationError`.
    ///
    /// - Throws: ``WAMPError`` when the callee or router answers with `ERROR` (for example
    ///   `wamp.error.no_such_procedure`, or `wamp.error.timeout` after `options.timeout`),
    ///   ``WAMPClientError`` when not connected or the connection drops.
    public func call(
        _ procedure: String, args: WAMPList = [], kwargs: WAMPDict = [:], options: CallOptions = CallOptions()
    ) async throws -> CallResult {
        let local = self.core.withLockedValue { $0.allocateLocal() }
        let timer = self.startTimer(for: local, timeout: options.timeout)
        defer { timer?.cancel() }
        let success = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RequestSuccess, any Error>) in
                var effects = Effects()
                self.core.withLockedValue { core in
                    if Task.isCancelled {
                        effects.append { continuation.resume(throwing: CancellationError()) }
                        return
                    }
                    do {
                        let actions = try core.machine.call(
                            local, procedure: procedure, args: args, kwargs: kwargs,
                            options: options.wireOptions(receiveProgress: false), progressive: false)
                        core.waiters[local] = .single(continuation)
                        core.apply(actions, client: self, effects: &effects)
                    } catch {
                        effects.append { continuation.resume(throwing: error) }
                    }
                }
                effects.run()
            }
        } onCancel: {
            self.abandonCall(local, with: CancellationError())
        }
        guard case .result(let result) = success else {
            throw WAMPClientError(.protocolViolation, "unexpected answer to CALL")
        }
        return result
    }

    /// Calls `procedure` asking for progressive results: the sequence yields every intermediate
    /// result (``CallResult/isProgress`` true) and then the final one, and throws the call's error.
    ///
    /// Ending the iteration early (or cancelling the iterating task) cancels the call as
    /// ``call(_:args:kwargs:options:)`` does.
    public func callProgressive(
        _ procedure: String, args: WAMPList = [], kwargs: WAMPDict = [:], options: CallOptions = CallOptions()
    ) -> AsyncThrowingStream<CallResult, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: CallResult.self)
        let local = self.core.withLockedValue { $0.allocateLocal() }
        let timer = self.startTimer(for: local, timeout: options.timeout)
        continuation.onTermination = { termination in
            timer?.cancel()
            if case .cancelled = termination {
                self.abandonCall(local, with: CancellationError())
            }
        }
        var effects = Effects()
        self.core.withLockedValue { core in
            do {
                let actions = try core.machine.call(
                    local, procedure: procedure, args: args, kwargs: kwargs,
                    options: options.wireOptions(receiveProgress: true), progressive: true)
                core.waiters[local] = .stream(continuation)
                core.apply(actions, client: self, effects: &effects)
            } catch {
                effects.append { continuation.finish(throwing: error) }
            }
        }
        effects.run()
        return stream
    }

    /// Registers `procedure`; `handler` runs for every invocation, concurrently.
    ///
    /// What the handler throws goes back to the caller: a ``WAMPError`` (or any
    /// ``WAMPErrorConvertible``) as `ERROR` with its URI, args and kwargs; anything else as
    /// `wamp.error.runtime_error` with the error's description. If the caller cancels, the
    /// handler's task is cancelled. The registration is restored automatically after a reconnect.
    @discardableResult
    public func register(
        _ procedure: String, options: RegisterOptions = RegisterOptions(),
        handler: @escaping InvocationHandler
    ) async throws -> Registration {
        let local = self.core.withLockedValue { $0.allocateLocal() }
        _ = try await self.request(local) { core in
            core.handlers[local] = handler
            return try core.machine.register(local, procedure: procedure, options: options.wireOptions)
        } cleanup: { core in
            core.handlers[local] = nil
        }
        return Registration(procedure: procedure, local: local, client: self)
    }

    /// Removes a registration (``Registration/unregister()`` does the same).
    public func unregister(_ registration: Registration) async throws {
        let waiter = self.core.withLockedValue { $0.allocateLocal() }
        _ = try await self.request(waiter) { core in
            core.handlers[registration.local] = nil
            return core.machine.unregister(registration.local, waiter: waiter)
        }
    }

    /// Sends one request built by `start` under the lock and waits for its answer.
    func request(
        _ local: LocalID, _ start: (inout ClientCore) throws -> [ClientAction],
        cleanup: (inout ClientCore) -> Void = { _ in }
    ) async throws -> RequestSuccess {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RequestSuccess, any Error>) in
            var effects = Effects()
            self.core.withLockedValue { core in
                do {
                    let actions = try start(&core)
                    core.waiters[local] = .single(continuation)
                    core.apply(actions, client: self, effects: &effects)
                } catch {
                    cleanup(&core)
                    effects.append { continuation.resume(throwing: error) }
                }
            }
            effects.run()
        }
    }

    /// Stops waiting for call `local`: sends `CANCEL` if possible and fails the waiter with `error`.
    private func abandonCall(_ local: LocalID, with error: any Error) {
        var effects = Effects()
        self.core.withLockedValue { core in
            let actions = core.machine.cancelCall(local)
            core.apply(actions, client: self, effects: &effects)
            switch core.waiters.removeValue(forKey: local) {
            case .single(let continuation)?:
                effects.append { continuation.resume(throwing: error) }
            case .stream(let continuation)?:
                effects.append { continuation.finish(throwing: error) }
            case nil:
                break
            }
        }
        effects.run()
    }

    /// After `timeout`, call `local` is abandoned with `wamp.error.timeout`.
    private func startTimer(for local: LocalID, timeout: Duration?) -> Task<Void, Never>? {
        guard let timeout else { return nil }
        return Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self.abandonCall(local, with: WAMPError(WAMPErrorURI.timeout, args: [.string("call timed out after \(timeout)")]))
        }
    }
}

/// A procedure registered with ``WAMPClient/register(_:options:handler:)``. Survives reconnects.
public struct Registration: Sendable {
    /// The registered URI (or pattern).
    public let procedure: String
    let local: LocalID
    let client: WAMPClient

    /// Unregisters the procedure.
    public func unregister() async throws {
        try await self.client.unregister(self)
    }
}
