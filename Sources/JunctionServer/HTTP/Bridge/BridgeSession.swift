import JunctionRouter
import WAMPCore

/// The in-process session an HTTP bridge path acts through: joined on first use as `authid` in
/// the configured role, so its publications and calls are authorized like any session's; joined
/// again after the router ended it (`wamp.session.kill`, a role removed by a reload).
actor BridgeSession {
    let router: Router
    let realm: String
    let role: String
    let authid: String
    private var session: LocalSession?
    private var joining: Task<LocalSession, any Error>?
    /// Set by `leave()`: the path was removed, so no session is joined again.
    private var retired = false

    init(router: Router, realm: String, role: String, authid: String) {
        self.router = router
        self.realm = realm
        self.role = role
        self.authid = authid
    }

    /// The joined session.
    ///
    /// - Throws: ``LocalSessionError`` `wamp.error.no_such_realm`, `wamp.error.no_such_role` or
    ///   `wamp.close.system_shutdown`.
    func current() async throws -> LocalSession {
        if self.retired {
            throw LocalSessionError(WAMPErrorURI.systemShutdown, args: ["this HTTP path was removed"])
        }
        if let session = self.session { return session }
        if let joining = self.joining { return try await joining.value }
        let (router, realm, role, authid) = (self.router, self.realm, self.role, self.authid)
        let joining = Task {
            guard let realm = router.realm(named: realm) else {
                throw LocalSessionError(WAMPErrorURI.noSuchRealm, args: [.string("no realm '\(realm)'")])
            }
            return try await LocalSession.join(realm, authid: authid, authrole: role, authmethod: "http")
        }
        self.joining = joining
        defer { self.joining = nil }
        let session = try await joining.value
        self.session = session
        Task {
            _ = await session.ended()
            await self.forget(session)
        }
        return session
    }

    /// Leaves the realm for good (a reload replaced the path's service).
    func leave() async {
        self.retired = true
        let session = self.session
        self.session = nil
        await session?.leave()
    }

    private func forget(_ ended: LocalSession) {
        if self.session === ended { self.session = nil }
    }
}
