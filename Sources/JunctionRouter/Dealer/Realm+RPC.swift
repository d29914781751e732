import NIOCore
import WAMPCore

extension Realm {
    func handleRegister(_ register: WAMPMessage.Register, from record: SessionRecord) {
        let match = register.options["match"]?.stringValue.flatMap(MatchPolicy.init(rawValue:)) ?? .exact
        let invoke = register.options["invoke"]?.stringValue.flatMap(InvocationPolicy.init(rawValue:)) ?? .single
        guard self.isValidURI(register.procedure, match: match), !URIValidation.isReserved(register.procedure) else {
            self.reply(
                record, error: WAMPErrorURI.invalidURI, to: .register, request: register.request,
                message: "invalid procedure URI '\(register.procedure)'")
            return
        }
        guard
            let decision = self.authorize(
                record, .register, register.procedure, options: register.options, message: .register(register))
        else { return }
        guard decision.allowed else {
            self.reply(record, error: WAMPErrorURI.notAuthorized, to: .register, request: register.request)
            return
        }
        let limit = record.limits.maxRegistrations
        guard self.dealer.registrationIDs(of: record.id).count < limit else {
            self.reply(
                record, error: WAMPErrorURI.limitExceeded, to: .register, request: register.request,
                message: "at most \(limit) registrations per session")
            return
        }
        if register.options["force_reregister"]?.boolValue == true,
            let existing = self.dealer.lookup(register.procedure, match: match)
        {
            for callee in self.dealer.registrations[existing]?.callees ?? [] where callee.session != record.id {
                self.revokeRegistration(existing, of: callee.session, reason: "replaced by a forced re-registration")
            }
        }
        if invoke == .single, !record.unlisted, self.clusterRPC != nil,
            self.dealer.lookup(register.procedure, match: match) == nil
        {
            // Single registrations are unique cluster-wide: claimed in Redis first (see
            // `Realm+ClusterClaim.swift`), then registered here.
            self.claimThenRegister(register, from: record, match: match)
            return
        }
        self.completeRegister(register, from: record, match: match, invoke: invoke)
    }

    /// Registers a callee whose REGISTER passed every check (and, clustered, whose single
    /// registration was claimed).
    func completeRegister(
        _ register: WAMPMessage.Register, from record: SessionRecord, match: MatchPolicy, invoke: InvocationPolicy
    ) {
        let callee = Dealer.Callee(
            session: record.id, discloseCaller: register.options["disclose_caller"]?.boolValue ?? false,
            forwardTimeout: register.options["forward_timeout"]?.boolValue ?? false)
        switch self.dealer.register(
            session: record.id, procedure: register.procedure, match: match, invoke: invoke, callee: callee,
            now: self.timestamp())
        {
        case .registered(let id, let created):
            record.peer.send(.registered(.init(request: register.request, registration: id)))
            self.authorizerRegistered(register.procedure)
            if created, let registration = self.dealer.registrations[id] {
                self.publishMetaEvent(
                    MetaTopic.registrationOnCreate, args: [.uint(record.id), .dict(Self.metaDetails(of: registration))])
            }
            self.publishMetaEvent(MetaTopic.registrationOnRegister, args: [.uint(record.id), .uint(id)])
        case .alreadyExists:
            self.reply(
                record, error: WAMPErrorURI.procedureAlreadyExists, to: .register, request: register.request,
                message: "a procedure is already registered for '\(register.procedure)'")
        case .policyMismatch(let existing):
            self.reply(
                record, error: WAMPErrorURI.procedureExistsWithDifferentInvocationPolicy, to: .register,
                request: register.request,
                message: "'\(register.procedure)' is registered with invoke '\(existing.rawValue)', not '\(invoke.rawValue)'")
        }
    }

    func handleUnregister(_ unregister: WAMPMessage.Unregister, from record: SessionRecord) {
        guard self.removeCallee(record.id, from: unregister.registration) else {
            self.reply(
                record, error: WAMPErrorURI.noSuchRegistration, to: .unregister, request: unregister.request)
            return
        }
        record.peer.send(.unregistered(.init(request: unregister.request)))
    }

    /// Takes a callee out of a registration, with the meta events the spec asks for (`announce`:
    /// not for another node's callee, whose own node raises them for the whole cluster).
    @discardableResult
    func removeCallee(_ session: UInt64, from registration: UInt64, announce: Bool = true) -> Bool {
        guard let (removed, deleted) = self.dealer.unregister(session: session, registration: registration) else {
            return false
        }
        if announce {
            self.publishMetaEvent(MetaTopic.registrationOnUnregister, args: [.uint(session), .uint(registration)])
        }
        if deleted {
            if announce {
                self.publishMetaEvent(MetaTopic.registrationOnDelete, args: [.uint(session), .uint(registration)])
            }
            if self.sessions[session] != nil { self.releaseClusterClaim(of: removed) }
        }
        return true
    }

    func handleCall(_ call: WAMPMessage.Call, from record: SessionRecord) {
        let progress = call.options["progress"]?.boolValue ?? false
        if let inFlight = self.dealer.pendingCall(caller: record.id, request: call.request) {
            guard inFlight.callerStreaming, inFlight.procedure == call.procedure else {
                self.abort(record, message: "CALL reuses request id \(call.request) of a call in flight")
                return
            }
            self.continueProgressiveCall(inFlight, with: call, progress: progress)
            return
        }
        if self.dealer.isFinishedProgressive(caller: record.id, request: call.request) {
            // A continuation that crossed the call's completion: the caller gets (or got) its
            // RESULT or ERROR from the original call, so this is dropped without an answer.
            return
        }
        if progress, !record.supports(.callerProgressiveCallInvocations) {
            self.abort(record, message: "CALL with progress without announcing progressive_call_invocations")
            return
        }
        if Self.usesPassthru(call.options), !record.supports(.callerPassthru) {
            self.abort(record, message: "CALL in payload passthru mode without announcing payload_passthru_mode")
            return
        }
        guard self.isValidURI(call.procedure) else {
            self.reply(
                record, error: WAMPErrorURI.invalidURI, to: .call, request: call.request,
                message: "invalid procedure URI '\(call.procedure)'")
            return
        }
        guard let decision = self.authorize(record, .call, call.procedure, options: call.options, message: .call(call))
        else { return }
        guard decision.allowed else {
            self.reply(record, error: WAMPErrorURI.notAuthorized, to: .call, request: call.request)
            return
        }
        let discloseMe = call.options["disclose_me"]?.boolValue ?? false
        if discloseMe, self.configuration.disclosure == .refuse {
            self.reply(
                record, error: WAMPErrorURI.discloseMeNotAllowed, to: .call, request: call.request,
                message: "this realm does not disclose callers")
            return
        }
        if URIValidation.isReserved(call.procedure) || call.procedure == Self.clusterNodesProcedure {
            if !self.handleMetaCall(call, from: record) {
                self.reply(
                    record, error: WAMPErrorURI.noSuchProcedure, to: .call, request: call.request,
                    message: "no meta procedure '\(call.procedure)'")
            }
            return
        }
        let limit = record.limits.maxPendingCalls
        guard self.dealer.pendingCount(caller: record.id) < limit else {
            self.reply(
                record, error: WAMPErrorURI.limitExceeded, to: .call, request: call.request,
                message: "at most \(limit) calls in flight per session")
            return
        }
        guard let registration = self.dealer.registration(for: call.procedure),
            let chosen = self.dealer.pickCallee(of: registration.id),
            let callee = self.rpcParty(chosen.session)
        else {
            self.reply(
                record, error: WAMPErrorURI.noSuchProcedure, to: .call, request: call.request,
                message: "no callee registered for procedure '\(call.procedure)'")
            return
        }
        if progress, !callee.supports([.calleeProgressiveCallInvocations, .calleeCallCanceling]) {
            self.reply(
                record, error: WAMPErrorURI.featureNotSupported, to: .call, request: call.request,
                message: "the callee does not support progressive call invocations")
            return
        }
        if Self.usesPassthru(call.options), !callee.supports(.calleePassthru) {
            self.reply(
                record, error: WAMPErrorURI.featureNotSupported, to: .call, request: call.request,
                message: "the callee does not support payload passthru mode")
            return
        }
        let timeout = call.options["timeout"]?.unsignedInteger ?? 0
        let receiveProgress =
            (call.options["receive_progress"]?.boolValue ?? false)
            && callee.supports(.calleeProgressiveCallResults)
        var details: WAMPDict = [:]
        let disclose: Bool
        switch self.configuration.disclosure {
        case .onRequest: disclose = discloseMe || chosen.discloseCaller || decision.disclose
        case .refuse: disclose = false
        case .always: disclose = true
        }
        if disclose {
            details["caller"] = .uint(record.id)
            details["caller_authid"] = .string(record.authid)
            details["caller_authrole"] = .string(record.authrole)
        }
        if registration.match != .exact { details["procedure"] = .string(call.procedure) }
        if receiveProgress { details["receive_progress"] = true }
        if progress { details["progress"] = true }
        if timeout > 0, callee.supports(.calleeCallTimeout) { details["timeout"] = .uint(timeout) }
        if let level = self.configuration.trustLevels[record.authrole] {
            details["trustlevel"] = .uint(UInt64(max(0, level)))
        }
        Self.copyPassthruOptions(from: call.options, into: &details)
        let request = self.dealer.startInvocation(
            caller: record.id, callerRequest: call.request, registration: registration, callee: callee.id,
            procedure: call.procedure, receiveProgress: receiveProgress, callerStreaming: progress,
            startedAt: NIODeadline.now().uptimeNanoseconds)
        self.counters.callsRouted += 1
        if timeout > 0 {
            self.startTimer(Dealer.InvocationKey(callee: callee.id, request: request), milliseconds: timeout)
        }
        callee.peer.send(
            .invocation(.init(request: request, registration: registration.id, details: details, payload: call.payload)))
    }

    /// A CALL with the request id of a progressive call in flight: one more chunk for the same
    /// callee, under the same INVOCATION request id.
    private func continueProgressiveCall(_ call: Dealer.PendingCall, with message: WAMPMessage.Call, progress: Bool) {
        self.dealer.continueInvocation(call.key, streaming: progress)
        var details: WAMPDict = progress ? ["progress": true] : [:]
        if self.dealer.registrations[call.registration]?.match != .exact {
            details["procedure"] = .string(call.procedure)
        }
        Self.copyPassthruOptions(from: message.options, into: &details)
        self.rpcParty(call.callee)?.peer.send(
            .invocation(
                .init(
                    request: call.invocationRequest, registration: call.registration, details: details,
                    payload: message.payload)))
    }

    func handleYield(_ yield: WAMPMessage.Yield, from record: SessionRecord) {
        if Self.usesPassthru(yield.options), !record.supports(.calleePassthru) {
            self.abort(record, message: "YIELD in payload passthru mode without announcing payload_passthru_mode")
            return
        }
        let progress = yield.options["progress"]?.boolValue ?? false
        var details: WAMPDict = [:]
        Self.copyPassthruOptions(from: yield.options, into: &details)
        switch self.dealer.completeInvocation(callee: record.id, request: yield.request, progress: progress) {
        case .progress(let call):
            // Progressive results go only to callers that asked for them.
            guard call.receiveProgress else { return }
            details["progress"] = true
            self.rpcParty(call.caller)?.peer.send(
                .result(.init(request: call.callerRequest, details: details, payload: yield.payload)))
        case .completed(let call):
            self.cancelTimer(call.key)
            self.callEnded(call)
            self.rpcParty(call.caller)?.peer.send(
                .result(.init(request: call.callerRequest, details: details, payload: yield.payload)))
        case .stale:
            break
        case .neverIssued:
            self.abort(record, message: "YIELD for invocation \(yield.request) that was never issued")
        }
    }

    func handleInvocationError(_ error: WAMPMessage.Error, from record: SessionRecord) {
        switch self.dealer.completeInvocation(callee: record.id, request: error.request) {
        case .completed(let call), .progress(let call):
            self.cancelTimer(call.key)
            self.callEnded(call)
            self.rpcParty(call.caller)?.peer.send(
                .error(
                    .init(
                        requestType: .call, request: call.callerRequest, details: error.details, error: error.error,
                        payload: error.payload)))
        case .stale:
            break
        case .neverIssued:
            self.abort(record, message: "ERROR for invocation \(error.request) that was never issued")
        }
    }

    /// CANCEL: `skip` and `killnowait` answer the caller at once and drop the callee's late
    /// answer; `kill` interrupts the callee and forwards its answer. A callee that does not
    /// support call canceling is treated as `skip`. A CANCEL for a call that already ended is
    /// ignored (its answer crossed the CANCEL).
    func handleCancel(_ cancel: WAMPMessage.Cancel, from record: SessionRecord) {
        guard let call = self.dealer.pendingCall(caller: record.id, request: cancel.request) else { return }
        var mode = cancel.options["mode"]?.stringValue.flatMap(CancelMode.init(rawValue:)) ?? .killnowait
        if self.rpcParty(call.callee)?.supports(.calleeCallCanceling) != true { mode = .skip }
        switch mode {
        case .skip, .killnowait:
            self.dealer.forget(call.key)
            self.cancelTimer(call.key)
            record.peer.send(
                .error(
                    .init(
                        requestType: .call, request: call.callerRequest, error: WAMPErrorURI.canceled,
                        payload: .init(args: ["the call was canceled"]))))
            if mode == .killnowait { self.interrupt(call, mode: .killnowait, reason: WAMPErrorURI.canceled) }
        case .kill:
            guard !call.killRequested else { return }
            self.dealer.markKillRequested(call.key)
            self.interrupt(call, mode: .kill, reason: WAMPErrorURI.canceled)
        }
    }

    /// Sends INTERRUPT for an invocation, if its callee supports call canceling.
    func interrupt(_ call: Dealer.PendingCall, mode: CancelMode, reason: String) {
        guard let callee = self.rpcParty(call.callee), callee.supports(.calleeCallCanceling) else { return }
        callee.peer.send(
            .interrupt(.init(request: call.invocationRequest, options: ["mode": .string(mode.rawValue), "reason": .string(reason)])))
    }

    /// Records how long a routed call took, from its CALL to its final answer.
    private func callEnded(_ call: Dealer.PendingCall) {
        let now = NIODeadline.now().uptimeNanoseconds
        self.counters.callDurations.observe(nanoseconds: now >= call.startedAt ? now - call.startedAt : 0)
    }

    // MARK: Call timeouts

    private func startTimer(_ key: Dealer.InvocationKey, milliseconds: UInt64) {
        let delay = TimeAmount.milliseconds(Int64(min(milliseconds, UInt64(Int64.max / 1_000_000))))
        self.callTimers[key] = self.eventLoop.scheduleTask(in: delay) { [self] in
            self.callTimedOut(key)
        }
    }

    func cancelTimer(_ key: Dealer.InvocationKey) {
        self.callTimers.removeValue(forKey: key)?.cancel()
    }

    /// The dealer's timer for a call ran out: ERROR `wamp.error.timeout` to the caller and, as
    /// for a `killnowait` cancel, INTERRUPT to a callee that supports canceling.
    private func callTimedOut(_ key: Dealer.InvocationKey) {
        self.callTimers[key] = nil
        guard let call = self.dealer.forget(key) else { return }
        self.rpcParty(call.caller)?.peer.send(
            .error(
                .init(
                    requestType: .call, request: call.callerRequest, error: WAMPErrorURI.timeout,
                    payload: .init(args: ["the call timed out"]))))
        self.interrupt(call, mode: .killnowait, reason: WAMPErrorURI.timeout)
    }

    /// Registration details as the meta API gives them.
    static func metaDetails(of registration: Dealer.Registration) -> WAMPDict {
        [
            "id": .uint(registration.id), "created": .string(registration.created),
            "uri": .string(registration.procedure), "match": .string(registration.match.rawValue),
            "invoke": .string(registration.invoke.rawValue),
        ]
    }
}
