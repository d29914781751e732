import WAMPCore

/// Registration and subscription revocation: the router takes a registration or subscription
/// away (meta API `remove_callee`/`remove_subscriber`, a forced re-registration, a killed
/// session). A session that announced `registration_revocation` / `subscription_revocation` gets
/// `[UNREGISTERED, 0, {registration, reason}]` / `[UNSUBSCRIBED, 0, {subscription, reason}]`;
/// others are not told, as the spec requires.
extension Realm {
    func revokeRegistration(_ registration: UInt64, of session: UInt64, reason: String) {
        guard self.removeCallee(session, from: registration) else { return }
        // Calls in flight to it may still be answered: the callee keeps its invocations.
        guard let record = self.sessions[session], record.supports(.calleeRegistrationRevocation) else {
            return
        }
        record.peer.send(
            .unregistered(.init(request: 0, details: ["registration": .uint(registration), "reason": .string(reason)])))
    }

    func revokeSubscription(_ subscription: UInt64, of session: UInt64, reason: String) {
        guard self.sessions[session]?.subscriptions.contains(subscription) == true else { return }
        self.removeSubscriber(session, from: subscription)
        guard let record = self.sessions[session], record.supports(.subscriberRevocation) else {
            return
        }
        record.peer.send(
            .unsubscribed(.init(request: 0, details: ["subscription": .uint(subscription), "reason": .string(reason)])))
    }

    /// Revokes everything a session holds before it is killed, so a client that supports
    /// revocation learns why its registrations and subscriptions ended.
    func revokeAll(of record: SessionRecord, reason: String) {
        for registration in self.dealer.registrationIDs(of: record.id).sorted() {
            self.revokeRegistration(registration, of: record.id, reason: reason)
        }
        for subscription in record.subscriptions.sorted() {
            self.revokeSubscription(subscription, of: record.id, reason: reason)
        }
    }
}
