/// The calls another node forwarded to this node's callees, on the callee's side: each is known
/// to the caller's node as `(callee, request)` (its INVOCATION request id for that callee) and to
/// this node's dealer as a call of the caller node's proxy session with request id `local`.
///
/// Pure: the proxy caller keeps one table and translates in both directions.
struct RemoteCallTable {
    struct RemoteKey: Hashable {
        let callee: UInt64
        let request: UInt64
    }

    private var byRemote: [RemoteKey: UInt64] = [:]
    private var byLocal: [UInt64: RemoteKey] = [:]
    private var nextLocal: UInt64 = 0

    var count: Int { self.byLocal.count }

    /// A new call: the request id the proxy caller uses for it in this node's dealer.
    mutating func start(callee: UInt64, request: UInt64) -> UInt64 {
        self.nextLocal = self.nextLocal == WAMPIDBound.max ? 1 : self.nextLocal + 1
        let key = RemoteKey(callee: callee, request: request)
        self.byRemote[key] = self.nextLocal
        self.byLocal[self.nextLocal] = key
        return self.nextLocal
    }

    /// The local request id of a call the caller's node still refers to (progressive chunk, interrupt).
    func local(callee: UInt64, request: UInt64) -> UInt64? {
        self.byRemote[RemoteKey(callee: callee, request: request)]
    }

    /// What the caller's node calls this call; `finished` forgets it (final result or error).
    mutating func remote(local: UInt64, finished: Bool) -> RemoteKey? {
        guard let key = self.byLocal[local] else { return nil }
        if finished {
            self.byLocal[local] = nil
            self.byRemote[key] = nil
        }
        return key
    }
}

/// WAMP ids are at most 2^53.
enum WAMPIDBound {
    static let max: UInt64 = 1 << 53
}
