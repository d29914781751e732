import NIOCore
import WAMPCore

/// Who waits for the answer to a request.
enum RequestWaiter: Sendable {
    case single(CheckedContinuation<RequestSuccess, any Error>)
    case stream(AsyncThrowingStream<CallResult, any Error>.Continuation)
}

/// The client's mutable state, guarded by one lock in ``WAMPClient``: the protocol state machine
/// plus whoever waits on its outcomes. `apply` turns state-machine actions into `Effects` that
/// run after the lock is released ("compute under the lock, do I/O after it").
struct ClientCore: Sendable {
    var machine: ClientSessionStateMachine
    /// The current connection (IDs increase; events of older connections are ignored).
    var connectionID: UInt64 = 0
    var channel: (any Channel)?
    var nextLocal: LocalID = 0
    var waiters: [LocalID: RequestWaiter] = [:]
    var handlers: [LocalID: InvocationHandler] = [:]
    var eventSinks: [LocalID: AsyncStream<Event>.Continuation] = [:]
    var invocationTasks: [InvocationKey: Task<Void, Never>] = [:]
    var joinWaiter: CheckedContinuation<SessionDetails, any Error>?
    var disconnectWaiters: [LocalID: CheckedContinuation<Void, Never>] = [:]
    var state: ConnectionState = .connecting
    var observers: [UInt64: AsyncStream<ConnectionState>.Continuation] = [:]
    /// `leave()` or `close()` was called: no more reconnects.
    var closedByUser = false
    var loopTask: Task<Void, Never>?

    struct InvocationKey: Hashable, Sendable {
        var epoch: UInt64
        var request: UInt64
    }

    init(machine: ClientSessionStateMachine) {
        self.machine = machine
    }

    mutating func allocateLocal() -> LocalID {
        self.nextLocal += 1
        return self.nextLocal
    }

    mutating func setState(_ state: ConnectionState, into effects: inout Effects) {
        self.state = state
        for observer in self.observers.values {
            effects.append { observer.yield(state) }
        }
        if state == .closed {
            let observers = self.observers.values
            self.observers.removeAll()
            effects.append { for observer in observers { observer.finish() } }
        }
    }

    /// Translates state-machine actions into effects; `client` runs invocation handlers.
    mutating func apply(_ actions: [ClientAction], client: WAMPClient, effects: inout Effects) {
        for action in actions {
            switch action {
            case .send(let message):
                if let channel = self.channel {
                    effects.append { channel.writeAndFlush(message, promise: nil) }
                }
            case .closeTransport:
                if let channel = self.channel {
                    effects.append { channel.close(promise: nil) }
                }
            case .joined(let details):
                if let waiter = self.joinWaiter {
                    self.joinWaiter = nil
                    effects.append { waiter.resume(returning: details) }
                }
                self.setState(.joined(details), into: &effects)
            case .joinFailed(let failure):
                if let waiter = self.joinWaiter {
                    self.joinWaiter = nil
                    effects.append { waiter.resume(throwing: failure.error) }
                }
            case .succeed(let local, let success):
                switch self.waiters.removeValue(forKey: local) {
                case .single(let continuation)?:
                    effects.append { continuation.resume(returning: success) }
                case .stream(let continuation)?:
                    effects.append {
                        if case .result(let result) = success { continuation.yield(result) }
                        continuation.finish()
                    }
                case nil:
                    break
                }
            case .fail(let local, let failure):
                self.handlers[local] = nil
                switch self.waiters.removeValue(forKey: local) {
                case .single(let continuation)?:
                    effects.append { continuation.resume(throwing: failure.error) }
                case .stream(let continuation)?:
                    effects.append { continuation.finish(throwing: failure.error) }
                case nil:
                    // A registration or subscription that could not be restored after reconnecting.
                    if let sink = self.eventSinks.removeValue(forKey: local) {
                        effects.append { sink.finish() }
                    }
                }
            case .progress(let local, let result):
                if case .stream(let continuation)? = self.waiters[local] {
                    effects.append { continuation.yield(result) }
                }
            case .deliver(let locals, let event):
                for local in locals {
                    if let sink = self.eventSinks[local] {
                        effects.append { sink.yield(event) }
                    }
                }
            case .invoke(let epoch, let request, let registration, let invocation):
                guard let handler = self.handlers[registration] else {
                    let actions = self.machine.invocationFinished(
                        epoch: epoch, request: request, .error(WAMPError(WAMPErrorURI.noSuchRegistration)))
                    self.apply(actions, client: client, effects: &effects)
                    continue
                }
                let key = InvocationKey(epoch: epoch, request: request)
                var invocation = invocation
                invocation.progressReporter = ProgressReporter(epoch: epoch, request: request) { [weak client] result in
                    client?.invocationProgress(key, result)
                }
                self.invocationTasks[key] = Task {
                    let outcome = await Self.run(handler, invocation)
                    client.invocationFinished(key, outcome)
                }
            case .interrupt(let epoch, let request):
                if let task = self.invocationTasks[InvocationKey(epoch: epoch, request: request)] {
                    effects.append { task.cancel() }
                }
            case .left:
                break
            }
        }
    }

    /// Runs a procedure handler and maps what it throws to a WAMP error.
    private static func run(_ handler: InvocationHandler, _ invocation: Invocation) async -> InvocationOutcome {
        do {
            return .result(try await handler(invocation))
        } catch let error as any WAMPErrorConvertible {
            return .error(error.wampError)
        } catch is CancellationError {
            return .error(WAMPError(WAMPErrorURI.canceled))
        } catch {
            return .error(WAMPError(WAMPErrorURI.runtimeError, args: [.string(String(describing: error))]))
        }
    }
}

/// Work to do once the lock is released, in order.
struct Effects {
    private var work: [@Sendable () -> Void] = []

    mutating func append(_ effect: @escaping @Sendable () -> Void) {
        self.work.append(effect)
    }

    func run() {
        for effect in self.work { effect() }
    }
}

/// An error that knows which WAMP error it is. Throw a conforming error from a procedure handler
/// and the caller receives `ERROR` with its URI, args and kwargs; ``WAMPError`` conforms.
public protocol WAMPErrorConvertible: Error {
    var wampError: WAMPError { get }
}

extension WAMPError: WAMPErrorConvertible {
    public var wampError: WAMPError { self }
}
