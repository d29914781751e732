import Crypto
import Foundation
import JunctionAuth
import Testing
import WAMPCore

@testable import JunctionRouter

@Suite struct SessionAuthenticatorTests {
    static let cryptosignKey = Curve25519.Signing.PrivateKey()
    static var cryptosignPublicKey: String { Hex.encode(Array(Self.cryptosignKey.publicKey.rawRepresentation)) }

    let configuration = AuthenticationConfiguration(
        ticket: [TicketPrincipal(authid: "joe", ticket: "secret-ticket", role: "user")],
        wampcra: [
            WAMPCRAPrincipal(authid: "peter", secret: "s3cret", role: "user"),
            WAMPCRAPrincipal(
                authid: "salty", secret: "s3cret", role: "admin", salt: .init(salt: "salt123", iterations: 100, keylen: 32)),
        ],
        cryptosign: [CryptosignPrincipal(authid: "device", publicKeys: [Self.cryptosignPublicKey], role: "device")],
        tls: [TLSPrincipal(authid: "client-one", role: "device", commonName: "client-one")])

    func request(
        _ methods: [String], authid: String? = nil, authextra: WAMPDict? = nil, allowed: Set<AuthMethod> = Set(AuthMethod.allCases),
        anonymous: Bool = true, certificate: ClientCertificate? = nil
    ) -> AuthenticationRequest {
        var details: WAMPDict = ["roles": ["caller": [:]]]
        if !methods.isEmpty { details["authmethods"] = .list(methods.map { .string($0) }) }
        if let authid { details["authid"] = .string(authid) }
        if let authextra { details["authextra"] = .dict(authextra) }
        return AuthenticationRequest(
            hello: .init(realm: "realm1", details: details), sessionID: 99, allowedMethods: allowed,
            anonymousAllowed: anonymous, clientCertificate: certificate, transportDetails: ["type": "websocket"])
    }

    func accepted(_ step: SessionAuthenticator.Step) -> AuthenticatedIdentity? {
        if case .accept(let identity) = step { return identity }
        return nil
    }

    func rejection(_ step: SessionAuthenticator.Step) -> String? {
        if case .reject(let abort, _) = step { return abort.reason }
        return nil
    }

    func challenge(_ step: SessionAuthenticator.Step) -> WAMPMessage.Challenge? {
        if case .challenge(let challenge) = step { return challenge }
        return nil
    }

    @Test func noAuthmethodsIsAnonymous() {
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        let identity = self.accepted(authenticator.start(self.request([])))
        #expect(identity?.authmethod == .anonymous)
        var closed = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(self.rejection(closed.start(self.request([], anonymous: false))) == WAMPErrorURI.notAuthorized)
    }

    @Test func ticketRightAndWrong() {
        var good = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(self.challenge(good.start(self.request(["ticket"], authid: "joe")))?.authMethod == "ticket")
        let identity = self.accepted(good.authenticate(.init(signature: "secret-ticket", extra: [:])))
        #expect(identity == AuthenticatedIdentity(authid: "joe", authrole: "user", authmethod: .ticket, authprovider: "static"))

        var wrong = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        _ = wrong.start(self.request(["ticket"], authid: "joe"))
        #expect(self.rejection(wrong.authenticate(.init(signature: "secret-ticket!", extra: [:]))) == WAMPErrorURI.authenticationFailed)

        // An unknown authid is challenged exactly like a known one and fails the same way.
        var unknown = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(self.challenge(unknown.start(self.request(["ticket"], authid: "nobody")))?.authMethod == "ticket")
        #expect(self.rejection(unknown.authenticate(.init(signature: "secret-ticket", extra: [:]))) == WAMPErrorURI.authenticationFailed)
    }

    @Test func firstMethodTheTransportAllowsInClientOrder() {
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        let step = authenticator.start(
            self.request(["cryptosign", "wampcra", "ticket"], authid: "peter", allowed: [.ticket, .wampcra]))
        #expect(self.challenge(step)?.authMethod == "wampcra")

        var none = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(
            self.rejection(none.start(self.request(["cryptosign", "scram"], allowed: [.ticket])))
                == WAMPErrorURI.noMatchingAuthMethod)
    }

    @Test func methodsTheHelloCannotUseAreSkipped() {
        // cryptosign without `authextra.pubkey`, or with one that is no Ed25519 key: the next one.
        var noKey = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(self.challenge(noKey.start(self.request(["cryptosign", "ticket"], authid: "joe")))?.authMethod == "ticket")
        var badKey = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        let malformed = self.request(["cryptosign", "ticket"], authid: "joe", authextra: ["pubkey": "not-a-key"])
        #expect(self.challenge(badKey.start(malformed))?.authMethod == "ticket")
        // tls without a client certificate.
        var noCertificate = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(self.challenge(noCertificate.start(self.request(["tls", "wampcra"], authid: "peter")))?.authMethod == "wampcra")
        // WAMP-CRA without an authid.
        var noAuthid = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(self.accepted(noAuthid.start(self.request(["wampcra", "anonymous"])))?.authmethod == .anonymous)
        // Nothing usable left.
        var nothing = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(self.rejection(nothing.start(self.request(["cryptosign", "tls"]))) == WAMPErrorURI.noMatchingAuthMethod)
    }

    @Test func methodsTheRealmCannotCheckAreSkipped() {
        let onlyWAMPCRA = AuthenticationConfiguration(wampcra: [WAMPCRAPrincipal(authid: "peter", secret: "s3cret", role: "user")])
        let offered = self.request(
            ["ticket", "cryptosign", "wampcra"], authid: "peter", authextra: ["pubkey": .string(Self.cryptosignPublicKey)])
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: onlyWAMPCRA)
        #expect(self.challenge(authenticator.start(offered))?.authMethod == "wampcra")
        // A dynamic authenticator makes a method checkable without principals.
        var dynamic = onlyWAMPCRA
        dynamic.dynamic = DynamicAuthenticatorConfiguration(procedure: "auth", methods: [.ticket])
        var withDynamic = SessionAuthenticator(realm: "realm1", configuration: dynamic)
        #expect(self.challenge(withDynamic.start(offered))?.authMethod == "ticket")
    }

    @Test func wampcraPlainAndSalted() throws {
        for (authid, salt, role) in [
            ("peter", nil as WAMPCRA.Salt?, "user"), ("salty", WAMPCRA.Salt(salt: "salt123", iterations: 100, keylen: 32), "admin"),
        ] {
            var authenticator = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
            let challenge = try #require(self.challenge(authenticator.start(self.request(["wampcra"], authid: authid))))
            let text = try #require(challenge.extra["challenge"]?.stringValue)
            #expect(text.contains("\"session\":99"))
            #expect(challenge.extra["salt"]?.stringValue == salt?.salt)
            let signature = WAMPCRA.signature(secret: "s3cret", salt: salt, challenge: text)
            #expect(self.accepted(authenticator.authenticate(.init(signature: signature, extra: [:])))?.authrole == role)
        }
        var wrong = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        let challenge = try #require(self.challenge(wrong.start(self.request(["wampcra"], authid: "peter"))))
        let signature = WAMPCRA.signature(secret: "guess", salt: nil, challenge: challenge.extra["challenge"]!.stringValue!)
        #expect(self.rejection(wrong.authenticate(.init(signature: signature, extra: [:]))) == WAMPErrorURI.authenticationFailed)
    }

    @Test func wampcraUnknownAuthidStillChallenged() throws {
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        let challenge = try #require(self.challenge(authenticator.start(self.request(["wampcra"], authid: "ghost"))))
        let signature = WAMPCRA.signature(secret: "", salt: nil, challenge: challenge.extra["challenge"]!.stringValue!)
        #expect(self.rejection(authenticator.authenticate(.init(signature: signature, extra: [:]))) == WAMPErrorURI.authenticationFailed)
    }

    @Test func cryptosignRightKeyWrongKey() throws {
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        let step = authenticator.start(self.request(["cryptosign"], authextra: ["pubkey": .string(Self.cryptosignPublicKey)]))
        let challenge = try #require(self.challenge(step))
        let signature = try #require(
            Cryptosign.signature(key: Self.cryptosignKey, challengeHex: challenge.extra["challenge"]!.stringValue!))
        let identity = self.accepted(authenticator.authenticate(.init(signature: signature, extra: [:])))
        #expect(identity?.authid == "device")
        #expect(identity?.authrole == "device")

        let stranger = Curve25519.Signing.PrivateKey()
        var other = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        let strangerKey = Hex.encode(Array(stranger.publicKey.rawRepresentation))
        let otherChallenge = try #require(self.challenge(other.start(self.request(["cryptosign"], authextra: ["pubkey": .string(strangerKey)]))))
        let otherSignature = try #require(
            Cryptosign.signature(key: stranger, challengeHex: otherChallenge.extra["challenge"]!.stringValue!))
        #expect(self.rejection(other.authenticate(.init(signature: otherSignature, extra: [:]))) == WAMPErrorURI.authenticationFailed)
    }

    @Test func tlsCertificatePrincipal() {
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        let certificate = ClientCertificate(commonName: "client-one", sha256Fingerprint: String(repeating: "ab", count: 32))
        let identity = self.accepted(authenticator.start(self.request(["tls"], certificate: certificate)))
        #expect(identity?.authid == "client-one")
        #expect(identity?.authmethod == .tls)
        // Without a certificate, tls is not an option.
        var without = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(self.rejection(without.start(self.request(["tls"]))) == WAMPErrorURI.noMatchingAuthMethod)
    }

    @Test func tlsFingerprintMayUseOpensslNotation() {
        let hex = (0..<32).map { String(format: "%02x", $0 * 7 % 256) }
        let configuration = AuthenticationConfiguration(
            tls: [TLSPrincipal(authid: "fp", role: "device", fingerprint: hex.joined(separator: ":").uppercased())])
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: configuration)
        let certificate = ClientCertificate(commonName: nil, sha256Fingerprint: hex.joined())
        #expect(self.accepted(authenticator.start(self.request(["tls"], certificate: certificate)))?.authid == "fp")
    }

    @Test func authenticateWithoutChallengeFails() {
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: self.configuration)
        #expect(self.rejection(authenticator.authenticate(.init(signature: "x", extra: [:]))) == WAMPErrorURI.authenticationFailed)
    }

    @Test func dynamicTicketAuthenticator() throws {
        var configuration = self.configuration
        configuration.dynamic = DynamicAuthenticatorConfiguration(procedure: "com.example.authenticate", methods: [.ticket])
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: configuration)
        _ = authenticator.start(self.request(["ticket"], authid: "dyn"))
        guard case .callAuthenticator(let call) = authenticator.authenticate(.init(signature: "t0k3n", extra: [:])) else {
            Issue.record("an unknown authid must go to the dynamic authenticator")
            return
        }
        #expect(call.procedure == "com.example.authenticate")
        #expect(call.args.first == "realm1")
        #expect(call.args[1] == "dyn")
        #expect(call.args[2]["ticket"] == "t0k3n")
        let identity = self.accepted(authenticator.authenticatorAnswered(.result(.init(args: [["role": "user", "extra": ["x": 1]]]))))
        #expect(identity?.authrole == "user")
        #expect(identity?.authprovider == "dynamic")
        #expect(identity?.authextra == ["x": 1])
    }

    @Test func dynamicAuthenticatorFailuresFailClosed() {
        var configuration = self.configuration
        configuration.dynamic = DynamicAuthenticatorConfiguration(procedure: "com.example.authenticate", methods: [.ticket])
        let answers: [(SessionAuthenticator.DynamicAnswer, String)] = [
            (.unavailable("timeout"), WAMPErrorURI.authenticationFailed),
            (.error("com.example.oops"), WAMPErrorURI.authenticationFailed),
            (.error(WAMPErrorURI.notAuthorized), WAMPErrorURI.notAuthorized),
            (.result(.init(args: [42])), WAMPErrorURI.authenticationFailed),
        ]
        for (answer, reason) in answers {
            var authenticator = SessionAuthenticator(realm: "realm1", configuration: configuration)
            _ = authenticator.start(self.request(["ticket"], authid: "dyn"))
            _ = authenticator.authenticate(.init(signature: "t", extra: [:]))
            #expect(self.rejection(authenticator.authenticatorAnswered(answer)) == reason)
        }
    }

    @Test func dynamicWAMPCRAGetsSecretThenChallenges() throws {
        var configuration = self.configuration
        configuration.dynamic = DynamicAuthenticatorConfiguration(procedure: "auth", methods: [.wampcra])
        var authenticator = SessionAuthenticator(realm: "realm1", configuration: configuration)
        guard case .callAuthenticator = authenticator.start(self.request(["wampcra"], authid: "remote")) else {
            Issue.record("expected a dynamic authenticator call")
            return
        }
        let challenge = try #require(
            self.challenge(authenticator.authenticatorAnswered(.result(.init(args: [["secret": "xyz", "role": "user"]])))))
        let signature = WAMPCRA.signature(secret: "xyz", salt: nil, challenge: challenge.extra["challenge"]!.stringValue!)
        #expect(self.accepted(authenticator.authenticate(.init(signature: signature, extra: [:])))?.authid == "remote")
    }
}
