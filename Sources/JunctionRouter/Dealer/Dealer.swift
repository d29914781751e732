import WAMPCore

/// Registration and in-flight call bookkeeping of one realm.
///
/// A value type with no I/O. Invocation request ids are session-scoped per callee: sequential from
/// 1, which also lets the dealer tell a YIELD for a stale invocation (dropped silently) from one
/// for an invocation it never issued (a protocol violation).
struct Dealer {
    struct Registration {
        let id: UInt64
        let procedure: String
        let callee: UInt64
        let options: WAMPDict
    }

    /// Identifies an invocation from the callee's side: `(callee session, INVOCATION.Request)`.
    struct InvocationKey: Hashable {
        let callee: UInt64
        let request: UInt64
    }

    struct PendingCall {
        let caller: UInt64
        let callerRequest: UInt64
        let registration: UInt64
    }

    private(set) var registrations: [UInt64: Registration] = [:]
    private var byProcedure: [String: UInt64] = [:]
    private var bySession: [UInt64: Set<UInt64>] = [:]
    private var registrationIDs = SequentialIDGenerator()
    private var invocationIDs: [UInt64: SequentialIDGenerator] = [:]
    private var lastInvocationID: [UInt64: UInt64] = [:]
    private(set) var pending: [InvocationKey: PendingCall] = [:]
    private var pendingByCaller: [UInt64: Set<InvocationKey>] = [:]
    private var pendingByCallee: [UInt64: Set<InvocationKey>] = [:]

    enum RegisterOutcome {
        case registered(UInt64)
        case alreadyExists
    }

    mutating func register(session: UInt64, procedure: String, options: WAMPDict) -> RegisterOutcome {
        if self.byProcedure[procedure] != nil { return .alreadyExists }
        let id = self.registrationIDs.next()
        self.registrations[id] = Registration(id: id, procedure: procedure, callee: session, options: options)
        self.byProcedure[procedure] = id
        self.bySession[session, default: []].insert(id)
        return .registered(id)
    }

    /// Removes a registration owned by `session`; `nil` when there is no such registration of its.
    mutating func unregister(session: UInt64, registration id: UInt64) -> Registration? {
        guard let registration = self.registrations[id], registration.callee == session else { return nil }
        self.registrations[id] = nil
        self.byProcedure[registration.procedure] = nil
        self.bySession[session]?.remove(id)
        return registration
    }

    func registration(for procedure: String) -> Registration? {
        guard let id = self.byProcedure[procedure] else { return nil }
        return self.registrations[id]
    }

    /// Records a call routed to `registration` and returns the INVOCATION request id.
    mutating func startInvocation(caller: UInt64, callerRequest: UInt64, registration: Registration) -> UInt64 {
        let request = self.invocationIDs[registration.callee, default: SequentialIDGenerator()].next()
        self.lastInvocationID[registration.callee] = request
        let key = InvocationKey(callee: registration.callee, request: request)
        self.pending[key] = PendingCall(caller: caller, callerRequest: callerRequest, registration: registration.id)
        self.pendingByCaller[caller, default: []].insert(key)
        self.pendingByCallee[registration.callee, default: []].insert(key)
        return request
    }

    enum CompletionOutcome {
        case completed(PendingCall)
        /// An invocation the dealer issued but no longer tracks (its caller left): drop silently.
        case stale
        /// An invocation id the dealer never issued to this callee: a protocol violation.
        case neverIssued
    }

    /// Ends an invocation answered by YIELD or ERROR from `callee`.
    mutating func completeInvocation(callee: UInt64, request: UInt64) -> CompletionOutcome {
        let key = InvocationKey(callee: callee, request: request)
        guard let call = self.pending.removeValue(forKey: key) else {
            return request <= self.lastInvocationID[callee, default: 0] ? .stale : .neverIssued
        }
        self.pendingByCaller[call.caller]?.remove(key)
        if self.pendingByCaller[call.caller]?.isEmpty == true { self.pendingByCaller[call.caller] = nil }
        self.pendingByCallee[callee]?.remove(key)
        if self.pendingByCallee[callee]?.isEmpty == true { self.pendingByCallee[callee] = nil }
        return .completed(call)
    }

    /// Forgets everything of a session that left. Returns the calls that were waiting on it as a
    /// callee (their callers must get an ERROR) and its registrations.
    mutating func removeSession(_ session: UInt64) -> (orphanedCalls: [PendingCall], registrations: [Registration]) {
        // Calls it made: drop the pending invocations (their late YIELDs become stale).
        for key in self.pendingByCaller.removeValue(forKey: session) ?? [] {
            self.pending[key] = nil
            self.pendingByCallee[key.callee]?.remove(key)
            if self.pendingByCallee[key.callee]?.isEmpty == true { self.pendingByCallee[key.callee] = nil }
        }
        // Calls it was serving: their callers get an error.
        var orphaned: [PendingCall] = []
        for key in self.pendingByCallee.removeValue(forKey: session) ?? [] {
            guard let call = self.pending.removeValue(forKey: key) else { continue }
            self.pendingByCaller[call.caller]?.remove(key)
            if self.pendingByCaller[call.caller]?.isEmpty == true { self.pendingByCaller[call.caller] = nil }
            orphaned.append(call)
        }
        self.invocationIDs[session] = nil
        self.lastInvocationID[session] = nil
        var removed: [Registration] = []
        for id in self.bySession.removeValue(forKey: session) ?? [] {
            guard let registration = self.registrations.removeValue(forKey: id) else { continue }
            self.byProcedure[registration.procedure] = nil
            removed.append(registration)
        }
        return (orphaned.sorted { $0.callerRequest < $1.callerRequest }, removed)
    }
}
