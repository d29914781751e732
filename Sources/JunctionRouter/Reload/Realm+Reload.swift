import WAMPCore

extension Realm {
    /// GOODBYE reason for a session whose role a reloaded configuration no longer has.
    public static let roleRemovedReason = "wamp.close.role_removed"
    /// GOODBYE reason for the sessions of a realm a reloaded configuration no longer has.
    public static let realmRemovedReason = "wamp.close.realm_removed"

    /// Applies a reloaded configuration of this realm (same name) without dropping sessions: each
    /// session keeps its subscriptions and registrations and gets its role's new permissions for
    /// what it does next; a session whose role is gone is ended with GOODBYE
    /// `wamp.close.role_removed`. New sessions are admitted under the new authentication settings.
    /// Returns how many sessions were ended.
    @discardableResult
    public func reconfigure(_ configuration: RealmConfiguration) -> Int {
        self.eventLoop.preconditionInEventLoop()
        precondition(configuration.name == self.name, "a realm keeps its name")
        let old = self.configuration
        self.configuration = configuration
        self.admissionBox.withLock { $0 = RealmAdmission(configuration) }
        if old.eventHistory != configuration.eventHistory {
            self.history = EventHistory(rules: configuration.eventHistory)
        }
        // Cached dynamic-authorizer decisions were made under the old roles.
        self.authorizationCache = AuthorizationCache()
        var ended = 0
        for id in self.sessions.keys.sorted() {
            guard let record = self.sessions[id], !record.unlisted else { continue }
            if let role = configuration.roles[record.authrole] {
                record.role = role
                continue
            }
            ended += 1
            self.logger.info(
                "session ended: its role was removed from the configuration",
                metadata: ["session": "\(id)", "authid": "\(record.authid)", "authrole": "\(record.authrole)"])
            self.kill(
                record, reason: Self.roleRemovedReason,
                message: "the role '\(record.authrole)' was removed from the router's configuration")
        }
        return ended
    }

    /// Ends every session with GOODBYE `wamp.close.realm_removed` and refuses new ones: the realm
    /// was removed from the configuration.
    public func close(reason: String = Realm.realmRemovedReason, message: String) {
        self.eventLoop.preconditionInEventLoop()
        self.closed = true
        for id in self.sessions.keys.sorted() {
            guard let record = self.sessions[id] else { continue }
            self.leave(session: id, reason: "realm removed")
            record.peer.goodbye(reason: reason, message: message)
        }
    }

    /// Joined sessions (the router's own excluded) by transport kind (`websocket`, `rawsocket`,
    /// `local`, ...): the sessions gauge, computed when metrics are collected.
    public func sessionCountsByTransport() -> [String: Int] {
        self.eventLoop.preconditionInEventLoop()
        var counts: [String: Int] = [:]
        for record in self.sessions.values where !record.unlisted {
            let kind = record.transport.prefix { $0 != "/" && $0 != " " }
            counts[String(kind), default: 0] += 1
        }
        return counts
    }
}
