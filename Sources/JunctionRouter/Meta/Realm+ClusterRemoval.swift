import WAMPCore

/// `remove_subscriber` and `remove_callee` for subscribers and callees on other nodes.
///
/// The asking node checks the call against what it knows of the other node (its directory of
/// subscriptions, its mirror of registrations), so unknown ids get the same errors as on one
/// node, then asks the subscriber's or callee's node to remove it and answers once the cluster
/// link says the request reached that node (or could not: `wamp.error.network_failure`, never a
/// hang). The other node revokes it as its own meta API would; its meta events reach every node,
/// and its updated directory or registration list follows within about 50 ms.
extension Realm {
    /// Answers a `remove_subscriber`/`remove_callee` call that names a subscriber or callee on
    /// another node; false when it names none (the local procedure answers, with its errors).
    func removeThroughCluster(_ call: WAMPMessage.Call, from record: SessionRecord) -> Bool {
        guard let meta = self.clusterMeta, let target = self.remoteRemovalTarget(call) else { return false }
        let (session, request, node) = (record.id, call.request, target.node)
        meta.realm(self.name, remove: target.removal, onNode: node, reason: Self.removalReason(call)) {
            [self] delivered in
            self.eventLoop.execute {
                self.finishClusterRemoval(delivered: delivered, node: node, session: session, request: request)
            }
        }
        return true
    }

    /// The remote subscriber or callee a removal call names, with its node.
    private func remoteRemovalTarget(_ call: WAMPMessage.Call) -> (removal: ClusterRemoval, node: String)? {
        guard let id = Self.idArgument(call, 0), let session = Self.idArgument(call, 1) else { return nil }
        switch call.procedure {
        case "wamp.subscription.remove_subscriber":
            guard self.broker.subscriptions[id] == nil, let node = self.remoteDirectory.node(ofSubscription: id),
                self.remoteDirectory.subscription(id)?.subscribers.contains(session) == true
            else { return nil }
            return (.subscriber(subscription: id, session: session), node)
        case "wamp.registration.remove_callee":
            guard self.sessions[session] == nil, let peer = self.remoteParties[session]?.peer as? RemoteCalleePeer,
                self.dealer.registrations[id]?.callees.contains(where: { $0.session == session }) == true
            else { return nil }
            return (.callee(registration: peer.registrations[id] ?? id, session: session), peer.node.node)
        default:
            return nil
        }
    }

    private func finishClusterRemoval(delivered: Bool, node: String, session: UInt64, request: UInt64) {
        guard let record = self.sessions[session] else { return }
        guard delivered else {
            self.reply(
                record, error: Self.networkFailure, to: .call, request: request,
                message: "node '\(node)' could not be reached; the removal may not have happened")
            return
        }
        record.peer.send(.result(.init(request: request, payload: .empty)))
    }

    /// Removes a subscriber or callee of this realm that another node's meta API named, as
    /// `remove_subscriber`/`remove_callee` would here; false when it is no longer there (it left
    /// or unsubscribed while the request travelled).
    @discardableResult
    public func applyClusterRemoval(_ removal: ClusterRemoval, reason: String) -> Bool {
        self.eventLoop.preconditionInEventLoop()
        switch removal {
        case .subscriber(let subscription, let session):
            guard self.broker.subscriptions[subscription]?.subscribers.contains(session) == true else { return false }
            self.revokeSubscription(subscription, of: session, reason: reason)
        case .callee(let registration, let session):
            guard self.sessions[session] != nil,
                self.dealer.registrations[registration]?.callees.contains(where: { $0.session == session }) == true
            else { return false }
            self.revokeRegistration(registration, of: session, reason: reason)
        }
        return true
    }
}
