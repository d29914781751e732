import WAMPCore

/// Single registrations are unique across the cluster: before a node registers one, it claims
/// the procedure in Redis (an atomic script that sets the claim only when it is free or already
/// this node's); a claim held by another node answers the REGISTER with
/// `wamp.error.procedure_already_exists`. Two nodes racing for one procedure: Redis runs one
/// script after the other, so exactly one wins.
extension Realm {
    func claimThenRegister(_ register: WAMPMessage.Register, from record: SessionRecord, match: MatchPolicy) {
        guard let link = self.clusterRPC else {
            self.completeRegister(register, from: record, match: match, invoke: .single)
            return
        }
        let session = record.id
        link.claim(realm: self.name, procedure: register.procedure, match: match) { [self] granted in
            self.eventLoop.execute {
                // The session may have left while Redis answered (ids are never reused meanwhile).
                guard let record = self.sessions[session] else { return }
                if granted {
                    self.completeRegister(register, from: record, match: match, invoke: .single)
                } else {
                    self.reply(
                        record, error: WAMPErrorURI.procedureAlreadyExists, to: .register, request: register.request,
                        message: "a procedure is already registered for '\(register.procedure)' on another node")
                }
            }
        }
    }

    /// A single registration of this node went away: its cluster-wide claim is given up.
    func releaseClusterClaim(of registration: Dealer.Registration) {
        guard registration.invoke == .single, let link = self.clusterRPC else { return }
        link.release(realm: self.name, procedure: registration.procedure, match: registration.match)
    }
}
