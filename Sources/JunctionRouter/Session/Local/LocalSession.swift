import NIOConcurrencyHelpers
import NIOCore
import WAMPCore

/// A WAMP session inside the Junction process: joins a realm, calls, registers, publishes and
/// subscribes like a client connected over a transport, with no serialization at all (messages go
/// to and from the realm as `WAMPMessage` values).
///
/// A local session joins as an identity (`authid`) in one of the realm's configured roles, and is
/// authorized like any session: its role's permissions (or dynamic authorizer) decide each
/// CALL, REGISTER, PUBLISH and SUBSCRIBE. The meta API shows it with authmethod `local` and
/// transport type `local`. It does not authenticate: the code embedding the router vouches for
/// the identity it names.
///
/// The session's state lives on the realm's event loop; every method may be called from any task.
/// Procedure handlers run in tasks of their own (concurrently), subscription handlers one event
/// at a time, in order.
///
/// ```swift
/// let realm = router.realm(named: "realm1")!
/// let session = try await LocalSession.join(realm, authid: "billing", authrole: "backend")
/// let add = try await session.register("com.example.add") { invocation in
///     let a = invocation.args.first?.signedInteger ?? 0, b = invocation.args.last?.signedInteger ?? 0
///     return .init(.int(a + b))
/// }
/// let sum = try await session.call("com.example.add", args: [2, 3])      // sum.args == [5]
/// let ticks = try await session.subscribe("com.example.tick") { event in print(event.args) }
/// try await session.publish("com.example.tick", args: [1], acknowledge: true)
/// try await ticks.unsubscribe()
/// try await add.unregister()
/// await session.leave()
/// ```
///
/// The router ends a local session like any other (`wamp.session.kill`, router shutdown): waiting
/// requests then throw ``LocalSessionError`` with the close reason, handlers are cancelled, and
/// ``ended()`` returns the reason.
public final class LocalSession: Sendable {
    /// The `transport.type` the meta API reports for local sessions.
    public static let transport = "local"

    public let realm: Realm
    /// The session id, as the meta API and disclosed callers/publishers show it.
    public let id: UInt64
    public let authid: String
    public let authrole: String
    private let core: NIOLoopBound<LocalSessionCore>

    private init(realm: Realm, core: LocalSessionCore, authid: String, authrole: String) {
        self.realm = realm
        self.id = core.id
        self.authid = authid
        self.authrole = authrole
        self.core = NIOLoopBound(core, eventLoop: realm.eventLoop)
    }

    /// Joins `realm` as `authid` in the configured role `authrole`.
    ///
    /// - Parameter authmethod: what the meta API reports as the session's authmethod.
    /// - Throws: ``LocalSessionError`` `wamp.error.no_such_role` when the realm has no such role,
    ///   `wamp.close.system_shutdown` when the realm is shutting down.
    public static func join(
        _ realm: Realm,
        authid: String,
        authrole: String,
        authmethod: String = "local"
    ) async throws -> LocalSession {
        try await realm.eventLoop.submit {
            switch realm.joinLocal(authid: authid, authrole: authrole, authmethod: authmethod) {
            case .success(let core):
                return LocalSession(realm: realm, core: core, authid: authid, authrole: authrole)
            case .failure(let error):
                throw error
            }
        }.get()
    }

    /// Joins `realm` as the router itself: the internal role may do anything and is no configured
    /// role, and the session is unlisted in the meta API. For router subsystems that serve
    /// procedures of their own (`junction.component.*`); callers are still authorized by their role.
    public static func joinInternal(_ realm: Realm, authid: String) async throws -> LocalSession {
        try await realm.eventLoop.submit {
            guard !realm.closed else {
                throw LocalSessionError(WAMPErrorURI.systemShutdown, args: ["the router is shutting down"])
            }
            var unlimited = SessionLimits()
            unlimited.maxPendingCalls = .max
            unlimited.maxRegistrations = .max
            unlimited.maxSubscriptions = .max
            let core = realm.joinLocal(
                authid: authid, role: Realm.internalRole, authmethod: "internal", limits: unlimited, unlisted: true)
            return LocalSession(realm: realm, core: core, authid: authid, authrole: Realm.internalRole.name)
        }.get()
    }

    /// Leaves the realm (its registrations and subscriptions go away, as for any session that
    /// leaves); waiting requests throw `wamp.close.normal`. Does nothing if already ended.
    public func leave() async {
        let left: Void? = try? await self.request { core, done in
            core.leave()
            done(.success(()))
        }
        _ = left
    }

    /// Waits until the session ends and tells why: ``leave()`` (`wamp.close.normal`), a kill
    /// (`wamp.close.killed` or the killer's reason), router shutdown (`wamp.close.system_shutdown`).
    public func ended() async -> Ending {
        await withCheckedContinuation { (continuation: CheckedContinuation<Ending, Never>) in
            let core = self.core
            core.eventLoop.execute { core.value.whenEnded(continuation) }
        }
    }

    // MARK: RPC

    /// Calls `procedure` and returns its result.
    ///
    /// Cancelling the calling task sends CANCEL (`killnowait`: the callee is interrupted if it
    /// supports call canceling) and throws `CancellationError`.
    ///
    /// - Parameter options: `CALL.Options` as on the wire (`timeout` in milliseconds,
    ///   `disclose_me`, ...). Progressive results are not asked for.
    /// - Throws: ``LocalSessionError`` with the ERROR's URI, args and kwargs
    ///   (`wamp.error.not_authorized`, `wamp.error.no_such_procedure`, `wamp.error.timeout`, the
    ///   callee's own URI), or the close reason if the session ends first.
    public func call(
        _ procedure: String,
        args: WAMPList = [],
        kwargs: WAMPDict = [:],
        options: WAMPDict = [:]
    ) async throws -> CallResult {
        let state = NIOLockedValueBox(CallState.starting)
        let core = self.core
        do {
            return try await withTaskCancellationHandler {
                try await self.request { core, done in
                    guard state.withLockedValue({ $0 }) != .cancelled else {
                        done(.failure(LocalSessionError(WAMPErrorURI.canceled)))
                        return
                    }
                    let request = core.call(procedure, payload: .compact(args: args, kwargs: kwargs), options: options)
                    {
                        result in
                        done(
                            result.map { result in
                                CallResult(
                                    args: result.payload.argsOrEmpty,
                                    kwargs: result.payload.kwargsOrEmpty,
                                    details: result.details
                                )
                            }
                        )
                    }
                    state.withLockedValue { $0 = .sent(request) }
                }
            } onCancel: {
                core.eventLoop.execute {
                    let before = state.withLockedValue { state in
                        defer { state = .cancelled }
                        return state
                    }
                    if case .sent(let request) = before { core.value.cancelCall(request) }
                }
            }
        } catch let error as LocalSessionError where error.uri == WAMPErrorURI.canceled && Task.isCancelled {
            throw CancellationError()
        }
    }

    /// Where a call is, for its task's cancellation handler (both run on the realm's loop).
    private enum CallState: Equatable {
        case starting
        case sent(UInt64)
        case cancelled
    }

    /// Registers `procedure`; `handler` runs for every invocation, each in a task of its own.
    ///
    /// - Parameter options: `REGISTER.Options` as on the wire (`match`, `invoke`, `disclose_caller`).
    /// - Throws: ``LocalSessionError`` (`wamp.error.not_authorized`,
    ///   `wamp.error.procedure_already_exists`, ...).
    @discardableResult
    public func register(
        _ procedure: String,
        options: WAMPDict = [:],
        handler: @escaping Procedure
    ) async throws -> Registration {
        let id = try await self.request { core, done in
            core.register(procedure, options: options, handler: handler, completion: done)
        }
        return Registration(procedure: procedure, id: id, session: self)
    }

    /// Removes a registration (``Registration/unregister()`` does the same).
    public func unregister(_ registration: Registration) async throws {
        try await self.request { core, done in
            core.unregister(registration.id, completion: done)
        }
    }

    // MARK: PubSub

    /// Publishes an event to `topic`.
    ///
    /// - Parameters:
    ///   - options: `PUBLISH.Options` as on the wire (`exclude_me`, `eligible`, `retain`, ...).
    ///   - acknowledge: wait for the router's answer (and its errors, such as
    ///     `wamp.error.not_authorized`).
    /// - Returns: the publication id when acknowledged, else `nil` once the realm has it.
    @discardableResult
    public func publish(
        _ topic: String,
        args: WAMPList = [],
        kwargs: WAMPDict = [:],
        options: WAMPDict = [:],
        acknowledge: Bool = false
    ) async throws -> UInt64? {
        try await self.request { core, done in
            core.publish(
                topic,
                payload: .compact(args: args, kwargs: kwargs),
                options: options,
                acknowledge: acknowledge,
                completion: done
            )
        }
    }

    /// Subscribes to `topic`; `handler` gets every event, one at a time, in order, until
    /// ``Subscription/unsubscribe()`` or the session's end.
    ///
    /// - Parameter options: `SUBSCRIBE.Options` as on the wire (`match`, `get_retained`).
    /// - Throws: ``LocalSessionError`` (`wamp.error.not_authorized`, `wamp.error.invalid_uri`, ...).
    @discardableResult
    public func subscribe(
        _ topic: String,
        options: WAMPDict = [:],
        handler: @escaping @Sendable (Event) async -> Void
    ) async throws -> Subscription {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let (id, token) = try await self.request { core, done in
            core.subscribe(topic, options: options, events: continuation) { result in
                done(result.map { ($0.subscription, $0.handler) })
            }
        }
        Task {
            for await event in events {
                await handler(event)
            }
        }
        return Subscription(topic: topic, id: id, handler: token, session: self)
    }

    /// Removes a subscription's handler (``Subscription/unsubscribe()`` does the same).
    public func unsubscribe(_ subscription: Subscription) async throws {
        try await self.request { core, done in
            core.unsubscribe(subscription.id, handler: subscription.handler, completion: done)
        }
    }

    // MARK: Hopping to the realm's loop

    /// Runs `start` on the realm's loop (directly when already there) and waits for `done`.
    private func request<Value: Sendable>(
        _ start: @escaping @Sendable (LocalSessionCore, @escaping (Result<Value, LocalSessionError>) -> Void) -> Void
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let core = self.core
            let run: @Sendable () -> Void = { start(core.value) { continuation.resume(with: $0) } }
            if core.eventLoop.inEventLoop {
                run()
            } else {
                core.eventLoop.execute(run)
            }
        }
    }
}
