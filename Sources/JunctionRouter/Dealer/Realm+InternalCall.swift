import NIOCore
import WAMPCore

/// How a call the router made itself ended.
public enum InternalCallOutcome: Sendable {
    case result(Payload)
    case error(String)
    /// No callee, the callee left, or no answer within the timeout.
    case unavailable(String)
}

/// Calls the router makes itself (dynamic authenticators and authorizers): routed like any CALL,
/// with the pseudo session 0 as the caller, so callees cannot tell them apart.
extension Realm {
    /// The caller id of router-made calls; real session ids are never 0.
    static let internalCaller: UInt64 = 0

    struct InternalCall {
        let completion: @Sendable (InternalCallOutcome) -> Void
        let timer: Scheduled<Void>
        let key: Dealer.InvocationKey
    }

    /// Calls `procedure` and reports how it went on this realm's event loop. Fails closed:
    /// every path ends in `completion`, at the latest after `timeoutMilliseconds`.
    public func callInternal(
        procedure: String, args: [WAMPValue], kwargs: WAMPDict? = nil, timeoutMilliseconds: Int,
        completion: @escaping @Sendable (InternalCallOutcome) -> Void
    ) {
        self.eventLoop.preconditionInEventLoop()
        guard let registration = self.dealer.registration(for: procedure),
            let chosen = self.dealer.pickCallee(of: registration.id),
            let callee = self.sessions[chosen.session]
        else {
            completion(.unavailable("no callee registered for '\(procedure)'"))
            return
        }
        self.internalRequests &+= 1
        let id = self.internalRequests
        let request = self.dealer.startInvocation(
            caller: Self.internalCaller, callerRequest: id, registration: registration, callee: callee.id,
            procedure: procedure, receiveProgress: false, callerStreaming: false)
        let key = Dealer.InvocationKey(callee: callee.id, request: request)
        let timer = self.eventLoop.scheduleTask(in: .milliseconds(Int64(timeoutMilliseconds))) { [self] in
            guard self.internalCalls[id] != nil else { return }
            if let call = self.dealer.forget(key) { self.interrupt(call, mode: .killnowait, reason: WAMPErrorURI.timeout) }
            self.finishInternalCall(id, .unavailable("no answer within \(timeoutMilliseconds) ms"))
        }
        self.internalCalls[id] = InternalCall(completion: completion, timer: timer, key: key)
        var details: WAMPDict = [:]
        if registration.match != .exact { details["procedure"] = .string(procedure) }
        callee.peer.send(
            .invocation(
                .init(
                    request: request, registration: registration.id, details: details,
                    payload: .init(args: args, kwargs: kwargs))))
    }

    /// Ends a router-made call; a no-op if it already ended.
    func finishInternalCall(_ id: UInt64, _ outcome: InternalCallOutcome) {
        guard let call = self.internalCalls.removeValue(forKey: id) else { return }
        call.timer.cancel()
        call.completion(outcome)
    }
}
