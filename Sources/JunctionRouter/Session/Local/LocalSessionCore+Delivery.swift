import WAMPCore

/// An in-process session receives what the realm routes to it like every other kind of peer: the
/// realm holds a `PeerHandle` on it. The core lives on the realm's loop, so the handle calls
/// straight through; messages arrive as `WAMPMessage` values and nothing is encoded.
extension LocalSessionCore: DeliveryTarget {
    func deliver(_ message: WAMPMessage) {
        self.receive(message)
    }

    func deliver(_ message: SharedMessage, fromOtherLoop: Bool) {
        self.receive(message.message)
    }

    func routerGoodbye(reason: String, message: String?) {
        self.end(LocalSession.Ending(reason: reason, message: message))
    }

    func routerAbort(_ abort: WAMPMessage.Abort) {
        self.end(LocalSession.Ending(reason: abort.reason, message: abort.details["message"]?.stringValue))
    }

    /// Never called: a local session is admitted synchronously on the realm's loop
    /// (`Realm.joinLocal`), not through a HELLO whose answer travels back.
    func joinCompleted(_ outcome: Realm.JoinOutcome) {}

    /// Nothing is written, so nothing waits for a flush.
    func flushIfPending() {}
}
