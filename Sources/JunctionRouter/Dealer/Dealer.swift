import WAMPCore

/// Registration and in-flight call bookkeeping of one realm.
///
/// A value type with no I/O. Invocation request ids are session-scoped per callee: sequential from
/// 1, which also lets the dealer tell a YIELD for a stale invocation (dropped silently) from one
/// for an invocation it never issued (a protocol violation). Procedures are matched through
/// `URIPatternIndex` (exact, then longest prefix, then most specific wildcard).
///
/// The realm keeps it in a class property; a query it makes per call is `@inline(__always)`, so
/// it reads the one map it needs instead of copying the whole dealer (a retain and release of
/// every map) for the call.
struct Dealer {
    struct Callee: Hashable {
        let session: UInt64
        /// `REGISTER.Options.disclose_caller`.
        let discloseCaller: Bool
        /// `REGISTER.Options.forward_timeout`.
        let forwardTimeout: Bool
    }

    struct Registration {
        let id: UInt64
        let procedure: String
        let match: MatchPolicy
        let invoke: InvocationPolicy
        /// When the registration was created, ISO 8601 (for the meta API).
        let created: String
        /// In registration order: `first` takes the head, `last` the tail.
        var callees: [Callee]
        var nextRoundRobin = 0
    }

    /// Identifies an invocation from the callee's side: `(callee session, INVOCATION.Request)`.
    struct InvocationKey: Hashable {
        let callee: UInt64
        let request: UInt64

        /// Hashed like `IDKey` (no SipHash on the per-call path).
        func _rawHashValue(seed: Int) -> Int {
            IDKey(self.callee &* 0x9E37_79B9_7F4A_7C15 ^ self.request)._rawHashValue(seed: seed)
        }
    }

    struct PendingCall {
        let caller: UInt64
        let callerRequest: UInt64
        let registration: UInt64
        let callee: UInt64
        let invocationRequest: UInt64
        let procedure: String
        /// `CALL.Options.receive_progress`: progressive YIELDs become progressive RESULTs.
        let receiveProgress: Bool
        /// Started with `CALL.Options.progress` (progressive call invocations).
        let progressive: Bool
        /// The caller is still sending progressive CALLs.
        var callerStreaming: Bool
        /// A CANCEL with mode `kill` was sent on: a second CANCEL changes nothing.
        var killRequested = false
        /// When the CALL was routed (`NIODeadline` uptime), for the call-duration histogram.
        var startedAt: UInt64 = 0

        var key: InvocationKey { InvocationKey(callee: self.callee, request: self.invocationRequest) }
    }

    private(set) var registrations: IDMap<Registration> = [:]
    private var index = URIPatternIndex()
    private var bySession: [IDKey: Set<UInt64>] = [:]
    private let registrationIDs: RandomIDGenerator
    private var invocationIDs: IDMap<SequentialIDGenerator> = [:]
    private var lastInvocationID: IDMap<UInt64> = [:]
    private(set) var pending: [InvocationKey: PendingCall] = [:]
    /// Per caller: `CALL.Request` → invocation, for CANCEL and progressive continuations.
    /// (Nested maps are plain dictionaries keyed by `IDKey`: mutated through `IDMap`'s accessors
    /// the inner collection was copied, an allocation per call.)
    private var pendingByCaller: [IDKey: [IDKey: InvocationKey]] = [:]
    private var pendingByCallee: [IDKey: Set<InvocationKey>] = [:]
    /// Per caller: request ids of recently finished progressive calls, so a late continuation is
    /// dropped instead of starting a new call (the spec's grace-period table, bounded by count).
    private var finishedProgressive: IDMap<[UInt64]> = [:]
    static let finishedProgressiveMemory = 64

    init(ids: RandomIDGenerator = RandomIDGenerator()) {
        self.registrationIDs = ids
    }

    enum RegisterOutcome: Equatable {
        case registered(UInt64, created: Bool)
        case alreadyExists
        /// The procedure is registered with another invocation policy.
        case policyMismatch(InvocationPolicy)
    }

    mutating func register(
        session: UInt64, procedure: String, match: MatchPolicy, invoke: InvocationPolicy, callee: Callee, now: String,
        preferredID: UInt64? = nil
    ) -> RegisterOutcome {
        if let id = self.index.id(for: procedure, match: match), var registration = self.registrations[id] {
            guard registration.invoke == invoke else { return .policyMismatch(registration.invoke) }
            if invoke == .single || registration.callees.contains(where: { $0.session == session }) {
                return .alreadyExists
            }
            registration.callees.append(callee)
            self.registrations[id] = registration
            self.bySession[IDKey(session), default: []].insert(id)
            return .registered(id, created: false)
        }
        // A registration mirrored from another node keeps that node's id when it is free here, so
        // the meta API mostly shows one id per registration cluster-wide.
        let id =
            preferredID.flatMap { $0 > 0 && $0 <= 1 << 53 && self.registrations[$0] == nil ? $0 : nil }
            ?? self.registrationIDs.next { self.registrations[$0] != nil }
        self.registrations[id] = Registration(
            id: id, procedure: procedure, match: match, invoke: invoke, created: now, callees: [callee])
        self.index.insert(procedure, match: match, id: id)
        self.bySession[IDKey(session), default: []].insert(id)
        return .registered(id, created: true)
    }

    /// Removes `session` from a registration; `nil` when it is not a callee of it. `deleted` says
    /// whether the registration went away with its last callee.
    mutating func unregister(session: UInt64, registration id: UInt64) -> (registration: Registration, deleted: Bool)? {
        guard var registration = self.registrations[id],
            let position = registration.callees.firstIndex(where: { $0.session == session })
        else { return nil }
        registration.callees.remove(at: position)
        self.bySession[IDKey(session)]?.remove(id)
        if self.bySession[IDKey(session)]?.isEmpty == true { self.bySession[IDKey(session)] = nil }
        if registration.callees.isEmpty {
            self.registrations[id] = nil
            self.index.remove(registration.procedure, match: registration.match)
            return (registration, true)
        }
        if registration.nextRoundRobin >= registration.callees.count { registration.nextRoundRobin = 0 }
        self.registrations[id] = registration
        return (registration, false)
    }

    /// The registration a call to `procedure` goes to. `mutating` only so the realm calls it in
    /// place: a non-mutating call that reaches the (not inlined) pattern index made Swift copy
    /// the whole dealer first, on every CALL.
    mutating func registration(for procedure: String) -> Registration? {
        guard let id = self.index.bestMatch(for: procedure) else { return nil }
        return self.registrations[id]
    }

    /// The registration for exactly this pattern (`wamp.registration.lookup`).
    func lookup(_ procedure: String, match: MatchPolicy) -> UInt64? {
        self.index.id(for: procedure, match: match)
    }

    @inline(__always)
    func registrationIDs(of session: UInt64) -> Set<UInt64> {
        self.bySession[IDKey(session)] ?? []
    }

    /// Picks the callee for a new call per the registration's invocation policy.
    mutating func pickCallee(of id: UInt64) -> Callee? {
        guard var registration = self.registrations[id], !registration.callees.isEmpty else { return nil }
        switch registration.invoke {
        case .single, .first:
            return registration.callees.first
        case .last:
            return registration.callees.last
        case .random:
            return registration.callees.randomElement()
        case .roundrobin:
            let index = registration.nextRoundRobin % registration.callees.count
            registration.nextRoundRobin = (index + 1) % registration.callees.count
            self.registrations[id] = registration
            return registration.callees[index]
        }
    }

    /// How many calls `caller` has in flight.
    @inline(__always)
    func pendingCount(caller: UInt64) -> Int {
        self.pendingByCaller[IDKey(caller)]?.count ?? 0
    }

    /// The in-flight call a caller's request refers to (CANCEL, progressive continuation).
    @inline(__always)
    func pendingCall(caller: UInt64, request: UInt64) -> PendingCall? {
        guard let key = self.pendingByCaller[IDKey(caller)]?[IDKey(request)] else { return nil }
        return self.pending[key]
    }

    /// Whether `request` is a progressive call of `caller` that finished recently.
    @inline(__always)
    func isFinishedProgressive(caller: UInt64, request: UInt64) -> Bool {
        self.finishedProgressive[caller]?.contains(request) ?? false
    }

    /// Records a call routed to `callee` and returns the INVOCATION request id.
    mutating func startInvocation(
        caller: UInt64, callerRequest: UInt64, registration: Registration, callee: UInt64, procedure: String,
        receiveProgress: Bool, callerStreaming: Bool, startedAt: UInt64 = 0
    ) -> UInt64 {
        let request = self.invocationIDs[callee, default: SequentialIDGenerator()].next()
        self.lastInvocationID[callee] = request
        let key = InvocationKey(callee: callee, request: request)
        self.pending[key] = PendingCall(
            caller: caller, callerRequest: callerRequest, registration: registration.id, callee: callee,
            invocationRequest: request, procedure: procedure, receiveProgress: receiveProgress,
            progressive: callerStreaming, callerStreaming: callerStreaming, startedAt: startedAt)
        self.pendingByCaller[IDKey(caller), default: [:]][IDKey(callerRequest)] = key
        self.pendingByCallee[IDKey(callee), default: []].insert(key)
        return request
    }

    /// A progressive CALL continued an in-flight call; `streaming` false ends the caller's stream.
    mutating func continueInvocation(_ key: InvocationKey, streaming: Bool) {
        self.pending[key]?.callerStreaming = streaming
    }

    mutating func markKillRequested(_ key: InvocationKey) {
        self.pending[key]?.killRequested = true
    }

    enum CompletionOutcome {
        case completed(PendingCall)
        /// A progressive YIELD: the call stays in flight.
        case progress(PendingCall)
        /// An invocation the dealer issued but no longer tracks (caller left, canceled, timed
        /// out): drop silently.
        case stale
        /// An invocation id the dealer never issued to this callee: a protocol violation.
        case neverIssued
    }

    /// Ends (or, for a progressive YIELD, continues) an invocation answered by `callee`.
    mutating func completeInvocation(callee: UInt64, request: UInt64, progress: Bool = false) -> CompletionOutcome {
        let key = InvocationKey(callee: callee, request: request)
        guard let call = self.pending[key] else {
            return request <= self.lastInvocationID[callee, default: 0] ? .stale : .neverIssued
        }
        if progress { return .progress(call) }
        return .completed(self.forget(key)!)
    }

    /// Forgets an in-flight call (completed, canceled, timed out) and returns it.
    @discardableResult
    mutating func forget(_ key: InvocationKey) -> PendingCall? {
        guard let call = self.pending.removeValue(forKey: key) else { return nil }
        let caller = IDKey(call.caller)
        let callee = IDKey(call.callee)
        self.pendingByCaller[caller]?[IDKey(call.callerRequest)] = nil
        if self.pendingByCaller[caller]?.isEmpty == true { self.pendingByCaller[caller] = nil }
        self.pendingByCallee[callee]?.remove(key)
        if self.pendingByCallee[callee]?.isEmpty == true { self.pendingByCallee[callee] = nil }
        if call.progressive { self.rememberProgressive(caller: call.caller, request: call.callerRequest) }
        return call
    }

    /// Remembers a finished progressive call's request id for late continuations.
    mutating func rememberProgressive(caller: UInt64, request: UInt64) {
        var finished = self.finishedProgressive[caller] ?? []
        finished.append(request)
        if finished.count > Self.finishedProgressiveMemory { finished.removeFirst() }
        self.finishedProgressive[caller] = finished
    }

    /// What a session's departure ends: calls it was serving (their callers get an ERROR), calls
    /// it made (their callees may get an INTERRUPT), and its registrations.
    struct Departure {
        var orphanedCalls: [PendingCall] = []
        var abandonedCalls: [PendingCall] = []
        var registrations: [(registration: Registration, deleted: Bool)] = []
    }

    /// Forgets everything of a session that left.
    mutating func removeSession(_ session: UInt64) -> Departure {
        var departure = Departure()
        for key in (self.pendingByCaller[IDKey(session)] ?? [:]).values {
            if let call = self.forget(key) { departure.abandonedCalls.append(call) }
        }
        for key in self.pendingByCallee[IDKey(session)] ?? [] {
            if let call = self.forget(key) { departure.orphanedCalls.append(call) }
        }
        self.finishedProgressive[session] = nil
        self.invocationIDs[session] = nil
        self.lastInvocationID[session] = nil
        for id in (self.bySession[IDKey(session)] ?? []).sorted() {
            if let removed = self.unregister(session: session, registration: id) {
                departure.registrations.append(removed)
            }
        }
        departure.orphanedCalls.sort { $0.callerRequest < $1.callerRequest }
        departure.abandonedCalls.sort { $0.invocationRequest < $1.invocationRequest }
        return departure
    }

    /// The keys of every call in flight to `callee`.
    func pendingKeys(callee: UInt64) -> [InvocationKey] {
        (self.pendingByCallee[IDKey(callee)] ?? []).sorted { $0.request < $1.request }
    }

    /// The keys of calls in flight to `callee` on one registration (used when it is revoked).
    func pendingKeys(callee: UInt64, registration: UInt64) -> [InvocationKey] {
        (self.pendingByCallee[IDKey(callee)] ?? []).filter { self.pending[$0]?.registration == registration }
            .sorted { $0.request < $1.request }
    }
}
