import JunctionAuth
import Logging
import NIOCore
import Synchronization
import WAMPCore

/// One routing realm: its sessions, broker and dealer.
///
/// All state is confined to `eventLoop`; every method except `init` must be called on it. The
/// transport layer hops there (or calls directly when the connection shares the loop), so the
/// routing hot path takes no locks.
public final class Realm: @unchecked Sendable {
    /// Confined to `eventLoop` like the rest of the realm state (`reconfigure` replaces it there);
    /// code on other loops reads `admission` instead.
    public internal(set) var configuration: RealmConfiguration
    public let eventLoop: any EventLoop
    /// What the loop's realms and connections count (publications, calls, denials, ...).
    public let counters: RouterCounters
    let logger: Logger
    var sessions: IDMap<SessionRecord> = [:]
    var broker = Broker()
    var dealer = Dealer()
    /// Dealer-side call timeouts (`CALL.Options.timeout`), cancelled when the call ends.
    var callTimers: [Dealer.InvocationKey: Scheduled<Void>] = [:]
    /// The retained event of each topic (`PUBLISH.Options.retain`).
    var retained: [String: RetainedEvent] = [:]
    /// Events kept for `wamp.subscription.get_events` and stream recovery, per configured history rule.
    var history: EventHistory
    /// Where history and retained events are written to survive a restart; nil: memory only.
    let store: (any RealmStore)?
    let clock: WallClock
    var closed = false
    /// The router's own session, which makes the calls of dynamic authenticators and authorizers;
    /// joined on first use, gone after `shutdown()`.
    var internalSession: LocalSessionCore?
    /// The mailbox of this realm's loop for the `PeerHandle`s of in-process sessions, which live on
    /// this loop: their handles call straight through, so nothing is ever posted to it.
    lazy var localMailbox = LoopMailbox(eventLoop: self.eventLoop)
    /// Dynamic authorizer decisions.
    var authorizationCache = AuthorizationCache()
    /// What session establishment (on any loop) needs of the configuration; replaced with it.
    let admissionBox: Mutex<RealmAdmission>
    /// Ticket principals granted at run time (one per hosted component instance start).
    public let runtimeTickets = RuntimeTicketPrincipals()
    /// The cluster this realm spans, if any (`Realm+Cluster.swift`).
    var clusterLink: (any RealmClusterLink)?
    /// The cluster's streams and retained events, if clustered (`Realm+ClusterStreams.swift`).
    var streamLink: (any RealmStreamLink)?
    var clusterStreams = ClusterStreamState()
    /// RPC across the cluster (`Dealer/Cluster/`): the link, the other nodes' registrations, and
    /// the proxy sessions standing for remote callees and for other nodes' callers.
    var clusterRPC: (any RealmClusterRPCLink)?
    var remoteRegistry = RemoteRegistry()
    var remoteParties: IDMap<SessionRecord> = [:]
    var remoteCallers: [RemoteNode: UInt64] = [:]
    var lastRemoteCallerID: UInt64 = 0
    /// The cluster's session-id slot of this node plus one (0: not clustered); read by
    /// establishment on any loop, hence atomic.
    let clusterSessionSlot = Atomic<UInt64>(0)
    /// The cluster's meta side and the other nodes' sessions and subscriptions
    /// (`Realm+ClusterMeta.swift`).
    var clusterMeta: (any RealmClusterMeta)?
    var remoteDirectory = RemoteDirectory()
    /// Grows with every change the meta API shows (see `directoryVersion`).
    var metaVersion: UInt64 = 0

    /// Creates the realm; with a `store`, its history, stream offsets, epoch and retained events
    /// start from the store's snapshot.
    public init(
        configuration: RealmConfiguration, eventLoop: any EventLoop, logger: Logger, clock: WallClock = .system,
        counters: RouterCounters = RouterCounters(),
        store: (any RealmStore)? = nil
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.counters = counters
        self.clock = clock
        self.store = store
        self.history = EventHistory(rules: configuration.eventHistory)
        self.admissionBox = Mutex(RealmAdmission(configuration))
        if let snapshot = store?.snapshot {
            self.history.restore(snapshot, now: clock.now())
            for event in snapshot.retained {
                self.retained[event.topic] = RetainedEvent(
                    topic: event.topic, publication: event.publication, details: event.details,
                    payload: event.payload, filter: PublicationFilter(readers: event.readers))
            }
        }
        var logger = logger
        logger[metadataKey: "realm"] = .string(configuration.name)
        self.logger = logger
        // Subscription ids in this node's cluster slot, like session ids: unique cluster-wide.
        self.broker = Broker(ids: RandomIDGenerator { [unowned self] in self.clusterSessionID(WAMPID.random()) })
    }

    public var name: String { self.configuration.name }

    /// The authentication settings, anonymous role and slow-consumer policy new sessions are
    /// admitted with; readable from any thread (one lock per session establishment).
    public var admission: RealmAdmission { self.admissionBox.withLock { $0 } }

    /// Verifies JWTs presented as tickets; `nil` when the realm accepts none (or its keys are
    /// unusable, which the configuration loader reports before the router starts).
    public var jwtVerifier: JWTVerifier? { self.admission.jwtVerifier }

    /// How many sessions are joined.
    public var sessionCount: Int {
        self.eventLoop.preconditionInEventLoop()
        return self.sessions.count
    }

    /// What the router announces in WELCOME: exactly the features that work (and have tests).
    static let routerRoles: WAMPDict = [
        "broker": [
            "features": [
                "publisher_exclusion": true,
                "publisher_identification": true,
                "subscriber_blackwhite_listing": true,
                "pattern_based_subscription": true,
                "publication_trustlevels": true,
                "subscription_revocation": true,
                "event_retention": true,
                "event_history": true,
                "session_meta_api": true,
                "subscription_meta_api": true,
                "payload_passthru_mode": true,
            ]
        ],
        "dealer": [
            "features": [
                "progressive_call_results": true,
                "progressive_call_invocations": true,
                "call_timeout": true,
                "call_canceling": true,
                "caller_identification": true,
                "call_trustlevels": true,
                "pattern_based_registration": true,
                "shared_registration": true,
                "registration_revocation": true,
                "session_meta_api": true,
                "registration_meta_api": true,
                "testament_meta_api": true,
                "payload_passthru_mode": true,
            ]
        ],
    ]

    /// The router roles announced to a client. Both roles are always announced (the spec requires
    /// WELCOME to name the router's roles); their feature lists go only to clients that play the
    /// matching roles (broker features to publishers and subscribers, dealer features to callers
    /// and callees, all of them when the client names none of these), and publisher-only broker
    /// features only to publishers. Keeps WELCOME small enough for a RawSocket client that accepts
    /// only 512-octet messages.
    static func routerRoles(for clientRoles: WAMPDict) -> WAMPDict {
        let publisher = clientRoles["publisher"] != nil
        let pubsub = publisher || clientRoles["subscriber"] != nil
        let rpc = clientRoles["caller"] != nil || clientRoles["callee"] != nil
        // The answer depends on these three bits only: built once per variant, not per join.
        return Self.routerRolesVariants[(publisher ? 4 : 0) | (pubsub ? 2 : 0) | (rpc ? 1 : 0)]
    }

    private static let routerRolesVariants: [WAMPDict] = (0..<8).map { bits in
        Realm.buildRouterRoles(publisher: bits & 4 != 0, pubsub: bits & 2 != 0, rpc: bits & 1 != 0)
    }

    private static func buildRouterRoles(publisher: Bool, pubsub: Bool, rpc: Bool) -> WAMPDict {
        var roles: WAMPDict = ["broker": [:], "dealer": [:]]
        if pubsub || !rpc {
            var broker = Self.routerRoles["broker"]?["features"]?.dictValue ?? [:]
            if !publisher {
                // Features the spec defines between publisher and broker only.
                broker["publisher_exclusion"] = nil
                broker["subscriber_blackwhite_listing"] = nil
            }
            roles["broker"] = ["features": .dict(broker)]
        }
        if rpc || !pubsub { roles["dealer"] = Self.routerRoles["dealer"] }
        return roles
    }

    /// The outcome of a HELLO.
    public enum JoinOutcome: Sendable {
        case welcome(session: UInt64, details: WAMPDict)
        case abort(WAMPMessage.Abort)
    }

    /// Admits an authenticated session under `identity` (an anonymous identity gets the realm's
    /// anonymous role), as `preferredID` if that id is free (WAMP-CRA challenges name it).
    /// `transportDetails`: more of `details.transport` in the meta API (an MQTT client id).
    public func join(
        hello: WAMPMessage.Hello, identity: AuthenticatedIdentity, preferredID: UInt64? = nil,
        peer: any PeerConnection, transport: String, transportDetails: WAMPDict? = nil
    ) -> JoinOutcome {
        self.eventLoop.preconditionInEventLoop()
        if self.closed {
            return .abort(.init(reason: WAMPErrorURI.systemShutdown, message: "the router is shutting down"))
        }
        let roleName = identity.authmethod == .anonymous ? self.configuration.anonymousRole : identity.authrole
        guard let roleName else {
            return .abort(.init(reason: WAMPErrorURI.notAuthorized, message: "anonymous access is not allowed"))
        }
        guard let role = self.configuration.roles[roleName] else {
            self.logger.warning(
                "join refused: the principal's role does not exist",
                metadata: ["authid": "\(identity.authid)", "authrole": "\(roleName)"])
            return .abort(.init(reason: WAMPErrorURI.noSuchRole, message: "no role '\(roleName)' on this realm"))
        }
        let record = self.admit(
            preferredID: preferredID, peer: peer, authid: identity.authid, role: role,
            authmethod: identity.authmethod.rawValue, authprovider: identity.authprovider, clientRoles: hello.roles,
            transport: transport, transportDetails: transportDetails)
        let id = record.id
        var details: WAMPDict = [
            "realm": .string(self.name),
            "authid": .string(identity.authid),
            "authrole": .string(role.name),
            "authmethod": .string(identity.authmethod.rawValue),
            "authprovider": .string(identity.authprovider),
            "roles": .dict(Self.routerRoles(for: hello.roles)),
            "x_cb_node": "junction",
            "agent": "Junction/0.1",
        ]
        if let extra = identity.authextra { details["authextra"] = .dict(extra) }
        return .welcome(session: id, details: details)
    }

    /// Records a joined session under `preferredID` if that id is free (else a random one), and
    /// announces it to the meta API unless it is `unlisted` (the router's own session).
    func admit(
        preferredID: UInt64?, peer: any PeerConnection, authid: String, role: Role, authmethod: String,
        authprovider: String, clientRoles: WAMPDict, transport: String, transportDetails: WAMPDict? = nil,
        limits: SessionLimits? = nil, unlisted: Bool = false
    ) -> SessionRecord {
        var id = preferredID ?? self.clusterSessionID(WAMPID.random())
        while self.sessions[id] != nil { id = self.clusterSessionID(WAMPID.random()) }
        let record = SessionRecord(
            id: id, peer: peer, authid: authid, role: role, authmethod: authmethod, authprovider: authprovider,
            clientRoles: clientRoles, transport: transport, limits: limits ?? self.configuration.sessionLimits,
            unlisted: unlisted)
        record.joined = self.clock.now()
        record.transportDetails = transportDetails
        self.sessions[id] = record
        self.logger.info(
            "session joined",
            metadata: [
                "session": "\(id)", "authid": "\(authid)", "authrole": "\(role.name)",
                "authmethod": "\(authmethod)", "transport": "\(transport)",
            ])
        if !unlisted { self.publishMetaEvent(MetaTopic.sessionOnJoin, args: [.dict(record.details)]) }
        return record
    }

    /// Admits an anonymous session (tests and embedders that do no authentication).
    public func join(hello: WAMPMessage.Hello, peer: any PeerConnection, transport: String) -> JoinOutcome {
        let identity = AuthenticatedIdentity(
            authid: hello.details["authid"]?.stringValue ?? SessionAuthenticator.randomAuthID(), authrole: "",
            authmethod: .anonymous, authprovider: "static")
        return self.join(hello: hello, identity: identity, peer: peer, transport: transport)
    }

    /// Forgets a session: its testaments are published, its subscriptions and registrations go
    /// away (with meta events), calls it was serving fail, callees of calls it made are
    /// interrupted when they support it. Safe to call for a session that already left.
    public func leave(session id: UInt64, reason: String = "transport closed") {
        self.eventLoop.preconditionInEventLoop()
        guard let record = self.sessions.removeValue(forKey: id) else { return }
        self.publishTestaments(of: record)
        for subscription in record.subscriptions.sorted() {
            self.removeSubscriber(id, from: subscription)
        }
        let departure = self.dealer.removeSession(id)
        for call in departure.orphanedCalls {
            self.cancelTimer(call.key)
            self.rpcParty(call.caller)?.peer.send(
                .error(
                    .init(
                        requestType: .call, request: call.callerRequest, error: WAMPErrorURI.canceled,
                        payload: .init(args: ["callee disconnected from in-flight request"]))))
        }
        for call in departure.abandonedCalls {
            self.cancelTimer(call.key)
            self.interrupt(call, mode: .killnowait, reason: WAMPErrorURI.canceled)
        }
        for (registration, deleted) in departure.registrations {
            self.publishMetaEvent(MetaTopic.registrationOnUnregister, args: [.uint(id), .uint(registration.id)])
            if deleted {
                self.publishMetaEvent(MetaTopic.registrationOnDelete, args: [.uint(id), .uint(registration.id)])
                self.releaseClusterClaim(of: registration)
            }
        }
        if !record.unlisted {
            self.publishMetaEvent(
                MetaTopic.sessionOnLeave, args: [.uint(id), .string(record.authid), .string(record.authrole)])
        }
        self.logger.info("session left", metadata: ["session": "\(id)", "reason": "\(reason)"])
    }

    /// Ends a session from the router's side (meta API kill): it is forgotten first, then gets
    /// GOODBYE with `reason` (and `message` in its details).
    func kill(_ record: SessionRecord, reason: String, message: String?) {
        self.revokeAll(of: record, reason: reason)
        self.leave(session: record.id, reason: "killed: \(reason)")
        record.peer.goodbye(reason: reason, message: message)
    }

    /// Handles a message of an established session.
    public func receive(_ message: WAMPMessage, from session: UInt64) {
        self.eventLoop.preconditionInEventLoop()
        guard let record = self.sessions[session] else { return }
        if record.suspended {
            record.deferred.append(message)
            return
        }
        self.dispatch(message, from: record)
    }

    func dispatch(_ message: WAMPMessage, from record: SessionRecord) {
        switch message {
        case .publish(let publish): self.handlePublish(publish, from: record)
        case .subscribe(let subscribe): self.handleSubscribe(subscribe, from: record)
        case .unsubscribe(let unsubscribe): self.handleUnsubscribe(unsubscribe, from: record)
        case .call(let call): self.handleCall(call, from: record)
        case .cancel(let cancel): self.handleCancel(cancel, from: record)
        case .register(let register): self.handleRegister(register, from: record)
        case .unregister(let unregister): self.handleUnregister(unregister, from: record)
        case .yield(let yield): self.handleYield(yield, from: record)
        case .error(let error): self.handleInvocationError(error, from: record)
        default:
            self.abort(record, message: "\(message.type) is not routed by the realm")
        }
    }

    /// Ends every session with GOODBYE `wamp.close.system_shutdown` (after publishing every
    /// session's testaments) and refuses new ones.
    public func shutdown() {
        self.eventLoop.preconditionInEventLoop()
        self.closed = true
        let ids = self.sessions.keys.sorted()
        // Testaments first, while every subscriber is still here to receive them.
        for id in ids {
            if let record = self.sessions[id] { self.publishTestaments(of: record) }
        }
        for id in ids {
            guard let record = self.sessions[id] else { continue }
            self.leave(session: id, reason: "router shutdown")
            record.peer.goodbye(reason: WAMPErrorURI.systemShutdown, message: "the router is shutting down")
        }
    }

    /// Ends a session for a protocol violation found while routing.
    func abort(_ record: SessionRecord, message: String) {
        self.logger.warning(
            "protocol violation", metadata: ["session": "\(record.id)", "transport": "\(record.transport)", "error": "\(message)"])
        self.leave(session: record.id, reason: "protocol violation")
        record.peer.abort(.init(reason: WAMPErrorURI.protocolViolation, message: message))
    }

    /// Answers a request with ERROR.
    func reply(
        _ record: SessionRecord, error: String, to type: MessageType, request: UInt64, message: String? = nil
    ) {
        let payload: Payload = message.map { .init(args: [.string($0)]) } ?? .empty
        record.peer.send(.error(.init(requestType: type, request: request, error: error, payload: payload)))
    }

    /// Whether `uri` is acceptable for an application topic or procedure under this realm's rules.
    func isValidURI(_ uri: String, match: MatchPolicy = .exact) -> Bool {
        switch match {
        case .exact:
            return URIValidation.isValid(uri, rules: self.configuration.uriRules)
        case .prefix:
            return URIValidation.isValid(uri, rules: self.configuration.uriRules, allowTrailingDot: true)
        case .wildcard:
            return URIValidation.isValid(uri, rules: self.configuration.uriRules, allowEmptyComponents: true)
        }
    }
}
