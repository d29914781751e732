import JunctionRouter
import MQTTCore
import NIOCore

/// What of this connection's session is on disk, under which key. A class: the handler holds
/// one pointer (nothing for connections without durable storage) and the journal is changed in
/// place, never copied.
final class MQTTPersistedSession {
    let key: String
    var journal: MQTTSessionJournal

    init(key: String, journal: MQTTSessionJournal) {
        self.key = key
        self.journal = journal
    }
}

@available(*, unavailable)
extension MQTTPersistedSession: Sendable {}

/// Persistent sessions on disk: after every step of the state machine the session's journal
/// writes what changed; a session resumes from disk after a restart; with `sync: always` a QoS ≥ 1
/// PUBLISH is acknowledged only once every session's copy of it is on disk.
extension MQTTConnectionHandler {
    var persistence: MQTTSessionPersistence? { self.shared.broker.persistence }

    static var persistenceClock: MQTTPersistenceClock {
        MQTTPersistenceClock(uptimeNanoseconds: Self.now, wallMilliseconds: WallClock.system.now())
    }

    /// Called after the machine ran: brings the disk up to date. Nothing to do (and nothing
    /// allocated) for a session that is not persistent and has nothing on disk.
    func persistSession() {
        guard let persisted = self.persisted, self.machine.isConnected || self.machine.isDetached,
            let persistence = self.persistence
        else { return }
        let writes: [MQTTSessionJournal.Write]
        if self.machine.sessionExpiry == 0 {
            guard !persisted.journal.isEmpty else { return }
            writes = persisted.journal.forget()
        } else {
            let clock = Self.persistenceClock
            let detachedAt =
                self.machine.isDetached
                ? (persisted.journal.session?.detachedAt ?? clock.wallMilliseconds) : nil
            writes = persisted.journal.update(
                to: self.machine.session,
                sessionExpiry: self.machine.sessionExpiry,
                detachedAt: detachedAt,
                identity: self.identity,
                now: clock
            )
        }
        if !writes.isEmpty { persistence.write(writes, session: persisted.key) }
    }

    /// The connection is accepted: start journaling from what is on disk for this client id
    /// (`journal`, from the previous owner or from the store), or from nothing.
    func startJournal(_ journal: MQTTSessionJournal?) {
        guard self.persistence != nil else { return }
        let key = MQTTSessionPersistence.key(
            realm: self.shared.endpoint.realm, clientID: self.machine.clientIdentifier)
        self.persisted = MQTTPersistedSession(key: key, journal: journal ?? MQTTSessionJournal())
    }

    /// The session a restart left on disk for `clientID`, if any and not expired.
    func storedSession(clientID: String) -> MQTTSessionPersistence.Restored? {
        self.persistence?.take(
            MQTTSessionPersistence.key(realm: self.shared.endpoint.realm, clientID: clientID),
            nowWall: WallClock.system.now()
        )
    }

    /// The session ends for good: nothing of it stays on disk.
    func forgetStoredSession() {
        guard let persisted = self.persisted else { return }
        self.persisted = nil
        let writes = persisted.journal.forget()
        if !writes.isEmpty { self.persistence?.write(writes, session: persisted.key) }
    }

    /// Hands what is on disk to the connection taking the session over.
    func takeJournal() -> MQTTSessionJournal? {
        defer { self.persisted = nil }
        return self.persisted?.journal
    }

    // MARK: Acknowledging after the commit (`sync: always`)

    /// The realm accepted publication `id`: acknowledge it once every copy the publication
    /// queued in a persistent session is on disk.
    ///
    /// The realm hands a publication's events to the sessions' loops before it answers the
    /// publisher, through each loop's mailbox in order; a barrier posted to every mailbox after
    /// the answer runs after those deliveries, whose writes are then queued. One `sync` after
    /// all barriers is committed after them (group commit keeps queue order).
    func acknowledgeWhenDurable(_ id: UInt16) {
        guard let bound = self.loopBoundSelf else { return }
        let mailboxes = self.shared.mailboxes.all
        guard !mailboxes.isEmpty else {
            self.acknowledgeAfterSync(id)
            return
        }
        let remaining = NIOLoopBoundBox(mailboxes.count, eventLoop: bound.eventLoop)
        for mailbox in mailboxes {
            mailbox.post(
                .barrier {
                    bound.eventLoop.execute {
                        remaining.value -= 1
                        if remaining.value == 0 { bound.value.acknowledgeAfterSync(id) }
                    }
                }
            )
        }
    }

    private func acknowledgeAfterSync(_ id: UInt16) {
        guard let bound = self.loopBoundSelf, let persistence = self.persistence else { return }
        var acknowledgements: [MQTTSessionStateMachine.Action] = []
        var others: [MQTTSessionStateMachine.Action] = []
        for action in self.machine.realmPublished(packetIdentifier: id, now: Self.now) {
            switch action {
            case .send(.puback), .send(.pubrec): acknowledgements.append(action)
            default: others.append(action)
            }
        }
        // Runs the rest and queues this session's own writes (an inbound QoS 2 id) first.
        self.run(others)
        persistence.store.sync { committed in
            bound.eventLoop.execute {
                let handler = bound.value
                guard committed else {
                    // Not acknowledged: the client sends it again after reconnecting.
                    handler.run(.close(reason: "storage failed; publication \(id) not acknowledged"))
                    return
                }
                handler.run(acknowledgements)
            }
        }
    }
}
