import WAMPCore

/// The client side of a WAMP session as a pure state machine: every event returns the actions the
/// runtime must perform. No I/O, no clocks, no continuations, so every protocol path has a unit test.
///
/// It spans connections: registrations and subscriptions are kept as durable records keyed by
/// client-allocated ``LocalID``s, and after every `WELCOME` it re-sends `REGISTER`/`SUBSCRIBE` for
/// all of them. Requests that were in flight when a connection dropped fail with
/// `WAMPClientError.connectionLost` (calls and publications are never repeated behind the
/// caller's back).
struct ClientSessionStateMachine: Sendable {
    enum State: Sendable, Hashable {
        /// No transport.
        case disconnected
        /// `HELLO` sent, waiting for `WELCOME`, `CHALLENGE` or `ABORT`.
        case joining
        /// `AUTHENTICATE` sent.
        case authenticating
        case established(SessionDetails)
        /// Our `GOODBYE` is out; waiting for the router's.
        case leaving
    }

    /// A request waiting for its answer, by request ID.
    enum Pending: Sendable, Hashable {
        case call(LocalID, progressive: Bool)
        case publish(LocalID)
        case register(LocalID)
        case unregister(LocalID)
        case subscribe(LocalID)
        case unsubscribe(LocalID)
    }

    struct Registration: Sendable, Hashable {
        var procedure: String
        var options: WAMPDict
        /// The router's registration ID in the current session; `nil` until `REGISTERED`.
        var routerID: UInt64?
        /// Whether it was registered at least once (then it is restored, not failed, on reconnect).
        var confirmed = false
    }

    struct Subscription: Sendable, Hashable {
        var topic: String
        /// Without `_recover`: that is built from `positions` for every SUBSCRIBE.
        var options: WAMPDict
        var routerID: UInt64?
        var confirmed = false
        /// The last stream position delivered, per topic (the subscribed topic itself for an exact
        /// subscription): what a resubscription asks the router to resume from.
        var positions: [String: StreamPosition] = [:]
        /// The pending SUBSCRIBE resumes from the positions a `recovery_incomplete` reported.
        var resumingFromReportedPositions = false

        var isExact: Bool { (self.options["match"]?.stringValue ?? "exact") == "exact" }

        /// SUBSCRIBE options: `options` plus `_recover` when a position is known.
        var wireOptions: WAMPDict {
            guard !self.positions.isEmpty else { return self.options }
            var options = self.options
            if self.isExact {
                if let position = self.positions[self.topic] { options["_recover"] = position.wampValue }
            } else {
                options["_recover"] = ["positions": .dict(self.positions.mapValues(\.wampValue))]
            }
            return options
        }
    }

    let realm: String
    let authentication: Authentication

    private(set) var state: State = .disconnected
    /// Increments with every `WELCOME`; invocation replies from an older session are dropped.
    private(set) var epoch: UInt64 = 0
    private var requestIDs = SequentialIDGenerator()
    private(set) var pending: [UInt64: Pending] = [:]
    private(set) var registrations: [LocalID: Registration] = [:]
    private(set) var subscriptions: [LocalID: Subscription] = [:]
    private var registrationsByRouterID: [UInt64: LocalID] = [:]
    private var subscriptionsByRouterID: [UInt64: Set<LocalID>] = [:]
    /// Invocations of the current session whose handler has not answered yet.
    private(set) var invocations: Set<UInt64> = []

    init(realm: String, authentication: Authentication) {
        self.realm = realm
        self.authentication = authentication
    }

    var sessionDetails: SessionDetails? {
        if case .established(let details) = self.state { return details }
        return nil
    }

    // MARK: Connection lifecycle

    /// The transport is up (WebSocket upgraded, RawSocket handshake done): say `HELLO`.
    mutating func transportReady() -> [ClientAction] {
        self.state = .joining
        var details = self.authentication.helloDetails
        details["roles"] = Self.roles
        details["agent"] = "junction-client"
        return [.send(.hello(.init(realm: self.realm, details: details)))]
    }

    /// The transport is gone. Fails what was in flight and forgets router IDs; durable records stay.
    mutating func connectionLost() -> [ClientAction] {
        var actions: [ClientAction] = []
        switch self.state {
        case .joining, .authenticating:
            actions.append(.joinFailed(.client(WAMPClientError(.connectionLost, "connection closed while joining"))))
        default:
            break
        }
        self.state = .disconnected
        for request in self.pending.keys.sorted() {
            switch self.pending[request]! {
            case .call(let local, _), .publish(let local):
                actions.append(.fail(local, .client(WAMPClientError(.connectionLost, "connection lost"))))
            case .unregister(let local):
                actions.append(.succeed(local, .unregistered))
            case .unsubscribe(let local):
                actions.append(.succeed(local, .unsubscribed))
            case .register(let local):
                if self.registrations[local]?.confirmed == false {
                    self.registrations[local] = nil
                    actions.append(.fail(local, .client(WAMPClientError(.connectionLost, "connection lost"))))
                }
            case .subscribe(let local):
                if self.subscriptions[local]?.confirmed == false {
                    self.subscriptions[local] = nil
                    actions.append(.fail(local, .client(WAMPClientError(.connectionLost, "connection lost"))))
                }
            }
        }
        self.pending.removeAll()
        for request in self.invocations.sorted() {
            actions.append(.interrupt(epoch: self.epoch, request: request))
        }
        self.invocations.removeAll()
        for local in self.registrations.keys { self.registrations[local]?.routerID = nil }
        for local in self.subscriptions.keys { self.subscriptions[local]?.routerID = nil }
        self.registrationsByRouterID.removeAll()
        self.subscriptionsByRouterID.removeAll()
        return actions
    }

    /// Leave the realm: `GOODBYE wamp.close.normal`, then wait for the router's `GOODBYE`.
    mutating func leave(reason: String = WAMPErrorURI.closeNormal) -> [ClientAction] {
        switch self.state {
        case .established:
            self.state = .leaving
            return [.send(.goodbye(.init(reason: reason)))]
        case .joining, .authenticating:
            return [.send(.abort(.init(reason: reason, message: "client is leaving"))), .closeTransport]
        case .leaving, .disconnected:
            return []
        }
    }

    // MARK: Requests

    private func requireSession() throws(WAMPClientError) {
        guard case .established = self.state else {
            throw WAMPClientError(.notConnected, "no established session")
        }
    }

    private mutating func nextRequest(_ pending: Pending) -> UInt64 {
        let request = self.requestIDs.next()
        self.pending[request] = pending
        return request
    }

    mutating func call(
        _ local: LocalID, procedure: String, args: WAMPList, kwargs: WAMPDict, options: WAMPDict, progressive: Bool
    ) throws(WAMPClientError) -> [ClientAction] {
        try self.requireSession()
        let request = self.nextRequest(.call(local, progressive: progressive))
        return [
            .send(
                .call(
                    .init(request: request, options: options, procedure: procedure, payload: Self.payload(args, kwargs))
                ))
        ]
    }

    /// Stop waiting for call `local`. Sends `CANCEL` (mode `killnowait`) if the router's dealer
    /// announced `call_canceling`; a late answer is ignored either way.
    mutating func cancelCall(_ local: LocalID) -> [ClientAction] {
        guard let request = self.pending.first(where: { $0.value == .call(local, progressive: true) || $0.value == .call(local, progressive: false) })?.key
        else { return [] }
        self.pending[request] = nil
        guard let details = self.sessionDetails, details.dealerSupports("call_canceling") else { return [] }
        return [.send(.cancel(.init(request: request, options: ["mode": "killnowait"])))]
    }

    mutating func publish(
        _ local: LocalID, topic: String, args: WAMPList, kwargs: WAMPDict, options: WAMPDict, acknowledge: Bool
    ) throws(WAMPClientError) -> [ClientAction] {
        try self.requireSession()
        let payload = Self.payload(args, kwargs)
        if acknowledge {
            let request = self.nextRequest(.publish(local))
            return [.send(.publish(.init(request: request, options: options, topic: topic, payload: payload)))]
        }
        let request = self.requestIDs.next()
        return [
            .send(.publish(.init(request: request, options: options, topic: topic, payload: payload))),
            .succeed(local, .published(nil)),
        ]
    }

    mutating func register(_ local: LocalID, procedure: String, options: WAMPDict) throws(WAMPClientError)
        -> [ClientAction]
    {
        try self.requireSession()
        self.registrations[local] = Registration(procedure: procedure, options: options)
        let request = self.nextRequest(.register(local))
        return [.send(.register(.init(request: request, options: options, procedure: procedure)))]
    }

    /// Removes registration `local`. While disconnected it is just forgotten (the router already did).
    mutating func unregister(_ local: LocalID, waiter: LocalID) -> [ClientAction] {
        guard let record = self.registrations.removeValue(forKey: local) else {
            return [.succeed(waiter, .unregistered)]
        }
        guard let routerID = record.routerID, case .established = self.state else {
            return [.succeed(waiter, .unregistered)]
        }
        self.registrationsByRouterID[routerID] = nil
        let request = self.nextRequest(.unregister(waiter))
        return [.send(.unregister(.init(request: request, registration: routerID)))]
    }

    /// Subscribes; with `recoverFrom` (or `_recover` in `options`), asks the router for the events
    /// after those positions first.
    mutating func subscribe(
        _ local: LocalID, topic: String, options: WAMPDict, recoverFrom: [String: StreamPosition] = [:]
    ) throws(WAMPClientError) -> [ClientAction] {
        try self.requireSession()
        var record = Subscription(topic: topic, options: options)
        record.positions = recoverFrom
        if let recover = record.options.removeValue(forKey: "_recover") {
            if record.isExact, let position = StreamPosition(recover) {
                record.positions[topic] = position
            } else if let positions = recover["positions"]?.dictValue {
                for (name, value) in positions { record.positions[name] = StreamPosition(value) }
            }
        }
        self.subscriptions[local] = record
        let request = self.nextRequest(.subscribe(local))
        return [.send(.subscribe(.init(request: request, options: record.wireOptions, topic: topic)))]
    }

    /// Removes subscription `local`; `UNSUBSCRIBE` goes out only when no other local subscription
    /// shares its router subscription.
    mutating func unsubscribe(_ local: LocalID, waiter: LocalID) -> [ClientAction] {
        guard let record = self.subscriptions.removeValue(forKey: local) else {
            return [.succeed(waiter, .unsubscribed)]
        }
        guard let routerID = record.routerID, case .established = self.state else {
            return [.succeed(waiter, .unsubscribed)]
        }
        self.subscriptionsByRouterID[routerID]?.remove(local)
        guard self.subscriptionsByRouterID[routerID]?.isEmpty ?? true else {
            return [.succeed(waiter, .unsubscribed)]
        }
        self.subscriptionsByRouterID[routerID] = nil
        let request = self.nextRequest(.unsubscribe(waiter))
        return [.send(.unsubscribe(.init(request: request, subscription: routerID)))]
    }

    /// A procedure handler finished invocation `request` of session `epoch`.
    mutating func invocationFinished(epoch: UInt64, request: UInt64, _ outcome: InvocationOutcome) -> [ClientAction] {
        guard epoch == self.epoch, self.invocations.remove(request) != nil, case .established = self.state else {
            return []
        }
        switch outcome {
        case .result(let result):
            return [.send(.yield(.init(request: request, payload: Self.payload(result.args, result.kwargs))))]
        case .error(let error):
            return [
                .send(
                    .error(
                        .init(
                            requestType: .invocation, request: request, details: error.details, error: error.uri,
                            payload: Self.payload(error.args, error.kwargs))))
            ]
        }
    }

    /// A procedure handler reported an intermediate result for invocation `request`.
    mutating func invocationProgress(epoch: UInt64, request: UInt64, _ result: InvocationResult) -> [ClientAction] {
        guard epoch == self.epoch, self.invocations.contains(request), case .established = self.state else { return [] }
        return [
            .send(
                .yield(
                    .init(request: request, options: ["progress": true], payload: Self.payload(result.args, result.kwargs))
                ))
        ]
    }

    // MARK: Inbound

    mutating func received(_ message: WAMPMessage) -> [ClientAction] {
        switch self.state {
        case .disconnected:
            return []
        case .joining, .authenticating:
            return self.receivedWhileJoining(message)
        case .leaving:
            switch message {
            case .goodbye, .abort:
                self.state = .disconnected
                return [.left, .closeTransport]
            default:
                return []
            }
        case .established:
            return self.receivedWhileEstablished(message)
        }
    }

    private mutating func receivedWhileJoining(_ message: WAMPMessage) -> [ClientAction] {
        switch message {
        case .welcome(let welcome):
            let details = SessionDetails(sessionID: welcome.session, realm: self.realm, details: welcome.details)
            self.state = .established(details)
            self.epoch += 1
            return [.joined(details)] + self.restore()
        case .challenge(let challenge) where self.state == .joining:
            do {
                let authenticate = try self.authentication.respond(to: challenge)
                self.state = .authenticating
                return [.send(.authenticate(authenticate))]
            } catch {
                return [
                    .send(.abort(.init(reason: WAMPErrorURI.authenticationFailed, message: error.message))),
                    .joinFailed(.client(error)), .closeTransport,
                ]
            }
        case .abort(let abort):
            return [.joinFailed(.wamp(WAMPError(abort.reason, details: abort.details))), .closeTransport]
        default:
            let violation = WAMPClientError(.protocolViolation, "unexpected \(message.type) while joining")
            return self.violation(violation) + [.joinFailed(.client(violation))]
        }
    }

    /// `REGISTER` and `SUBSCRIBE` for every durable record, after a (re)join.
    private mutating func restore() -> [ClientAction] {
        var actions: [ClientAction] = []
        for local in self.registrations.keys.sorted() {
            let record = self.registrations[local]!
            let request = self.nextRequest(.register(local))
            actions.append(.send(.register(.init(request: request, options: record.options, procedure: record.procedure))))
        }
        for local in self.subscriptions.keys.sorted() {
            let record = self.subscriptions[local]!
            let request = self.nextRequest(.subscribe(local))
            actions.append(.send(.subscribe(.init(request: request, options: record.wireOptions, topic: record.topic))))
        }
        return actions
    }

    private mutating func violation(_ error: WAMPClientError) -> [ClientAction] {
        [.send(.abort(.init(reason: WAMPErrorURI.protocolViolation, message: error.message))), .closeTransport]
    }

    private mutating func receivedWhileEstablished(_ message: WAMPMessage) -> [ClientAction] {
        switch message {
        case .result(let result):
            guard case .call(let local, let progressive)? = self.pending[result.request] else { return [] }
            let value = CallResult(args: result.payload.args ?? [], kwargs: result.payload.kwargs ?? [:], details: result.details)
            if progressive && value.isProgress {
                return [.progress(local, value)]
            }
            self.pending[result.request] = nil
            return [.succeed(local, .result(value))]

        case .error(let error):
            if error.requestType == .invocation { return [] }
            guard let pending = self.pending.removeValue(forKey: error.request) else { return [] }
            let failure = RequestFailure.wamp(
                WAMPError(
                    error.error, args: error.payload.args ?? [], kwargs: error.payload.kwargs ?? [:],
                    details: error.details))
            switch pending {
            case .call(let local, _), .publish(let local), .unregister(let local), .unsubscribe(let local):
                return [.fail(local, failure)]
            case .register(let local):
                self.registrations[local] = nil
                return [.fail(local, failure)]
            case .subscribe(let local):
                if error.error == WAMPErrorURI.recoveryIncomplete, var record = self.subscriptions[local],
                    !record.positions.isEmpty
                {
                    return self.recoveryIncomplete(local, &record, details: error.details)
                }
                self.subscriptions[local] = nil
                return [.fail(local, failure)]
            }

        case .published(let published):
            guard case .publish(let local)? = self.pending.removeValue(forKey: published.request) else { return [] }
            return [.succeed(local, .published(published.publication))]

        case .registered(let registered):
            guard case .register(let local)? = self.pending.removeValue(forKey: registered.request) else { return [] }
            guard self.registrations[local] != nil else {
                // Unregistered while REGISTER was in flight: take it back.
                let request = self.nextRequest(.unregister(local))
                return [.send(.unregister(.init(request: request, registration: registered.registration)))]
            }
            self.registrations[local]?.routerID = registered.registration
            self.registrations[local]?.confirmed = true
            self.registrationsByRouterID[registered.registration] = local
            return [.succeed(local, .registered)]

        case .unregistered(let unregistered):
            if unregistered.request == 0 {  // revoked by the router
                if let routerID = unregistered.details?["registration"]?.unsignedInteger,
                    let local = self.registrationsByRouterID.removeValue(forKey: routerID)
                {
                    self.registrations[local] = nil
                }
                return []
            }
            guard case .unregister(let local)? = self.pending.removeValue(forKey: unregistered.request) else {
                return []
            }
            return [.succeed(local, .unregistered)]

        case .subscribed(let subscribed):
            guard case .subscribe(let local)? = self.pending.removeValue(forKey: subscribed.request) else { return [] }
            guard self.subscriptions[local] != nil else {
                if self.subscriptionsByRouterID[subscribed.subscription]?.isEmpty ?? true {
                    let request = self.nextRequest(.unsubscribe(local))
                    return [.send(.unsubscribe(.init(request: request, subscription: subscribed.subscription)))]
                }
                return []
            }
            self.subscriptions[local]?.routerID = subscribed.subscription
            self.subscriptions[local]?.confirmed = true
            self.subscriptions[local]?.resumingFromReportedPositions = false
            self.subscriptionsByRouterID[subscribed.subscription, default: []].insert(local)
            return [.succeed(local, .subscribed)]

        case .unsubscribed(let unsubscribed):
            if unsubscribed.request == 0 {  // revoked by the router
                if let routerID = unsubscribed.details?["subscription"]?.unsignedInteger,
                    let locals = self.subscriptionsByRouterID.removeValue(forKey: routerID)
                {
                    for local in locals { self.subscriptions[local] = nil }
                }
                return []
            }
            guard case .unsubscribe(let local)? = self.pending.removeValue(forKey: unsubscribed.request) else {
                return []
            }
            return [.succeed(local, .unsubscribed)]

        case .event(let event):
            guard let locals = self.subscriptionsByRouterID[event.subscription], !locals.isEmpty else { return [] }
            let value = Event(
                args: event.payload.args ?? [], kwargs: event.payload.kwargs ?? [:], details: event.details,
                publication: event.publication)
            guard let position = StreamPosition(eventDetails: event.details) else {
                return [.deliver(locals.sorted(), value)]
            }
            let receivers = self.advance(locals, to: position, topic: event.details["topic"]?.stringValue)
            return receivers.isEmpty ? [] : [.deliver(receivers, value)]

        case .invocation(let invocation):
            guard let local = self.registrationsByRouterID[invocation.registration] else {
                return [
                    .send(
                        .error(
                            .init(
                                requestType: .invocation, request: invocation.request,
                                error: WAMPErrorURI.noSuchRegistration)))
                ]
            }
            self.invocations.insert(invocation.request)
            let value = Invocation(
                args: invocation.payload.args ?? [], kwargs: invocation.payload.kwargs ?? [:],
                details: invocation.details)
            return [.invoke(epoch: self.epoch, request: invocation.request, registration: local, value)]

        case .interrupt(let interrupt):
            guard self.invocations.contains(interrupt.request) else { return [] }
            if interrupt.options["mode"]?.stringValue == "killnowait" {
                // The router has already answered the caller and expects nothing more.
                self.invocations.remove(interrupt.request)
            }
            return [.interrupt(epoch: self.epoch, request: interrupt.request)]

        case .goodbye:
            self.state = .disconnected
            return [.send(.goodbye(.init(reason: WAMPErrorURI.goodbyeAndOut))), .closeTransport]

        case .abort:
            self.state = .disconnected
            return [.closeTransport]

        default:
            return self.violation(WAMPClientError(.protocolViolation, "unexpected \(message.type) in an established session"))
        }
    }

    // MARK: Streams

    /// Records a stream event's position for the local subscriptions it goes to, and returns those
    /// that have not seen it yet (an event at or before a subscription's position in the same
    /// epoch is a duplicate and is dropped).
    private mutating func advance(_ locals: Set<LocalID>, to position: StreamPosition, topic: String?) -> [LocalID] {
        var receivers: [LocalID] = []
        for local in locals.sorted() {
            guard var record = self.subscriptions[local] else { continue }
            let key = topic ?? record.topic
            if let seen = record.positions[key], seen.epoch == position.epoch, seen.offset >= position.offset {
                continue
            }
            record.positions[key] = position
            self.subscriptions[local] = record
            receivers.append(local)
        }
        return receivers
    }

    /// The router cannot resume subscription `local`: the application learns it from a marker
    /// event in the subscription's sequence (it comes before any later event), and the
    /// subscription is made again from the positions the router reported, so nothing published
    /// after the ERROR is missed while the application reloads. Should that fail too (the window
    /// moved on meanwhile, or the topic is no stream), the subscription is made without `_recover`.
    private mutating func recoveryIncomplete(_ local: LocalID, _ record: inout Subscription, details: WAMPDict)
        -> [ClientAction]
    {
        var current: [String: StreamPosition] = [:]
        if let position = StreamPosition(.dict(details)) {
            current[record.topic] = position
        } else if let positions = details["positions"]?.dictValue {
            for (topic, value) in positions { current[topic] = StreamPosition(value) }
        }
        var actions: [ClientAction] = []
        if !record.resumingFromReportedPositions {
            let marker = Event(details: details, recoveryIncomplete: RecoveryIncomplete(current: current))
            actions.append(.deliver([local], marker))
            record.positions = current
        } else {
            record.positions = [:]
        }
        record.resumingFromReportedPositions = !record.positions.isEmpty
        self.subscriptions[local] = record
        let request = self.nextRequest(.subscribe(local))
        actions.append(.send(.subscribe(.init(request: request, options: record.wireOptions, topic: record.topic))))
        return actions
    }

    // MARK: Helpers

    static func payload(_ args: WAMPList, _ kwargs: WAMPDict) -> Payload {
        if !kwargs.isEmpty { return .values(args: args, kwargs: kwargs) }
        if !args.isEmpty { return .values(args: args, kwargs: nil) }
        return .empty
    }

    /// The roles and features this client announces in `HELLO`.
    static let roles: WAMPValue = [
        "caller": ["features": ["progressive_call_results": true, "call_canceling": true, "call_timeout": true]],
        "callee": [
            "features": [
                "progressive_call_results": true, "call_canceling": true, "pattern_based_registration": true,
                "shared_registration": true, "caller_identification": true,
            ]
        ],
        "publisher": ["features": ["publisher_exclusion": true, "publisher_identification": true]],
        "subscriber": ["features": ["pattern_based_subscription": true, "publisher_identification": true]],
    ]
}
