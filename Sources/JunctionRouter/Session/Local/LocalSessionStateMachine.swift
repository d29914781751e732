import WAMPCore

/// The client side of an in-process session, without I/O: which request waits for which answer,
/// which invocations are running, and whether the session still lives.
///
/// Every input returns the action to run; ``LocalSessionCore`` runs it. `Completion` is whatever
/// the driver resumes when a request ends (a closure there; a value in tests).
struct LocalSessionStateMachine<Completion> {
    enum State {
        case joined
        case ended(LocalSession.Ending)
    }

    enum Action {
        case none
        /// Hand this message to the realm as the session's own.
        case send(WAMPMessage)
        /// A request ended: its answer (RESULT, PUBLISHED, SUBSCRIBED, ...) or its ERROR.
        case complete(Completion, Result<WAMPMessage, LocalSessionError>)
        /// Run the procedure registered as `invocation.registration`.
        case invoke(WAMPMessage.Invocation)
        /// Cancel the handler running invocation `request`.
        case interrupt(request: UInt64)
        /// Hand the event to the handlers of `event.subscription`.
        case deliver(WAMPMessage.Event)
        /// The session ended: fail every waiting request, stop every handler.
        case end(LocalSession.Ending, failing: [Completion])
    }

    private(set) var state = State.joined
    private var lastRequest: UInt64 = 0
    private var pending: [UInt64: Completion] = [:]
    /// Invocations whose handler has not answered yet, by INVOCATION request id.
    private var running: Set<UInt64> = []

    var ending: LocalSession.Ending? {
        guard case .ended(let ending) = self.state else { return nil }
        return ending
    }

    /// Sends the request `make` builds with a fresh request id; `completion` gets its answer.
    mutating func request(_ completion: Completion, _ make: (UInt64) -> WAMPMessage) -> Action {
        if let ending = self.ending { return .complete(completion, .failure(Self.endedError(ending))) }
        self.lastRequest &+= 1
        if self.lastRequest > WAMPID.maximum { self.lastRequest = 1 }
        self.pending[self.lastRequest] = completion
        return .send(make(self.lastRequest))
    }

    /// A message that expects no answer (PUBLISH without acknowledgement); dropped once ended.
    mutating func send(_ make: (UInt64) -> WAMPMessage) -> Action {
        guard self.ending == nil else { return .none }
        self.lastRequest &+= 1
        if self.lastRequest > WAMPID.maximum { self.lastRequest = 1 }
        return .send(make(self.lastRequest))
    }

    /// The caller gave up on call `request`: CANCEL (`killnowait`) if it still waits; the
    /// dealer's ERROR `wamp.error.canceled` then completes it.
    mutating func cancel(_ request: UInt64) -> Action {
        guard self.ending == nil, self.pending[request] != nil else { return .none }
        return .send(.cancel(.init(request: request, options: ["mode": "killnowait"])))
    }

    /// A message the realm sent to this session.
    mutating func received(_ message: WAMPMessage) -> Action {
        guard self.ending == nil else { return .none }
        switch message {
        case .result(let result): return self.answer(result.request, .success(message))
        case .published(let published): return self.answer(published.request, .success(message))
        case .subscribed(let subscribed): return self.answer(subscribed.request, .success(message))
        case .unsubscribed(let unsubscribed): return self.answer(unsubscribed.request, .success(message))
        case .registered(let registered): return self.answer(registered.request, .success(message))
        case .unregistered(let unregistered): return self.answer(unregistered.request, .success(message))
        case .error(let error): return self.answer(error.request, .failure(LocalSessionError(error)))
        case .invocation(let invocation):
            self.running.insert(invocation.request)
            return .invoke(invocation)
        case .interrupt(let interrupt):
            return self.running.contains(interrupt.request) ? .interrupt(request: interrupt.request) : .none
        case .event(let event):
            return .deliver(event)
        default:
            // WELCOME, GOODBYE and ABORT never reach a joined local session: the realm ends it
            // through `ended(_:)`.
            return .none
        }
    }

    /// A handler finished invocation `request` with `answer` (YIELD or ERROR): sent unless the
    /// session ended meanwhile.
    mutating func answered(_ request: UInt64, with answer: WAMPMessage) -> Action {
        guard self.running.remove(request) != nil, self.ending == nil else { return .none }
        return .send(answer)
    }

    /// The session ended (the realm said GOODBYE or ABORT, or the session left).
    mutating func ended(_ ending: LocalSession.Ending) -> Action {
        guard self.ending == nil else { return .none }
        self.state = .ended(ending)
        let waiting = self.pending.sorted { $0.key < $1.key }.map(\.value)
        self.pending = [:]
        self.running = []
        return .end(ending, failing: waiting)
    }

    static func endedError(_ ending: LocalSession.Ending) -> LocalSessionError {
        LocalSessionError(ending.reason, args: [.string(ending.message ?? "the session ended")])
    }

    private mutating func answer(_ request: UInt64, _ result: Result<WAMPMessage, LocalSessionError>) -> Action {
        guard let completion = self.pending.removeValue(forKey: request) else { return .none }
        return .complete(completion, result)
    }
}
