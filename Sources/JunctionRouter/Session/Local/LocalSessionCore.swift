import NIOCore
import WAMPCore

/// An in-process session's state on the realm's event loop: runs what
/// ``LocalSessionStateMachine`` decides (hands messages to the realm, resumes waiters, starts
/// and cancels procedure handlers, feeds subscription handlers).
///
/// Everything here runs on the realm's loop, so a request reaches the realm, and the realm's
/// answer reaches the waiter, without a hop. The realm itself uses this type directly (its own
/// session, ``Realm/callInternal(procedure:args:kwargs:timeoutMilliseconds:completion:)``);
/// ``LocalSession`` is the `async` face of it for everyone else.
final class LocalSessionCore {
    typealias Completion = (Result<WAMPMessage, LocalSessionError>) -> Void

    /// Unowned: a realm owns its own session, and a ``LocalSession`` keeps its realm alive.
    unowned let realm: Realm
    private(set) var id: UInt64 = 0
    private var machine = LocalSessionStateMachine<Completion>()
    private var procedures: [UInt64: LocalSession.Procedure] = [:]
    /// Subscription handlers by subscription id, then by handler token.
    private var subscribers: [UInt64: [UInt64: AsyncStream<LocalSession.Event>.Continuation]] = [:]
    private var lastSubscriber: UInt64 = 0
    private var handlerTasks: [UInt64: Task<Void, Never>] = [:]
    /// Who waits in `LocalSession.ended()`.
    private var endWaiters: [CheckedContinuation<LocalSession.Ending, Never>] = []

    /// What a local session announces in its (virtual) HELLO: it cancels handlers on INTERRUPT.
    static let clientRoles: WAMPDict = [
        "caller": [:], "callee": ["features": ["call_canceling": true]], "publisher": [:], "subscriber": [:],
    ]

    init(realm: Realm) {
        realm.eventLoop.preconditionInEventLoop()
        self.realm = realm
    }

    var eventLoop: any EventLoop { self.realm.eventLoop }
    var ending: LocalSession.Ending? { self.machine.ending }

    func joined(as id: UInt64) {
        self.id = id
    }

    // MARK: From the realm (through its `PeerHandle`, see LocalSessionCore+Delivery)

    func receive(_ message: WAMPMessage) {
        self.run(self.machine.received(message))
    }

    func end(_ ending: LocalSession.Ending) {
        self.run(self.machine.ended(ending))
    }

    // MARK: Requests

    /// Calls `procedure`; returns the request id (for `cancelCall`).
    @discardableResult
    func call(
        _ procedure: String,
        payload: Payload,
        options: WAMPDict,
        completion: @escaping (Result<WAMPMessage.Result, LocalSessionError>) -> Void
    ) -> UInt64 {
        var sent: UInt64 = 0
        var options = options
        // Progressive results would end the call at the first chunk: not asked for.
        options["receive_progress"] = nil
        self.run(
            self.machine.request(
                { result in
                    completion(
                        result.flatMap { answer in
                            guard case .result(let result) = answer else { return .failure(Self.unexpected(answer)) }
                            return .success(result)
                        }
                    )
                },
                { request in
                    sent = request
                    return .call(.init(request: request, options: options, procedure: procedure, payload: payload))
                }
            )
        )
        return sent
    }

    /// Gives up on call `request` if it is still waiting.
    func cancelCall(_ request: UInt64) {
        self.run(self.machine.cancel(request))
    }

    func register(
        _ procedure: String,
        options: WAMPDict,
        handler: @escaping LocalSession.Procedure,
        completion: @escaping (Result<UInt64, LocalSessionError>) -> Void
    ) {
        self.run(
            self.machine.request(
                { [self] result in
                    completion(
                        result.flatMap { answer in
                            guard case .registered(let registered) = answer else {
                                return .failure(Self.unexpected(answer))
                            }
                            self.procedures[registered.registration] = handler
                            return .success(registered.registration)
                        }
                    )
                },
                { request in .register(.init(request: request, options: options, procedure: procedure)) }
            )
        )
    }

    func unregister(_ registration: UInt64, completion: @escaping (Result<Void, LocalSessionError>) -> Void) {
        self.procedures[registration] = nil
        self.run(
            self.machine.request(
                { result in completion(result.map { _ in () }) },
                { request in .unregister(.init(request: request, registration: registration)) }
            )
        )
    }

    /// Publishes; with `acknowledge`, `completion` gets the publication id (else `nil` once sent).
    func publish(
        _ topic: String,
        payload: Payload,
        options: WAMPDict,
        acknowledge: Bool,
        completion: @escaping (Result<UInt64?, LocalSessionError>) -> Void
    ) {
        var options = options
        options["acknowledge"] = acknowledge ? true : nil
        let make: (UInt64) -> WAMPMessage = { request in
            .publish(.init(request: request, options: options, topic: topic, payload: payload))
        }
        guard acknowledge else {
            if let ending = self.machine.ending {
                completion(.failure(LocalSessionStateMachine<Completion>.endedError(ending)))
                return
            }
            self.run(self.machine.send(make))
            completion(.success(nil))
            return
        }
        self.run(
            self.machine.request(
                { result in
                    completion(
                        result.flatMap { answer in
                            guard case .published(let published) = answer else {
                                return .failure(Self.unexpected(answer))
                            }
                            return .success(published.publication)
                        }
                    )
                },
                make
            )
        )
    }

    /// Subscribes; `completion` gets the subscription id and the handler's token.
    func subscribe(
        _ topic: String,
        options: WAMPDict,
        events: AsyncStream<LocalSession.Event>.Continuation,
        completion: @escaping (Result<(subscription: UInt64, handler: UInt64), LocalSessionError>) -> Void
    ) {
        self.run(
            self.machine.request(
                { [self] result in
                    completion(
                        result.flatMap { answer in
                            guard case .subscribed(let subscribed) = answer else {
                                return .failure(Self.unexpected(answer))
                            }
                            self.lastSubscriber += 1
                            self.subscribers[subscribed.subscription, default: [:]][self.lastSubscriber] = events
                            return .success((subscribed.subscription, self.lastSubscriber))
                        }
                    )
                    if case .failure = result { events.finish() }
                },
                { request in .subscribe(.init(request: request, options: options, topic: topic)) }
            )
        )
    }

    /// Stops one handler; the router forgets the subscription with its last handler.
    func unsubscribe(
        _ subscription: UInt64,
        handler: UInt64,
        completion: @escaping (Result<Void, LocalSessionError>) -> Void
    ) {
        guard let events = self.subscribers[subscription]?.removeValue(forKey: handler) else {
            completion(.failure(LocalSessionError(WAMPErrorURI.noSuchSubscription)))
            return
        }
        events.finish()
        guard self.subscribers[subscription]?.isEmpty == true else {
            completion(.success(()))
            return
        }
        self.subscribers[subscription] = nil
        self.run(
            self.machine.request(
                { result in completion(result.map { _ in () }) },
                { request in .unsubscribe(.init(request: request, subscription: subscription)) }
            )
        )
    }

    /// Leaves the realm: the session is forgotten there, then ends here with `wamp.close.normal`.
    func leave() {
        guard self.machine.ending == nil else { return }
        self.realm.leave(session: self.id, reason: "local session left")
        self.end(LocalSession.Ending(reason: WAMPErrorURI.closeNormal))
    }

    /// Resumes `waiter` when the session ends (at once if it has).
    func whenEnded(_ waiter: CheckedContinuation<LocalSession.Ending, Never>) {
        if let ending = self.machine.ending {
            waiter.resume(returning: ending)
        } else {
            self.endWaiters.append(waiter)
        }
    }

    // MARK: Running actions

    private func run(_ action: LocalSessionStateMachine<Completion>.Action) {
        switch action {
        case .none:
            break
        case .send(let message):
            self.realm.receive(message, from: self.id)
        case .complete(let completion, let result):
            completion(result)
        case .invoke(let invocation):
            self.invoke(invocation)
        case .interrupt(let request):
            self.handlerTasks[request]?.cancel()
        case .deliver(let event):
            let value = LocalSession.Event(
                args: event.payload.argsOrEmpty,
                kwargs: event.payload.kwargsOrEmpty,
                details: event.details,
                publication: event.publication
            )
            for (_, events) in (self.subscribers[event.subscription] ?? [:]).sorted(by: { $0.key < $1.key }) {
                events.yield(value)
            }
        case .end(let ending, let failing):
            let error = LocalSessionStateMachine<Completion>.endedError(ending)
            for completion in failing { completion(.failure(error)) }
            for task in self.handlerTasks.values { task.cancel() }
            self.handlerTasks = [:]
            for events in self.subscribers.values.flatMap(\.values) { events.finish() }
            self.subscribers = [:]
            self.procedures = [:]
            let waiters = self.endWaiters
            self.endWaiters = []
            for waiter in waiters { waiter.resume(returning: ending) }
        }
    }

    /// Runs a procedure handler in a task of its own; its answer comes back to this loop.
    private func invoke(_ invocation: WAMPMessage.Invocation) {
        let request = invocation.request
        guard let handler = self.procedures[invocation.registration] else {
            self.run(
                self.machine.answered(
                    request,
                    with: .error(
                        .init(requestType: .invocation, request: request, error: WAMPErrorURI.noSuchRegistration)
                    )
                )
            )
            return
        }
        let value = LocalSession.Invocation(
            args: invocation.payload.argsOrEmpty,
            kwargs: invocation.payload.kwargsOrEmpty,
            details: invocation.details
        )
        let core = NIOLoopBound(self, eventLoop: self.eventLoop)
        self.handlerTasks[request] = Task {
            let answer: WAMPMessage
            do {
                let result = try await handler(value)
                answer = .yield(.init(request: request, payload: result.payload))
            } catch {
                let error = LocalSessionError(answering: error)
                answer = .error(
                    .init(
                        requestType: .invocation,
                        request: request,
                        details: error.details,
                        error: error.uri,
                        payload: error.payload
                    )
                )
            }
            core.eventLoop.execute {
                core.value.handlerTasks[request] = nil
                core.value.run(core.value.machine.answered(request, with: answer))
            }
        }
    }

    private static func unexpected(_ answer: WAMPMessage) -> LocalSessionError {
        LocalSessionError(WAMPErrorURI.protocolViolation, args: [.string("unexpected answer \(answer.type)")])
    }
}

@available(*, unavailable)
extension LocalSessionCore: Sendable {}
