import WAMPCore

/// A callee on another node, as this node's dealer sees it: the realm routes a CALL to it like to
/// a local callee, and what the dealer sends it (INVOCATION, INTERRUPT) is forwarded to its node.
///
/// Confined to the realm's loop (the dealer calls `send` there); `Sendable` only because
/// `PeerConnection` requires it.
final class RemoteCalleePeer: PeerConnection, @unchecked Sendable {
    let callee: UInt64
    let node: RemoteNode
    private unowned let realm: Realm
    /// This node's registration id → the id on the callee's node (usually equal: a mirrored
    /// registration takes the callee node's id when it is free here).
    var registrations: [UInt64: UInt64] = [:]
    /// The highest INVOCATION request id sent: the dealer numbers a callee's invocations from 1,
    /// so one not above it continues a progressive call.
    private var lastInvocation: UInt64 = 0

    init(callee: UInt64, node: RemoteNode, realm: Realm) {
        self.callee = callee
        self.node = node
        self.realm = realm
    }

    func send(_ message: WAMPMessage) {
        let realm = self.realm
        guard let link = realm.clusterRPC else {
            self.failSoon(message)
            return
        }
        switch message {
        case .invocation(var invocation):
            invocation.registration = self.registrations[invocation.registration] ?? invocation.registration
            let continuation = invocation.request <= self.lastInvocation
            self.lastInvocation = max(self.lastInvocation, invocation.request)
            if !link.send(
                .invocation(invocation), realm: realm.name, callee: self.callee, to: self.node,
                continuation: continuation)
            {
                self.failSoon(message)
            }
        case .interrupt:
            _ = link.send(message, realm: realm.name, callee: self.callee, to: self.node, continuation: false)
        default:
            // UNREGISTERED (revocation) and the like concern the callee's own node, which
            // revokes its callee itself.
            break
        }
    }

    /// An INVOCATION that could not leave this node: its caller gets `wamp.error.network_failure`
    /// on the next tick (not inside the dealer's call that is still running).
    private func failSoon(_ message: WAMPMessage) {
        guard case .invocation(let invocation) = message else { return }
        let realm = self.realm
        let callee = self.callee
        realm.eventLoop.execute {
            realm.failRemoteInvocation(
                callee: callee, request: invocation.request, error: Realm.networkFailure,
                reason: "the callee's node could not be reached (no Redis connection)")
        }
    }

    func send(_ message: SharedMessage) {}
    func goodbye(reason: String, message: String?) {}
    func abort(_ abort: WAMPMessage.Abort) {}
}

/// The sessions of another node that call this node's callees, as one session of this node's
/// dealer: the answers the dealer sends it (RESULT, ERROR) go back to the caller's node as YIELD
/// and ERROR for the invocation that node knows.
///
/// Confined to the realm's loop, like `RemoteCalleePeer`.
final class RemoteCallerPeer: PeerConnection, @unchecked Sendable {
    let id: UInt64
    let node: RemoteNode
    private unowned let realm: Realm
    var calls = RemoteCallTable()

    init(id: UInt64, node: RemoteNode, realm: Realm) {
        self.id = id
        self.node = node
        self.realm = realm
    }

    func send(_ message: WAMPMessage) {
        switch message {
        case .result(let result):
            let progress = result.details["progress"]?.boolValue ?? false
            guard let key = self.calls.remote(local: result.request, finished: !progress) else { return }
            _ = self.realm.clusterRPC?.send(
                .yield(.init(request: key.request, options: result.details, payload: result.payload)),
                realm: self.realm.name, callee: key.callee, to: self.node, continuation: false)
        case .error(let error) where error.requestType == .call:
            guard let key = self.calls.remote(local: error.request, finished: true) else { return }
            _ = self.realm.clusterRPC?.send(
                .error(
                    .init(
                        requestType: .invocation, request: key.request, details: error.details, error: error.error,
                        payload: error.payload)),
                realm: self.realm.name, callee: key.callee, to: self.node, continuation: false)
        default:
            break
        }
    }

    func send(_ message: SharedMessage) {}
    func goodbye(reason: String, message: String?) {}
    func abort(_ abort: WAMPMessage.Abort) {}
}
