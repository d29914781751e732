import JunctionAuth
import NIOCore
import WAMPCore

/// From HELLO to the realm's answer: the realm lookup, the lockout check, every
/// CHALLENGE/AUTHENTICATE round, JWT verification, the dynamic authenticator and the failed-login
/// delay.
///
/// Pure: the realm table, the clock and the random source come from `EstablishmentEnvironment`,
/// the slow work (a failure lookup in the shared table, a JWT check, a call to the dynamic
/// authenticator, the realm join, a timer) is an `Action` whose answer comes back as an event.
/// It nests `SessionAuthenticator`, as postgres-nio's `ConnectionStateMachine` nests its
/// `AuthenticationStateMachine`, and is itself nested in `SessionStateMachine` between HELLO and
/// WELCOME.
///
/// ```
/// awaitingHello --HELLO--> [checkingLockout] --> authenticating <--CHALLENGE/AUTHENTICATE-->
///       |                         |                    |--accept--> joining --realm answers--> finished
///       +-- no such realm --------+-- locked out ------+--reject--> refusing --delay--> finished
/// ```
public struct SessionEstablishment: Sendable {
    public enum Action: Sendable, Equatable {
        case challenge(WAMPMessage.Challenge)
        /// Read the client address's failed logins from the shared table, then call
        /// `loginFailuresLoaded`.
        case lookUpLoginFailures
        /// Verify a JWT presented as a ticket, then call `jwtVerified`.
        case verifyJWT(JWTCheck)
        /// Call the dynamic authenticator, then call `authenticatorAnswered`.
        case callAuthenticator(AuthenticatorCall)
        /// Ask the realm to admit the session, then call the session machine's `joined` or
        /// `joinRefused`.
        case join(JoinRequest)
        case refuse(Refusal)
    }

    /// A JWT and the realm's verifier for it.
    public struct JWTCheck: Sendable, Equatable {
        public var token: String
        public var verifier: JWTVerifier

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.token == rhs.token && lhs.verifier === rhs.verifier
        }
    }

    /// `procedure(realm, authid, details)` on `realm`, answered within `timeoutMilliseconds`.
    public struct AuthenticatorCall: Sendable, Equatable {
        public var realm: Realm
        public var procedure: String
        public var args: [WAMPValue]
        public var timeoutMilliseconds: Int

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.realm === rhs.realm && lhs.procedure == rhs.procedure && lhs.args == rhs.args
                && lhs.timeoutMilliseconds == rhs.timeoutMilliseconds
        }
    }

    /// Admit the HELLO's session to `realm` as `identity`, with `sessionID` if it is free
    /// (WAMP-CRA challenges name it).
    public struct JoinRequest: Sendable, Equatable {
        public var realm: Realm
        public var hello: WAMPMessage.Hello
        public var identity: AuthenticatedIdentity
        public var sessionID: UInt64

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.realm === rhs.realm && lhs.hello == rhs.hello && lhs.identity == rhs.identity
                && lhs.sessionID == rhs.sessionID
        }
    }

    /// The session is refused with `abort`.
    public struct Refusal: Sendable, Equatable {
        public var abort: WAMPMessage.Abort
        /// Why, for the router's log only (the client learns nothing more than `abort`).
        public var log: String
        /// The authid the HELLO asked for, for the log.
        public var authid: String?
        /// The method the client asked for first (metrics count failures by it), if a known one.
        public var authmethod: AuthMethod?
        /// Count a failed login from the client's address at this time.
        public var failedLoginAt: Int64?
        /// Send ABORT after this delay (a wrong password costs the guesser time), then call
        /// `failureDelayElapsed`; `nil`: send it now.
        public var delay: TimeAmount?
    }

    /// One HELLO being authenticated.
    private struct Attempt: Sendable {
        var realm: Realm
        var hello: WAMPMessage.Hello
        var sessionID: UInt64
        var authenticator: SessionAuthenticator
    }

    private enum State: Sendable {
        case awaitingHello
        case checkingLockout(Attempt, AuthenticationRequest)
        case authenticating(Attempt)
        case joining
        case refusing(WAMPMessage.Abort)
        case finished
    }

    private let environment: EstablishmentEnvironment
    private var state: State = .awaitingHello

    public init(environment: EstablishmentEnvironment) {
        self.environment = environment
    }

    /// Whether a CHALLENGE is out and the client's AUTHENTICATE is due.
    public var isChallenged: Bool {
        if case .authenticating(let attempt) = self.state { return attempt.authenticator.isChallenged }
        return false
    }

    /// Whether the realm was asked to admit the session and has not answered yet.
    public var isJoining: Bool {
        if case .joining = self.state { return true }
        return false
    }

    // MARK: Events

    public mutating func helloReceived(_ hello: WAMPMessage.Hello, connection: any EstablishingConnection) -> Action? {
        guard case .awaitingHello = self.state else { return nil }
        guard URIValidation.isValid(hello.realm) else {
            return self.refuse(
                .init(reason: WAMPErrorURI.noSuchRealm, message: "'\(hello.realm)' is not a valid realm URI"),
                log: "HELLO for an invalid realm URI", hello: hello, countsAsFailure: false)
        }
        guard let realm = self.environment.realms(hello.realm) else {
            return self.refuse(
                .init(reason: WAMPErrorURI.noSuchRealm, message: "no realm '\(hello.realm)'"),
                log: "HELLO for an unknown realm '\(hello.realm)'", hello: hello, countsAsFailure: false)
        }
        let admission = realm.admission
        let authentication = admission.authentication
        let offered = hello.details["authmethods"]?.listValue ?? []
        var generator = self.environment.random.generator
        let sessionID = realm.clusterSessionID(WAMPID.random(using: &generator))
        // The certificate is parsed and the transport described only when a method can use them.
        let offersTLS = offered.contains(.string(AuthMethod.tls.rawValue))
        let request = AuthenticationRequest(
            hello: hello, sessionID: sessionID, allowedMethods: self.environment.allowedMethods,
            anonymousAllowed: admission.anonymousRole != nil,
            clientCertificate: offersTLS ? connection.clientCertificate() : nil,
            transportDetails: authentication.dynamic != nil ? connection.transportDetails() : [:])
        let attempt = Attempt(
            realm: realm, hello: hello, sessionID: sessionID,
            authenticator: SessionAuthenticator(
                realm: realm.name, configuration: authentication, random: self.environment.random,
                clock: self.environment.clock, runtimeTickets: realm.runtimeTickets))
        let offersCredentials = offered.contains {
            $0.stringValue != nil && $0.stringValue != AuthMethod.anonymous.rawValue
        }
        guard offersCredentials else { return self.start(attempt, request) }
        self.state = .checkingLockout(attempt, request)
        return .lookUpLoginFailures
    }

    /// The answer to `Action.lookUpLoginFailures`.
    public mutating func loginFailuresLoaded(_ history: LoginFailureHistory) -> Action? {
        guard case .checkingLockout(let attempt, let request) = self.state else { return nil }
        if self.environment.failurePolicy.isLockedOut(history, now: self.environment.clock.now()) {
            return self.refuse(
                .init(reason: WAMPErrorURI.authenticationFailed, message: "authentication failed"),
                log: "too many failed logins from this address", hello: attempt.hello, countsAsFailure: false)
        }
        return self.start(attempt, request)
    }

    /// The client's AUTHENTICATE; `nil` if no CHALLENGE is out.
    public mutating func authenticateReceived(_ message: WAMPMessage.Authenticate) -> Action? {
        guard self.isChallenged, case .authenticating(var attempt) = self.state else { return nil }
        let step = attempt.authenticator.authenticate(message)
        return self.apply(step, attempt)
    }

    /// The answer to `Action.verifyJWT`.
    public mutating func jwtVerified(_ result: Result<JWTIdentity, JWTRejection>) -> Action? {
        guard case .authenticating(var attempt) = self.state else { return nil }
        let step = attempt.authenticator.jwtVerified(result)
        return self.apply(step, attempt)
    }

    /// The answer to `Action.callAuthenticator`.
    public mutating func authenticatorAnswered(_ outcome: InternalCallOutcome) -> Action? {
        guard case .authenticating(var attempt) = self.state else { return nil }
        let answer: SessionAuthenticator.DynamicAnswer
        switch outcome {
        case .result(let payload): answer = .result(payload)
        case .error(let uri): answer = .error(uri)
        case .unavailable(let reason): answer = .unavailable(reason)
        }
        let step = attempt.authenticator.authenticatorAnswered(answer)
        return self.apply(step, attempt)
    }

    /// The delay of a `Refusal` passed: the ABORT to send now.
    public mutating func failureDelayElapsed() -> WAMPMessage.Abort? {
        guard case .refusing(let abort) = self.state else { return nil }
        self.state = .finished
        return abort
    }

    // MARK: Steps

    private mutating func start(_ attempt: Attempt, _ request: AuthenticationRequest) -> Action? {
        var attempt = attempt
        let step = attempt.authenticator.start(request)
        return self.apply(step, attempt)
    }

    /// Turns what the authenticator decided into an action; answers at once what needs no I/O.
    private mutating func apply(_ step: SessionAuthenticator.Step, _ attempt: Attempt) -> Action? {
        var attempt = attempt
        switch step {
        case .accept(let identity):
            self.state = .joining
            return .join(
                .init(realm: attempt.realm, hello: attempt.hello, identity: identity, sessionID: attempt.sessionID))
        case .challenge(let challenge):
            self.state = .authenticating(attempt)
            return .challenge(challenge)
        case .reject(let abort, let log):
            return self.refuse(abort, log: log, hello: attempt.hello, countsAsFailure: true)
        case .verifyJWT(let token):
            guard let verifier = attempt.realm.jwtVerifier else {
                return self.apply(attempt.authenticator.jwtVerified(.failure(.unknownKey)), attempt)
            }
            self.state = .authenticating(attempt)
            return .verifyJWT(.init(token: token, verifier: verifier))
        case .callAuthenticator(let call):
            guard let target = self.environment.realms(call.realm) else {
                let answer = attempt.authenticator.authenticatorAnswered(.unavailable("no realm '\(call.realm)'"))
                return self.apply(answer, attempt)
            }
            self.state = .authenticating(attempt)
            return .callAuthenticator(
                .init(
                    realm: target, procedure: call.procedure, args: call.args,
                    timeoutMilliseconds: call.timeoutMilliseconds))
        }
    }

    /// Refuses the session; a failed authentication is answered after the policy's delay and,
    /// if `countsAsFailure`, counts towards the address's lockout.
    private mutating func refuse(
        _ abort: WAMPMessage.Abort, log: String, hello: WAMPMessage.Hello, countsAsFailure: Bool
    ) -> Action {
        let policy = self.environment.failurePolicy
        var refusal = Refusal(abort: abort, log: log, authid: hello.details["authid"]?.stringValue)
        refusal.authmethod = hello.details["authmethods"]?.listValue?.first?.stringValue.flatMap(AuthMethod.init)
        guard abort.reason == WAMPErrorURI.authenticationFailed else {
            self.state = .finished
            return .refuse(refusal)
        }
        if countsAsFailure { refusal.failedLoginAt = self.environment.clock.now() }
        guard policy.delayMilliseconds > 0 else {
            self.state = .finished
            return .refuse(refusal)
        }
        refusal.delay = .milliseconds(policy.delayMilliseconds)
        self.state = .refusing(abort)
        return .refuse(refusal)
    }
}
