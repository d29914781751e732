import JunctionRouter
import NIOCore
import WAMPCore

/// Stored persistent sessions rejoin their realm at start, each as a handler without a
/// connection: detached, as a persistent session becomes when its connection closes, so
/// publications made before its client is back are queued for it (and written to disk).
extension MQTTConnectionHandler {
    /// Rejoins `realm`'s stored sessions of `context`'s listener, on the realm's loop; the future
    /// holds how many rejoined. A session whose realm or role is gone is dropped and logged.
    ///
    /// The caller waits for the future before the listener accepts connections: a client id is
    /// then already owned by its stored session when its client connects, and takes it over.
    public static func rejoinStoredSessions(
        realm: Realm?,
        context: MQTTConnectionContext,
        nowWall: Int64
    ) -> EventLoopFuture<Int>? {
        guard let persistence = context.broker.persistence else { return nil }
        let sessions = persistence.takeRejoinable(realm: context.endpoint.realm, nowWall: nowWall)
        guard !sessions.isEmpty else { return nil }
        guard let realm else {
            for session in sessions { persistence.drop(session, reason: "its realm is gone") }
            return nil
        }
        return realm.eventLoop.submit {
            var rejoined = 0
            for session in sessions {
                switch MQTTRestoreDecision.decide(identity: session.identity, realm: realm.configuration) {
                case .drop(let reason):
                    persistence.drop(session, reason: reason)
                case .rejoin:
                    let handler = MQTTConnectionHandler(context: context)
                    if handler.rejoin(session, realm: realm, nowWall: nowWall) { rejoined += 1 }
                }
            }
            if rejoined > 0 {
                context.logger.info(
                    "stored MQTT sessions rejoined their realm",
                    metadata: ["realm": "\(realm.name)", "sessions": "\(rejoined)"]
                )
            }
            return rejoined
        }
    }

    /// Joins the realm under the stored identity, owns the client id, subscribes again and
    /// waits, detached, for the client or the session's expiry. On the realm's loop.
    private func rejoin(_ stored: MQTTSessionPersistence.Rejoining, realm: Realm, nowWall: Int64) -> Bool {
        let loop = realm.eventLoop
        guard let persistence = self.persistence, let identity = stored.identity.authenticated else { return false }
        let bound = NIOLoopBound(self, eventLoop: loop)
        self.loopBoundSelf = bound
        let mailbox = self.shared.mailboxes.mailbox(for: loop) ?? LoopMailbox(eventLoop: loop)
        self.loop = mailbox
        self.deliveries = self.shared.deliveries.memo(for: loop)
        let peer = PeerHandle(target: self, mailbox: mailbox)
        self.peer = peer
        self.peerAddress = "restored"
        self.realm = realm
        let hello = WAMPMessage.Hello(
            realm: realm.name, details: ["roles": ["publisher": [:], "subscriber": [:]]])
        let outcome = realm.join(
            hello: hello,
            identity: identity,
            peer: peer,
            transport: "mqtt",
            transportDetails: ["mqtt_client_id": .string(stored.clientID), "restored": true]
        )
        guard case .welcome(let session, _) = outcome else {
            if case .abort(let abort) = outcome { persistence.drop(stored, reason: abort.reason) }
            return false
        }
        self.sessionID = session
        self.identity = stored.identity
        let owner = Owner(bound)
        self.owner = owner
        if let connected = self.shared.broker.claim(realm: realm.name, clientID: stored.clientID, by: owner) {
            // Its client came first (through a listener bound earlier) and started afresh: that
            // connection keeps the client id, and its journal owns the records on disk now.
            _ = self.shared.broker.claim(realm: realm.name, clientID: stored.clientID, by: connected)
            self.owner = nil
            self.leaveRealm()
            self.logger.warning("stored MQTT session not rejoined: its client connected first")
            return false
        }
        self.persisted = MQTTPersistedSession(key: stored.key, journal: stored.session.journal)
        self.run(
            self.machine.restored(
                clientIdentifier: stored.clientID,
                session: stored.session.state,
                sessionExpiry: stored.session.sessionExpiry
            )
        )
        let remaining = max(0, stored.session.expiresAt - nowWall)
        self.expiryTimer = loop.scheduleTask(in: .milliseconds(remaining)) {
            let handler = bound.value
            handler.expiryTimer = nil
            handler.logger.info("MQTT session expired")
            handler.machine.expired()
            handler.endSession()
        }
        return true
    }
}
