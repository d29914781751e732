import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import WAMPCore

@testable import JunctionRouter

/// Realms on an embedded loop, a settable wall clock and a counting random source for
/// `SessionStateMachine`'s establishment: every path runs without a network or a sleep.
final class EstablishmentHarness {
    static let start: Int64 = 1_700_000_000_000
    let loop = EmbeddedEventLoop()
    private let time = NIOLockedValueBox<Int64>(EstablishmentHarness.start)
    private(set) var realms: [String: Realm] = [:]
    let policy: LoginFailurePolicy
    private(set) var environment: EstablishmentEnvironment!

    init(
        _ configurations: [RealmConfiguration], allowed: Set<AuthMethod> = Set(AuthMethod.allCases),
        policy: LoginFailurePolicy = .init(delayMilliseconds: 1000, maxFailures: 3, windowMilliseconds: 60_000)
    ) {
        self.policy = policy
        let time = self.time
        let clock = WallClock { time.withLockedValue { $0 } }
        for configuration in configurations {
            self.realms[configuration.name] = Realm(
                configuration: configuration, eventLoop: self.loop, logger: Logger(label: "test"), clock: clock)
        }
        let realms = self.realms
        let counter = NIOLockedValueBox<UInt64>(0)
        self.environment = EstablishmentEnvironment(
            realms: { realms[$0] }, allowedMethods: allowed, helloTimeout: .seconds(10), failurePolicy: policy,
            clock: clock,
            random: RandomSource {
                counter.withLockedValue {
                    $0 &+= 1
                    return $0 &* 0x9E37_79B9_7F4A_7C15
                }
            })
    }

    var now: Int64 { self.time.withLockedValue { $0 } }

    func advanceClock(milliseconds: Int64) {
        self.time.withLockedValue { $0 += milliseconds }
    }

    /// A machine whose transport is open, its hello timer asked for.
    func machine() -> SessionStateMachine {
        var machine = SessionStateMachine(environment: self.environment)
        _ = machine.connectionOpened(pendingPlaceGranted: true)
        return machine
    }

    static func hello(
        realm: String = "realm1", methods: [String] = [], authid: String? = nil, authextra: WAMPDict? = nil
    ) -> WAMPMessage {
        var details: WAMPDict = ["roles": ["caller": [:]]]
        if !methods.isEmpty { details["authmethods"] = .list(methods.map { .string($0) }) }
        if let authid { details["authid"] = .string(authid) }
        if let authextra { details["authextra"] = .dict(authextra) }
        return .hello(.init(realm: realm, details: details))
    }
}

/// A transport as the authenticator sees it, counting what it was asked.
final class FakeConnection: EstablishingConnection {
    var certificate: ClientCertificate?
    private(set) var certificateRequests = 0
    private(set) var detailsRequests = 0

    init(certificate: ClientCertificate? = nil) {
        self.certificate = certificate
    }

    func clientCertificate() -> ClientCertificate? {
        self.certificateRequests += 1
        return self.certificate
    }

    func transportDetails() -> WAMPDict {
        self.detailsRequests += 1
        return ["type": "websocket", "peer": "192.0.2.1:5000"]
    }
}

extension SessionStateMachine.Action {
    var refusal: SessionEstablishment.Refusal? {
        if case .refuse(let refusal) = self { return refusal }
        return nil
    }

    var joinRequest: SessionEstablishment.JoinRequest? {
        if case .join(let request) = self { return request }
        return nil
    }

    var challenge: WAMPMessage.Challenge? {
        if case .send(.challenge(let challenge)) = self { return challenge }
        return nil
    }

    var authenticatorCall: SessionEstablishment.AuthenticatorCall? {
        if case .callAuthenticator(let call) = self { return call }
        return nil
    }

    var abortReason: String? {
        if case .sendAndClose(.abort(let abort), _) = self { return abort.reason }
        return nil
    }
}
