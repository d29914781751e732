import Crypto
import JunctionAuth
import NIOCore
import Testing
import WAMPCore

@testable import JunctionRouter

/// Every path from the transport handshake to WELCOME or ABORT, driven through
/// `SessionStateMachine` with an injected clock and random source.
@Suite struct SessionEstablishmentTests {
    static let cryptosignKey = Curve25519.Signing.PrivateKey()
    static var cryptosignPublicKey: String { Hex.encode(Array(Self.cryptosignKey.publicKey.rawRepresentation)) }
    static let jwtSecret = "a-test-secret-that-is-long-enough-for-hs256"

    static func secured(
        dynamic: DynamicAuthenticatorConfiguration? = nil, anonymous: String? = nil
    ) -> RealmConfiguration {
        RealmConfiguration(
            name: "realm1", roles: [.allowAll(name: "user"), .allowAll(name: "anonymous")], anonymousRole: anonymous,
            authentication: AuthenticationConfiguration(
                ticket: [TicketPrincipal(authid: "joe", ticket: "secret-ticket", role: "user")],
                wampcra: [WAMPCRAPrincipal(authid: "peter", secret: "s3cret", role: "user")],
                cryptosign: [
                    CryptosignPrincipal(authid: "device", publicKeys: [Self.cryptosignPublicKey], role: "user")
                ],
                jwt: JWTAuthConfiguration(keys: [JWTKeyConfiguration(algorithm: .hs256, key: Self.jwtSecret)]),
                dynamic: dynamic))
    }

    let connection = FakeConnection()

    static func authenticate(_ signature: String) -> WAMPMessage {
        .authenticate(.init(signature: signature, extra: [:]))
    }

    /// HELLO with credentials, past the lockout check with a clean history.
    func challenged(
        _ harness: EstablishmentHarness, methods: [String], authid: String?, authextra: WAMPDict? = nil
    ) -> (SessionStateMachine, SessionStateMachine.Action) {
        var machine = harness.machine()
        let hello = EstablishmentHarness.hello(methods: methods, authid: authid, authextra: authextra)
        #expect(machine.received(hello, from: self.connection) == .lookUpLoginFailures)
        let action = machine.loginFailuresLoaded(LoginFailureHistory())
        return (machine, action)
    }

    // MARK: Transport

    /// Every connection's handler holds the machine for the session's whole life; the
    /// establishment (~570 bytes with the authenticator) lives out of line from HELLO to WELCOME.
    @Test func theMachineStaysSmallOnceEstablished() {
        #expect(MemoryLayout<SessionStateMachine>.size <= 24)
        #expect(MemoryLayout<SessionEstablishment>.size > 100)
    }

    @Test func openingSchedulesTheHelloTimerOrClosesWithoutAPlace() {
        let harness = EstablishmentHarness([.openRealm(named: "realm1")])
        var machine = SessionStateMachine(environment: harness.environment)
        #expect(machine.connectionOpened(pendingPlaceGranted: true) == .scheduleHelloTimeout(.seconds(10)))
        var crowded = SessionStateMachine(environment: harness.environment)
        #expect(crowded.connectionOpened(pendingPlaceGranted: false) == .close(leave: nil))
        #expect(crowded.state == .closed)
    }

    @Test func helloTimeoutAbortsBeforeWelcomeOnly() {
        let harness = EstablishmentHarness([Self.secured()])
        var waiting = harness.machine()
        #expect(waiting.establishmentTimedOut().abortReason == WAMPErrorURI.timeout)
        var (challenged, _) = self.challenged(harness, methods: ["ticket"], authid: "joe")
        #expect(challenged.state == .challenged)
        #expect(challenged.establishmentTimedOut().abortReason == WAMPErrorURI.timeout)
        #expect(challenged.state == .closed)
        var established = harness.machine()
        _ = established.received(EstablishmentHarness.hello(), from: self.connection)
        _ = established.joined(session: 5, details: [:])
        #expect(established.establishmentTimedOut() == .none)
    }

    // MARK: Realm

    @Test func unknownRealm() throws {
        let harness = EstablishmentHarness([.openRealm(named: "realm1")])
        var machine = harness.machine()
        let action = machine.received(EstablishmentHarness.hello(realm: "nope"), from: self.connection)
        let refusal = try #require(action.refusal)
        #expect(refusal.abort.reason == WAMPErrorURI.noSuchRealm)
        #expect(refusal.delay == nil && refusal.failedLoginAt == nil)
        #expect(machine.state == .closed)
    }

    @Test func invalidRealmURI() throws {
        let harness = EstablishmentHarness([.openRealm(named: "realm1")])
        var machine = harness.machine()
        let action = machine.received(EstablishmentHarness.hello(realm: "not..valid"), from: self.connection)
        #expect(try #require(action.refusal).abort.reason == WAMPErrorURI.noSuchRealm)
    }

    // MARK: Anonymous

    @Test func anonymousJoinsAndIsWelcomed() throws {
        let harness = EstablishmentHarness([.openRealm(named: "realm1")])
        var machine = harness.machine()
        let request = try #require(machine.received(EstablishmentHarness.hello(), from: self.connection).joinRequest)
        #expect(request.identity.authmethod == .anonymous)
        #expect(request.realm === harness.realms["realm1"])
        #expect(WAMPID.isValid(request.sessionID))
        #expect(machine.state == .joining)
        // Nothing about the transport was needed.
        #expect(self.connection.certificateRequests == 0 && self.connection.detailsRequests == 0)
        #expect(machine.joined(session: 7, details: ["x": 1]) == .welcome(.init(session: 7, details: ["x": 1])))
        #expect(machine.state == .established(session: 7))
    }

    @Test func sessionIDsAndAuthidsComeFromTheInjectedRandomSource() throws {
        let first = EstablishmentHarness([.openRealm(named: "realm1")])
        let second = EstablishmentHarness([.openRealm(named: "realm1")])
        var one = first.machine()
        var two = second.machine()
        let a = try #require(one.received(EstablishmentHarness.hello(), from: self.connection).joinRequest)
        let b = try #require(two.received(EstablishmentHarness.hello(), from: self.connection).joinRequest)
        #expect(a.sessionID == b.sessionID)
        #expect(a.identity.authid == b.identity.authid)
        let groups = a.identity.authid.split(separator: "-", omittingEmptySubsequences: false)
        #expect(groups.count == 4 && groups.allSatisfy { $0.count == 4 })
        #expect(a.identity.authid.allSatisfy { $0 == "-" || $0.isUppercase || $0.isNumber })
    }

    @Test func anonymousRefusedWhenTheRealmHasNoAnonymousRole() throws {
        let harness = EstablishmentHarness([Self.secured()])
        var machine = harness.machine()
        let refusal = try #require(machine.received(EstablishmentHarness.hello(), from: self.connection).refusal)
        #expect(refusal.abort.reason == WAMPErrorURI.notAuthorized)
        #expect(refusal.delay == nil && refusal.failedLoginAt == nil)
    }

    // MARK: Ticket

    @Test func ticketRight() throws {
        let harness = EstablishmentHarness([Self.secured()])
        var (machine, action) = self.challenged(harness, methods: ["ticket"], authid: "joe")
        #expect(action.challenge?.authMethod == "ticket")
        let request = try #require(
            machine.received(Self.authenticate("secret-ticket"), from: self.connection).joinRequest)
        #expect(request.identity == .init(authid: "joe", authrole: "user", authmethod: .ticket, authprovider: "static"))
    }

    @Test func wrongTicketIsRefusedAfterTheDelayAndCounted() throws {
        let harness = EstablishmentHarness([Self.secured()])
        var (machine, _) = self.challenged(harness, methods: ["ticket"], authid: "joe")
        let refusal = try #require(
            machine.received(Self.authenticate("wrong"), from: self.connection).refusal)
        #expect(refusal.abort.reason == WAMPErrorURI.authenticationFailed)
        #expect(refusal.failedLoginAt == harness.now)
        #expect(refusal.delay == .milliseconds(1000))
        #expect(refusal.authid == "joe")
        // Nothing is sent before the delay; a client message meanwhile is a violation.
        #expect(machine.state == .joining)
        #expect(machine.failureDelayElapsed().abortReason == WAMPErrorURI.authenticationFailed)
        #expect(machine.state == .closed)
        #expect(machine.failureDelayElapsed() == .none)
    }

    @Test func noDelayConfiguredRefusesAtOnce() throws {
        let harness = EstablishmentHarness(
            [Self.secured()], policy: .init(delayMilliseconds: 0, maxFailures: 3, windowMilliseconds: 60_000))
        var (machine, _) = self.challenged(harness, methods: ["ticket"], authid: "joe")
        let refusal = try #require(
            machine.received(Self.authenticate("wrong"), from: self.connection).refusal)
        #expect(refusal.delay == nil && refusal.failedLoginAt == harness.now)
        #expect(machine.state == .closed)
    }

    // MARK: WAMP-CRA and cryptosign

    @Test func wampcraRound() throws {
        let harness = EstablishmentHarness([Self.secured()])
        var (machine, action) = self.challenged(harness, methods: ["wampcra"], authid: "peter")
        let challenge = try #require(action.challenge?.extra["challenge"]?.stringValue)
        // The challenge names the session id the join will ask for, and the injected clock.
        #expect(challenge.contains(WallClock.iso8601(harness.now)))
        let signature = WAMPCRA.signature(secret: "s3cret", salt: nil, challenge: challenge)
        let request = try #require(
            machine.received(Self.authenticate(signature), from: self.connection).joinRequest)
        #expect(challenge.contains("\(request.sessionID)"))
        #expect(request.identity.authmethod == .wampcra)

        var (wrong, _) = self.challenged(harness, methods: ["wampcra"], authid: "peter")
        let refusal = wrong.received(Self.authenticate("AAAA"), from: self.connection).refusal
        #expect(refusal?.abort.reason == WAMPErrorURI.authenticationFailed)
    }

    @Test func cryptosignRound() throws {
        let harness = EstablishmentHarness([Self.secured()])
        let authextra: WAMPDict = ["pubkey": .string(Self.cryptosignPublicKey)]
        var (machine, action) = self.challenged(harness, methods: ["cryptosign"], authid: nil, authextra: authextra)
        let challenge = try #require(action.challenge?.extra["challenge"]?.stringValue)
        let signature = try #require(Cryptosign.signature(key: Self.cryptosignKey, challengeHex: challenge))
        let request = try #require(
            machine.received(Self.authenticate(signature), from: self.connection).joinRequest)
        #expect(request.identity.authid == "device")

        var (wrong, _) = self.challenged(harness, methods: ["cryptosign"], authid: nil, authextra: authextra)
        let forged = WAMPMessage.authenticate(.init(signature: String(repeating: "0", count: 128), extra: [:]))
        let refusal = wrong.received(forged, from: self.connection)
        #expect(refusal.refusal?.abort.reason == WAMPErrorURI.authenticationFailed)
    }

    // MARK: JWT

    @Test func jwtVerifiedOrRejected() throws {
        let harness = EstablishmentHarness([Self.secured()])
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl"
        var (machine, _) = self.challenged(harness, methods: ["ticket"], authid: nil)
        guard case .verifyJWT(let check) = machine.received(Self.authenticate(token), from: self.connection)
        else {
            Issue.record("a JWT ticket must be verified")
            return
        }
        #expect(check.token == token && check.verifier === harness.realms["realm1"]?.jwtVerifier)
        #expect(machine.state == .joining)
        let request = try #require(
            machine.jwtVerified(.success(JWTIdentity(authid: "ann", authrole: "user", expiresAt: nil))).joinRequest)
        #expect(request.identity.authprovider == "jwt" && request.identity.authid == "ann")

        var (bad, _) = self.challenged(harness, methods: ["ticket"], authid: nil)
        _ = bad.received(Self.authenticate(token), from: self.connection)
        let refusal = try #require(bad.jwtVerified(.failure(.unknownKey)).refusal)
        #expect(refusal.abort.reason == WAMPErrorURI.authenticationFailed && refusal.failedLoginAt != nil)
    }

    // MARK: Dynamic authenticator

    static let dynamic = DynamicAuthenticatorConfiguration(
        procedure: "com.example.authenticate", methods: [.ticket], timeoutMilliseconds: 250)

    func askedAuthenticator(_ harness: EstablishmentHarness) throws -> SessionStateMachine {
        var (machine, _) = self.challenged(harness, methods: ["ticket"], authid: "stranger")
        let call = try #require(
            machine.received(Self.authenticate("opaque"), from: self.connection).authenticatorCall)
        #expect(call.realm === harness.realms["realm1"])
        #expect(call.procedure == "com.example.authenticate" && call.timeoutMilliseconds == 250)
        #expect(call.args.first == "realm1" && call.args.dropFirst().first == "stranger")
        #expect(call.args.last?.dictValue?["transport"]?.dictValue?["type"] == "websocket")
        return machine
    }

    @Test func dynamicAuthenticatorAnswers() throws {
        let harness = EstablishmentHarness([Self.secured(dynamic: Self.dynamic)])
        var machine = try self.askedAuthenticator(harness)
        #expect(self.connection.detailsRequests == 1)
        let request = try #require(machine.authenticatorAnswered(.result(.init(args: ["user"]))).joinRequest)
        #expect(request.identity.authprovider == "dynamic" && request.identity.authrole == "user")
    }

    @Test func dynamicAuthenticatorErrorPassesExplicitRefusals() throws {
        let harness = EstablishmentHarness([Self.secured(dynamic: Self.dynamic)])
        var machine = try self.askedAuthenticator(harness)
        let refusal = try #require(machine.authenticatorAnswered(.error(WAMPErrorURI.notAuthorized)).refusal)
        #expect(refusal.abort.reason == WAMPErrorURI.notAuthorized)
        #expect(refusal.delay == nil && refusal.failedLoginAt == nil)
        #expect(machine.state == .closed)
    }

    @Test func dynamicAuthenticatorTimeoutFailsClosed() throws {
        let harness = EstablishmentHarness([Self.secured(dynamic: Self.dynamic)])
        var machine = try self.askedAuthenticator(harness)
        let refusal = try #require(machine.authenticatorAnswered(.unavailable("timed out")).refusal)
        #expect(refusal.abort.reason == WAMPErrorURI.authenticationFailed)
        #expect(refusal.delay == .milliseconds(1000))
    }

    @Test func dynamicAuthenticatorInAMissingRealmCountsAsUnavailable() throws {
        let elsewhere = DynamicAuthenticatorConfiguration(
            procedure: "com.example.authenticate", realm: "auth.realm", methods: [.ticket])
        let harness = EstablishmentHarness([Self.secured(dynamic: elsewhere)])
        var (machine, _) = self.challenged(harness, methods: ["ticket"], authid: "stranger")
        let refusal = machine.received(Self.authenticate("opaque"), from: self.connection).refusal
        #expect(refusal?.abort.reason == WAMPErrorURI.authenticationFailed)
    }

    // MARK: Lockout

    @Test func lockoutAfterMaxFailuresExpiresWithTheWindow() throws {
        let harness = EstablishmentHarness([Self.secured()])
        var history = LoginFailureHistory()
        for _ in 0..<3 {
            history.record(failureAt: harness.now, policy: harness.policy)
            harness.advanceClock(milliseconds: 1000)
        }
        var locked = harness.machine()
        _ = locked.received(EstablishmentHarness.hello(methods: ["ticket"], authid: "joe"), from: self.connection)
        let refusal = try #require(locked.loginFailuresLoaded(history).refusal)
        #expect(refusal.abort.reason == WAMPErrorURI.authenticationFailed)
        #expect(refusal.log == "too many failed logins from this address")
        // A refusal for the lockout is delayed but does not extend it.
        #expect(refusal.failedLoginAt == nil && refusal.delay == .milliseconds(1000))

        harness.advanceClock(milliseconds: 60_000)
        var later = harness.machine()
        _ = later.received(EstablishmentHarness.hello(methods: ["ticket"], authid: "joe"), from: self.connection)
        #expect(later.loginFailuresLoaded(history).challenge?.authMethod == "ticket")
    }

    @Test func historyKeepsAtMostMaxFailuresAndForgetsTheOldOnes() {
        let policy = LoginFailurePolicy(delayMilliseconds: 0, maxFailures: 2, windowMilliseconds: 100)
        var history = LoginFailureHistory()
        history.record(failureAt: 0, policy: policy)
        history.record(failureAt: 10, policy: policy)
        history.record(failureAt: 20, policy: policy)
        #expect(history.times == [10, 20])
        #expect(policy.isLockedOut(history, now: 50))
        #expect(!policy.isLockedOut(history, now: 111))
        #expect(history.isExpired(now: 120, policy: policy))
        history.record(failureAt: 200, policy: policy)
        #expect(history.times == [200])
    }

    @Test func anonymousHelloSkipsTheLockoutCheck() {
        let harness = EstablishmentHarness([.openRealm(named: "realm1")])
        var machine = harness.machine()
        let action = machine.received(EstablishmentHarness.hello(methods: ["anonymous"]), from: self.connection)
        #expect(action.joinRequest != nil)
    }

    // MARK: The client during establishment

    @Test func abortFromTheClientMidAuthentication() {
        let harness = EstablishmentHarness([Self.secured()])
        var (machine, _) = self.challenged(harness, methods: ["ticket"], authid: "joe")
        let abort = WAMPMessage.abort(.init(reason: WAMPErrorURI.closeNormal))
        #expect(machine.received(abort, from: self.connection) == .close(leave: nil))
        #expect(machine.state == .closed)
        // A late answer is ignored.
        #expect(machine.jwtVerified(.failure(.unknownKey)) == .none)
    }

    @Test func anotherMessageWhenChallengedIsAViolation() {
        let harness = EstablishmentHarness([Self.secured()])
        var (machine, _) = self.challenged(harness, methods: ["ticket"], authid: "joe")
        let action = machine.received(.call(.init(request: 1, procedure: "a.b")), from: self.connection)
        #expect(action.abortReason == WAMPErrorURI.protocolViolation)
        #expect(machine.state == .closed)
    }

    @Test func authenticateWithoutAChallengeIsAViolation() {
        let harness = EstablishmentHarness([.openRealm(named: "realm1")])
        var machine = harness.machine()
        _ = machine.received(EstablishmentHarness.hello(), from: self.connection)
        let action = machine.received(Self.authenticate("x"), from: self.connection)
        #expect(action.abortReason == WAMPErrorURI.protocolViolation)
    }

    // MARK: Join

    @Test func noSuchRoleFromTheRealm() throws {
        var configuration = Self.secured()
        configuration.authentication = AuthenticationConfiguration(
            ticket: [TicketPrincipal(authid: "joe", ticket: "secret-ticket", role: "ghost")])
        let harness = EstablishmentHarness([configuration])
        var (machine, _) = self.challenged(harness, methods: ["ticket"], authid: "joe")
        let request = try #require(
            machine.received(Self.authenticate("secret-ticket"), from: self.connection).joinRequest)
        let outcome = request.realm.join(
            hello: request.hello, identity: request.identity, preferredID: request.sessionID, peer: FakePeer(),
            transport: "test")
        guard case .abort(let abort) = outcome else {
            Issue.record("a principal with an unknown role must be refused")
            return
        }
        #expect(abort.reason == WAMPErrorURI.noSuchRole)
        #expect(machine.joinRefused(abort).abortReason == WAMPErrorURI.noSuchRole)
        #expect(machine.state == .closed)
    }

    @Test func welcomeAfterTheTransportClosedLeavesTheRealm() {
        let harness = EstablishmentHarness([.openRealm(named: "realm1")])
        var machine = harness.machine()
        _ = machine.received(EstablishmentHarness.hello(), from: self.connection)
        #expect(machine.transportClosed() == .none)
        #expect(machine.joined(session: 9, details: [:]) == .leave(9))
    }

    // MARK: Transport facts

    @Test func certificateIsReadOnlyForTLS() throws {
        var configuration = Self.secured()
        configuration.authentication.tls = [TLSPrincipal(authid: "client-one", role: "user", commonName: "client-one")]
        let harness = EstablishmentHarness([configuration])
        let connection = FakeConnection(
            certificate: ClientCertificate(
                commonName: "client-one", sha256Fingerprint: String(repeating: "ab", count: 32)))
        var machine = harness.machine()
        _ = machine.received(EstablishmentHarness.hello(methods: ["tls"]), from: connection)
        let request = try #require(machine.loginFailuresLoaded(LoginFailureHistory()).joinRequest)
        #expect(request.identity.authmethod == .tls && request.identity.authid == "client-one")
        #expect(connection.certificateRequests == 1)

        var ticket = harness.machine()
        _ = ticket.received(EstablishmentHarness.hello(methods: ["ticket"], authid: "joe"), from: connection)
        #expect(connection.certificateRequests == 1)
        #expect(connection.detailsRequests == 0)
    }
}
