import NIOCore
import WAMPCore

/// RPC across the nodes of a cluster, on the realm's side.
///
/// A callee on another node is a proxy session in this realm's dealer (`RemoteCalleePeer`): the
/// dealer picks callees, numbers invocations, runs timeouts, cancels and progressive calls exactly
/// as for a local callee, and the proxy forwards what it is sent. On the callee's node the caller's
/// node is one proxy session (`RemoteCallerPeer`) whose calls go through that node's dealer to the
/// real callee. Neither proxy is in `sessions` (no meta API, no session count); `rpcParty` finds them.
extension Realm {
    /// Not in WAMPErrorURI: the spec's URI for a call whose answer was lost in transit.
    public static let networkFailure = "wamp.error.network_failure"
    /// Proxy caller ids live above WAMP's 53-bit id range: they never meet a session id.
    static let remoteCallerIDBase: UInt64 = 1 << 60

    /// Attaches (or with `nil` detaches) the cluster's RPC link; detaching drops every remote
    /// callee and caller (their calls end in ERROR). Must be called on the realm's loop.
    public func attachClusterRPC(_ link: (any RealmClusterRPCLink)?) {
        self.eventLoop.preconditionInEventLoop()
        self.clusterRPC = link
        if link == nil {
            for node in self.remoteNodes() {
                self.removeRemoteNode(node, error: WAMPErrorURI.canceled, reason: "the cluster stopped")
            }
        }
    }

    /// A session or a remote party (proxy callee or caller) of the dealer.
    @inline(__always)
    func rpcParty(_ id: UInt64) -> SessionRecord? {
        if let record = self.sessions[id] { return record }
        return self.remoteParties.isEmpty ? nil : self.remoteParties[id]
    }

    /// This node's registrations as other nodes mirror them: one entry per local callee. The
    /// router's own (unlisted) sessions' registrations stay local: every node has its own.
    public func clusterRegistrations() -> [RemoteRegistration] {
        self.eventLoop.preconditionInEventLoop()
        var list: [RemoteRegistration] = []
        for registration in self.dealer.registrations.values {
            for callee in registration.callees {
                guard let record = self.sessions[callee.session], !record.unlisted else { continue }
                list.append(
                    RemoteRegistration(
                        registration: registration.id, procedure: registration.procedure, match: registration.match,
                        invoke: registration.invoke, callee: callee.session, features: record.features.rawValue,
                        discloseCaller: callee.discloseCaller))
            }
        }
        return list
    }

    /// The other nodes this realm knows a registration or a caller of.
    public func remoteNodes() -> [RemoteNode] {
        self.eventLoop.preconditionInEventLoop()
        var nodes = Set(self.remoteRegistry.nodes.map { RemoteNode(node: $0.key, epoch: $0.value.epoch) })
        nodes.formUnion(self.remoteCallers.keys)
        return nodes.sorted { ($0.node, $0.epoch) < ($1.node, $1.epoch) }
    }

    /// Replaces what this realm knows of `node`'s registrations with `registrations`.
    public func updateRemoteRegistrations(_ registrations: Set<RemoteRegistration>, of node: RemoteNode) {
        self.eventLoop.preconditionInEventLoop()
        let change = self.remoteRegistry.update(node, registrations: registrations)
        if let old = change.replaced {
            self.dropParties(of: old, error: WAMPErrorURI.canceled, reason: "the callee's node restarted")
        } else {
            for registration in change.removed { self.removeRemoteCallee(registration) }
        }
        for registration in change.added { self.addRemoteCallee(registration, on: node) }
    }

    /// Forgets a node that left or was evicted: its registrations go (with meta events), calls to
    /// its callees end with `error`, calls its sessions made here are interrupted.
    public func removeRemoteNode(_ node: RemoteNode, error: String, reason: String) {
        self.eventLoop.preconditionInEventLoop()
        if let known = self.remoteRegistry.nodes[node.node], known.epoch == node.epoch {
            _ = self.remoteRegistry.remove(node: node.node)
        }
        self.dropParties(of: node, error: error, reason: reason)
    }

    /// Messages to or from `node` may have been lost (its or this node's Redis connection was
    /// reset): calls in flight between the two end with `wamp.error.network_failure` (callers
    /// here get the ERROR, callees here an INTERRUPT). Registrations stay. `nil`: every node.
    public func resetRemoteCalls(with node: RemoteNode?, reason: String) {
        self.eventLoop.preconditionInEventLoop()
        for record in self.remoteParties.values {
            if let callee = record.peer as? RemoteCalleePeer, node == nil || callee.node == node {
                for key in self.dealer.pendingKeys(callee: record.id) {
                    self.failRemoteInvocation(
                        callee: key.callee, request: key.request, error: Self.networkFailure, reason: reason)
                }
            } else if let caller = record.peer as? RemoteCallerPeer, node == nil || caller.node == node {
                let departure = self.dealer.removeSession(record.id)
                caller.calls = RemoteCallTable()
                for call in departure.abandonedCalls {
                    self.interrupt(call, mode: .killnowait, reason: WAMPErrorURI.canceled)
                }
            }
        }
    }

    /// A message another node sent this realm about the invocation `(callee, message.request)`.
    /// `continuation`: an INVOCATION that continues a progressive call.
    public func receiveRemoteRPC(_ message: WAMPMessage, callee: UInt64, continuation: Bool, from node: RemoteNode) {
        self.eventLoop.preconditionInEventLoop()
        switch message {
        case .invocation(let invocation):
            self.acceptRemoteInvocation(invocation, callee: callee, continuation: continuation, from: node)
        case .interrupt(let interrupt):
            self.interruptRemoteInvocation(interrupt, callee: callee, from: node)
        case .yield(let yield):
            guard let proxy = self.remoteCallee(callee, of: node) else { return }
            self.handleYield(yield, from: proxy)
        case .error(let error) where error.requestType == .invocation:
            guard let proxy = self.remoteCallee(callee, of: node) else { return }
            self.handleInvocationError(error, from: proxy)
        default:
            self.logger.warning(
                "cluster: ignored an RPC message of an unexpected type", metadata: ["node": "\(node)", "type": "\(message.type)"])
        }
    }

    /// Ends the call in flight to `callee` with `error` (its answer can no longer arrive).
    func failRemoteInvocation(callee: UInt64, request: UInt64, error: String, reason: String) {
        guard case .completed(let call) = self.dealer.completeInvocation(callee: callee, request: request) else { return }
        self.cancelTimer(call.key)
        self.rpcParty(call.caller)?.peer.send(
            .error(
                .init(
                    requestType: .call, request: call.callerRequest, error: error, payload: .init(args: [.string(reason)]))))
    }

    // MARK: The caller's node

    private func remoteCallee(_ callee: UInt64, of node: RemoteNode) -> SessionRecord? {
        guard let record = self.remoteParties[callee], let peer = record.peer as? RemoteCalleePeer, peer.node == node
        else { return nil }
        return record
    }

    private func addRemoteCallee(_ registration: RemoteRegistration, on node: RemoteNode) {
        let record: SessionRecord
        if let existing = self.remoteParties[registration.callee] {
            record = existing
        } else {
            if self.sessions[registration.callee] != nil {
                self.logger.error(
                    "cluster: a remote callee has the id of a local session; ignored",
                    metadata: ["node": "\(node)", "session": "\(registration.callee)"])
                return
            }
            record = SessionRecord(
                id: registration.callee, peer: RemoteCalleePeer(callee: registration.callee, node: node, realm: self),
                authid: "", role: Role(name: "", permissions: []), authmethod: "cluster", authprovider: "cluster",
                clientRoles: ClientFeatures(rawValue: registration.features).announcement, transport: "cluster",
                limits: SessionLimits(), unlisted: true)
            self.remoteParties[registration.callee] = record
        }
        guard let peer = record.peer as? RemoteCalleePeer, peer.node == node else { return }
        let callee = Dealer.Callee(
            session: registration.callee, discloseCaller: registration.discloseCaller, forwardTimeout: false)
        switch self.dealer.register(
            session: registration.callee, procedure: registration.procedure, match: registration.match,
            invoke: registration.invoke, callee: callee, now: self.timestamp(), preferredID: registration.registration)
        {
        case .registered(let id, _):
            // No meta events here: the callee's node raised them, and they reach this node too.
            peer.registrations[id] = registration.registration
        case .alreadyExists, .policyMismatch:
            self.logger.warning(
                "cluster: a registration of another node conflicts with one here; calls here keep their callees",
                metadata: [
                    "node": "\(node)", "procedure": "\(registration.procedure)",
                    "invoke": "\(registration.invoke.rawValue)",
                ])
        }
    }

    private func removeRemoteCallee(_ registration: RemoteRegistration) {
        guard let record = self.remoteParties[registration.callee], let peer = record.peer as? RemoteCalleePeer,
            let local = peer.registrations.first(where: { $0.value == registration.registration })?.key
        else { return }
        peer.registrations[local] = nil
        self.removeCallee(registration.callee, from: local, announce: false)
        // Calls still in flight keep the proxy until their answers (or the node's departure) end them.
        if peer.registrations.isEmpty, self.dealer.pendingKeys(callee: registration.callee).isEmpty {
            self.remoteParties[registration.callee] = nil
        }
    }

    /// Removes the proxies of one node incarnation, as `leave` does for a session.
    private func dropParties(of node: RemoteNode, error: String, reason: String) {
        for record in Array(self.remoteParties.values) {
            if let peer = record.peer as? RemoteCalleePeer, peer.node == node {
                self.remoteParties[record.id] = nil
                let departure = self.dealer.removeSession(record.id)
                for call in departure.orphanedCalls {
                    self.cancelTimer(call.key)
                    self.rpcParty(call.caller)?.peer.send(
                        .error(
                            .init(
                                requestType: .call, request: call.callerRequest, error: error,
                                payload: .init(args: [.string(reason)]))))
                }
                for (registration, deleted) in departure.registrations {
                    self.announceRemoteUnregistration(registration.id, callee: record.id, deleted: deleted)
                }
            } else if let peer = record.peer as? RemoteCallerPeer, peer.node == node {
                self.remoteParties[record.id] = nil
                self.remoteCallers[node] = nil
                let departure = self.dealer.removeSession(record.id)
                for call in departure.abandonedCalls {
                    self.cancelTimer(call.key)
                    self.interrupt(call, mode: .killnowait, reason: WAMPErrorURI.canceled)
                }
            }
        }
    }

    // MARK: The callee's node

    private func remoteCaller(for node: RemoteNode) -> (SessionRecord, RemoteCallerPeer) {
        if let id = self.remoteCallers[node], let record = self.remoteParties[id],
            let peer = record.peer as? RemoteCallerPeer
        {
            return (record, peer)
        }
        self.lastRemoteCallerID += 1
        let id = Self.remoteCallerIDBase + self.lastRemoteCallerID
        let peer = RemoteCallerPeer(id: id, node: node, realm: self)
        let record = SessionRecord(
            id: id, peer: peer, authid: "cluster:\(node.node)", role: Role(name: "", permissions: []),
            authmethod: "cluster", authprovider: "cluster",
            clientRoles: (ClientFeatures.callerProgressiveCallInvocations.union(.callerPassthru)).announcement,
            transport: "cluster", limits: SessionLimits(), unlisted: true)
        self.remoteParties[id] = record
        self.remoteCallers[node] = id
        return (record, peer)
    }

    private func acceptRemoteInvocation(
        _ invocation: WAMPMessage.Invocation, callee: UInt64, continuation: Bool, from node: RemoteNode
    ) {
        let (caller, peer) = self.remoteCaller(for: node)
        let progress = invocation.details["progress"]?.boolValue ?? false
        if continuation {
            // A chunk of a progressive call: to the same invocation, or dropped when the call
            // already ended here (its answer is on its way).
            guard let local = peer.calls.local(callee: callee, request: invocation.request),
                let call = self.dealer.pendingCall(caller: caller.id, request: local)
            else { return }
            self.dealer.continueInvocation(call.key, streaming: progress)
            self.sessions[callee]?.peer.send(
                .invocation(
                    .init(
                        request: call.invocationRequest, registration: call.registration, details: invocation.details,
                        payload: invocation.payload)))
            return
        }
        guard let record = self.sessions[callee], let registration = self.dealer.registrations[invocation.registration],
            registration.callees.contains(where: { $0.session == callee })
        else {
            _ = self.clusterRPC?.send(
                .error(
                    .init(
                        requestType: .invocation, request: invocation.request, error: WAMPErrorURI.canceled,
                        payload: .init(args: ["the callee left before the call reached its node"]))),
                realm: self.name, callee: callee, to: node, continuation: false)
            return
        }
        let local = peer.calls.start(callee: callee, request: invocation.request)
        let request = self.dealer.startInvocation(
            caller: caller.id, callerRequest: local, registration: registration, callee: callee,
            procedure: invocation.details["procedure"]?.stringValue ?? registration.procedure,
            receiveProgress: invocation.details["receive_progress"]?.boolValue ?? false, callerStreaming: progress,
            startedAt: NIODeadline.now().uptimeNanoseconds)
        record.peer.send(
            .invocation(
                .init(
                    request: request, registration: registration.id, details: invocation.details,
                    payload: invocation.payload)))
    }

    /// The caller's node canceled or timed out a call: `skip` and `killnowait` end it here (the
    /// caller already has its ERROR), `kill` interrupts the callee and forwards its answer.
    private func interruptRemoteInvocation(_ interrupt: WAMPMessage.Interrupt, callee: UInt64, from node: RemoteNode) {
        guard let id = self.remoteCallers[node], let record = self.remoteParties[id],
            let peer = record.peer as? RemoteCallerPeer,
            let local = peer.calls.local(callee: callee, request: interrupt.request),
            let call = self.dealer.pendingCall(caller: id, request: local)
        else { return }
        let mode = interrupt.options["mode"]?.stringValue.flatMap(CancelMode.init(rawValue:)) ?? .killnowait
        let reason = interrupt.options["reason"]?.stringValue ?? WAMPErrorURI.canceled
        switch mode {
        case .skip, .killnowait:
            self.dealer.forget(call.key)
            _ = peer.calls.remote(local: local, finished: true)
            if mode == .killnowait { self.interrupt(call, mode: .killnowait, reason: reason) }
        case .kill:
            guard !call.killRequested else { return }
            self.dealer.markKillRequested(call.key)
            self.interrupt(call, mode: .kill, reason: reason)
        }
    }
}

extension ClientFeatures {
    /// A `HELLO.Details.roles` dictionary announcing exactly these features (for proxy sessions,
    /// whose features come from another node as bits).
    var announcement: WAMPDict {
        var roles: WAMPDict = [:]
        for entry in Self.announcements where self.contains(entry.bit) {
            var role = roles[entry.role]?.dictValue ?? [:]
            var features = role["features"]?.dictValue ?? [:]
            features[entry.feature] = true
            role["features"] = .dict(features)
            roles[entry.role] = .dict(role)
        }
        return roles
    }
}
