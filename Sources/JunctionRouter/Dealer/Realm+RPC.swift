import WAMPCore

extension Realm {
    func handleRegister(_ register: WAMPMessage.Register, from record: SessionRecord) {
        let match = register.options["match"]?.stringValue.flatMap(MatchPolicy.init(rawValue:)) ?? .exact
        let invoke = register.options["invoke"]?.stringValue ?? "single"
        guard match == .exact, invoke == "single" else {
            self.reply(
                record, error: WAMPErrorURI.invalidArgument, to: .register, request: register.request,
                message: "only exact, single registrations are supported")
            return
        }
        guard self.isValidURI(register.procedure), !URIValidation.isReserved(register.procedure) else {
            self.reply(
                record, error: WAMPErrorURI.invalidURI, to: .register, request: register.request,
                message: "invalid procedure URI '\(register.procedure)'")
            return
        }
        guard record.role.allows(.register, on: register.procedure) else {
            self.reply(record, error: WAMPErrorURI.notAuthorized, to: .register, request: register.request)
            return
        }
        switch self.dealer.register(session: record.id, procedure: register.procedure, options: register.options) {
        case .registered(let id):
            record.peer.send(.registered(.init(request: register.request, registration: id)))
        case .alreadyExists:
            self.reply(
                record, error: WAMPErrorURI.procedureAlreadyExists, to: .register, request: register.request,
                message: "a procedure is already registered for '\(register.procedure)'")
        }
    }

    func handleUnregister(_ unregister: WAMPMessage.Unregister, from record: SessionRecord) {
        guard self.dealer.unregister(session: record.id, registration: unregister.registration) != nil else {
            self.reply(
                record, error: WAMPErrorURI.noSuchRegistration, to: .unregister, request: unregister.request)
            return
        }
        record.peer.send(.unregistered(.init(request: unregister.request)))
    }

    func handleCall(_ call: WAMPMessage.Call, from record: SessionRecord) {
        guard self.isValidURI(call.procedure) else {
            self.reply(
                record, error: WAMPErrorURI.invalidURI, to: .call, request: call.request,
                message: "invalid procedure URI '\(call.procedure)'")
            return
        }
        guard record.role.allows(.call, on: call.procedure) else {
            self.reply(record, error: WAMPErrorURI.notAuthorized, to: .call, request: call.request)
            return
        }
        guard let registration = self.dealer.registration(for: call.procedure),
            let callee = self.sessions[registration.callee]
        else {
            self.reply(
                record, error: WAMPErrorURI.noSuchProcedure, to: .call, request: call.request,
                message: "no callee registered for procedure '\(call.procedure)'")
            return
        }
        let request = self.dealer.startInvocation(
            caller: record.id, callerRequest: call.request, registration: registration)
        callee.peer.send(
            .invocation(.init(request: request, registration: registration.id, details: [:], payload: call.payload)))
    }

    func handleYield(_ yield: WAMPMessage.Yield, from record: SessionRecord) {
        switch self.dealer.completeInvocation(callee: record.id, request: yield.request) {
        case .completed(let call):
            self.sessions[call.caller]?.peer.send(
                .result(.init(request: call.callerRequest, details: [:], payload: yield.payload)))
        case .stale:
            break
        case .neverIssued:
            self.abort(record, message: "YIELD for invocation \(yield.request) that was never issued")
        }
    }

    func handleInvocationError(_ error: WAMPMessage.Error, from record: SessionRecord) {
        switch self.dealer.completeInvocation(callee: record.id, request: error.request) {
        case .completed(let call):
            self.sessions[call.caller]?.peer.send(
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
}
