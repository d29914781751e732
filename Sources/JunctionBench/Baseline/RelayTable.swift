/// The relay's bookkeeping on one event loop, kept free of NIO so it can be tested on its own:
/// the callees (picked round robin) and the invocations waiting for their YIELD.
///
/// Every loop of the baseline server has one. The callee list is replicated on every loop, so a
/// CALL picks its callee without leaving its own loop. An invocation is remembered by the table
/// of the *callee's* loop, where its YIELD will arrive. Invocation ids are drawn on the caller's
/// loop: `loopIndex + 1`, then steps of `loopCount`, so ids from different loops never collide
/// in one table (and stay below 2^53 for centuries at any rate this machine reaches).
///
/// There is no WAMP state beyond this: no procedures (any REGISTER makes a callee, any CALL goes
/// to the next one), no registration ids, no timeouts, no cancellation.
struct RelayTable<Callee, Caller> {
    private struct Pending {
        var callee: ObjectIdentifier
        var callerID: ObjectIdentifier
        var caller: Caller
        var request: UInt64
    }

    private var callees: [(id: ObjectIdentifier, callee: Callee)] = []
    private var cursor = 0
    private var nextInvocation: UInt64
    private let stride: UInt64
    private var pending: [UInt64: Pending] = [:]

    init(loopIndex: Int = 0, loopCount: Int = 1) {
        precondition(loopIndex >= 0 && loopIndex < loopCount, "loop index out of range")
        self.nextInvocation = UInt64(loopIndex) + 1
        self.stride = UInt64(loopCount)
    }

    var calleeCount: Int { self.callees.count }
    var pendingCount: Int { self.pending.count }

    /// Adds a callee; a connection that registers again is still one callee.
    mutating func addCallee(_ callee: Callee, id: ObjectIdentifier) {
        guard !self.callees.contains(where: { $0.id == id }) else { return }
        self.callees.append((id, callee))
    }

    /// Removes a callee (it closed) and forgets the invocations sent to it: they will never be
    /// answered, and their callers get nothing (the relay does not send an ERROR for them).
    mutating func removeCallee(id: ObjectIdentifier) {
        if let index = self.callees.firstIndex(where: { $0.id == id }) {
            self.callees.remove(at: index)
            if self.cursor > index { self.cursor -= 1 }
        }
        if self.pending.values.contains(where: { $0.callee == id }) {
            self.pending = self.pending.filter { $0.value.callee != id }
        }
    }

    /// The next callee, round robin, among those `accepts` takes (the caller's serializer: argument
    /// bytes are copied, not re-encoded). Nil if there is none.
    @inline(__always)
    mutating func nextCallee(where accepts: (Callee) -> Bool) -> Callee? {
        let count = self.callees.count
        var index = self.cursor < count ? self.cursor : 0
        for _ in 0..<count {
            let candidate = self.callees[index].callee
            index += 1
            if index == count { index = 0 }
            if accepts(candidate) {
                self.cursor = index
                return candidate
            }
        }
        return nil
    }

    /// A fresh invocation id, unique across all loops' tables.
    @inline(__always)
    mutating func nextInvocationID() -> UInt64 {
        let id = self.nextInvocation
        self.nextInvocation &+= self.stride
        return id
    }

    /// Remembers that `invocation` went to `callee` for `caller`'s call `request` (on the callee's loop).
    @inline(__always)
    mutating func remember(
        _ invocation: UInt64, callee: ObjectIdentifier, caller: Caller, callerID: ObjectIdentifier, request: UInt64
    ) {
        self.pending[invocation] = Pending(callee: callee, callerID: callerID, caller: caller, request: request)
    }

    /// The caller and request a YIELD answers, forgetting the invocation; nil if unknown or if
    /// `callee` is not the connection the invocation went to.
    @inline(__always)
    mutating func yield(_ invocation: UInt64, from callee: ObjectIdentifier) -> (caller: Caller, request: UInt64)? {
        guard let entry = self.pending.removeValue(forKey: invocation) else { return nil }
        guard entry.callee == callee else {
            self.pending[invocation] = entry  // someone else's invocation: leave it for its callee
            return nil
        }
        return (entry.caller, entry.request)
    }

    /// Forgets the calls of a caller that closed: their YIELDs will find nothing to answer.
    mutating func dropCalls(from callerID: ObjectIdentifier) {
        if self.pending.values.contains(where: { $0.callerID == callerID }) {
            self.pending = self.pending.filter { $0.value.callerID != callerID }
        }
    }
}
