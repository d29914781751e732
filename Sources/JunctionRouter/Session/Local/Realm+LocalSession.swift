import WAMPCore

/// In-process sessions join without a HELLO: no authentication (the code embedding the router is
/// trusted to name its identity), but a role of the realm's configuration like anyone else.
extension Realm {
    /// Joins an in-process session as `authid` in the configured role `authrole`.
    func joinLocal(authid: String, authrole: String, authmethod: String) -> Result<LocalSessionCore, LocalSessionError>
    {
        self.eventLoop.preconditionInEventLoop()
        if self.closed {
            return .failure(LocalSessionError(WAMPErrorURI.systemShutdown, args: ["the router is shutting down"]))
        }
        guard let role = self.configuration.roles[authrole] else {
            return .failure(
                LocalSessionError(WAMPErrorURI.noSuchRole, args: [.string("no role '\(authrole)' on this realm")])
            )
        }
        return .success(self.joinLocal(authid: authid, role: role, authmethod: authmethod))
    }

    func joinLocal(
        authid: String,
        role: Role,
        authmethod: String,
        limits: SessionLimits? = nil,
        unlisted: Bool = false
    ) -> LocalSessionCore {
        let core = LocalSessionCore(realm: self)
        let record = self.admit(
            preferredID: nil,
            peer: PeerHandle(target: core, mailbox: self.localMailbox),
            authid: authid,
            role: role,
            authmethod: authmethod,
            authprovider: "junction",
            clientRoles: LocalSessionCore.clientRoles,
            transport: LocalSession.transport,
            limits: limits,
            unlisted: unlisted
        )
        core.joined(as: record.id)
        return core
    }

    /// The role of the router's own session: may do anything, and is no configurable role (a
    /// configured role of the same name neither grants nor limits it).
    static let internalRole = Role.allowAll(name: "junction.internal")

    /// The router's own session, joined on first use: unlisted in the meta API (users see the
    /// sessions that joined, not the router) and without per-session limits (it makes one call
    /// per authentication or authorization in flight). `nil` once the realm shut down.
    func routerSession() -> LocalSessionCore? {
        if let session = self.internalSession, session.ending == nil { return session }
        guard !self.closed else { return nil }
        var unlimited = SessionLimits()
        unlimited.maxPendingCalls = .max
        unlimited.maxRegistrations = .max
        unlimited.maxSubscriptions = .max
        let session = self.joinLocal(
            authid: "junction",
            role: Self.internalRole,
            authmethod: "internal",
            limits: unlimited,
            unlisted: true
        )
        self.internalSession = session
        return session
    }
}
