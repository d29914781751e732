import Logging
import NIOConcurrencyHelpers
import NIOEmbedded
import WAMPCore

@testable import JunctionRouter

/// A realm on an embedded event loop (timers advance with `loop.advanceTime`) and a settable wall
/// clock, joined by fake peers that announce the advanced features they want.
final class RealmHarness {
    let loop = EmbeddedEventLoop()
    let realm: Realm
    private let time = NIOLockedValueBox<Int64>(1_700_000_000_000)

    static let allFeatures: [String: [String]] = [
        "caller": ["progressive_call_results", "progressive_call_invocations", "call_canceling", "caller_identification",
            "payload_passthru_mode"],
        "callee": ["progressive_call_results", "progressive_call_invocations", "call_canceling", "caller_identification",
            "pattern_based_registration", "shared_registration", "registration_revocation", "payload_passthru_mode"],
        "publisher": ["publisher_identification", "subscriber_blackwhite_listing", "publisher_exclusion",
            "payload_passthru_mode"],
        "subscriber": ["publisher_identification", "pattern_based_subscription", "subscription_revocation",
            "payload_passthru_mode"],
    ]

    init(_ configuration: RealmConfiguration = .openRealm(named: "realm1"), store: (any RealmStore)? = nil) {
        let time = self.time
        self.realm = Realm(
            configuration: configuration, eventLoop: self.loop, logger: Logger(label: "test"),
            clock: WallClock { time.withLockedValue { $0 } }, store: store)
    }

    /// Moves the wall clock (not the event loop's timers).
    func advanceClock(seconds: Int64) {
        self.time.withLockedValue { $0 += seconds * 1000 }
    }

    func join(features: [String: [String]] = RealmHarness.allFeatures, authid: String? = nil) -> (UInt64, FakePeer) {
        var roles: WAMPDict = [:]
        for (role, names) in features {
            roles[role] = ["features": .dict(Dictionary(uniqueKeysWithValues: names.map { ($0, WAMPValue.bool(true)) }))]
        }
        var details: WAMPDict = ["roles": .dict(roles)]
        if let authid { details["authid"] = .string(authid) }
        let peer = FakePeer()
        guard case .welcome(let id, _) = self.realm.join(hello: .init(realm: "realm1", details: details), peer: peer, transport: "test")
        else { fatalError("join refused") }
        return (id, peer)
    }

    func send(_ message: WAMPMessage, from session: UInt64) {
        self.realm.receive(message, from: session)
    }

    /// Registers and returns the registration id.
    func register(_ session: UInt64, _ peer: FakePeer, _ procedure: String, options: WAMPDict = [:]) -> UInt64 {
        self.send(.register(.init(request: 1, options: options, procedure: procedure)), from: session)
        guard case .registered(let registered) = peer.take().last else { return 0 }
        return registered.registration
    }

    func subscribe(_ session: UInt64, _ peer: FakePeer, _ topic: String, options: WAMPDict = [:]) -> UInt64 {
        self.send(.subscribe(.init(request: 1, options: options, topic: topic)), from: session)
        guard case .subscribed(let subscribed) = peer.take().first else { return 0 }
        return subscribed.subscription
    }

    /// Calls a meta procedure and returns the RESULT (or the ERROR URI as a string).
    func meta(_ session: UInt64, _ peer: FakePeer, _ procedure: String, _ args: WAMPList = [], kwargs: WAMPDict? = nil)
        -> MetaOutcome
    {
        self.send(.call(.init(request: 99, procedure: procedure, payload: .init(args: args, kwargs: kwargs))), from: session)
        let replies = peer.take()
        for reply in replies.reversed() {
            if case .result(let result) = reply, result.request == 99 { return .result(result) }
            if case .error(let error) = reply, error.request == 99 { return .error(error.error) }
        }
        return .error("no reply")
    }
}

enum MetaOutcome: Equatable {
    case result(WAMPMessage.Result)
    case error(String)

    var firstArg: WAMPValue? {
        if case .result(let result) = self { return result.payload.args?.first }
        return nil
    }

    var errorURI: String? {
        if case .error(let uri) = self { return uri }
        return nil
    }
}

extension WAMPMessage {
    var errorURI: String? {
        if case .error(let error) = self { return error.error }
        return nil
    }

    var invocation: Invocation? {
        if case .invocation(let invocation) = self { return invocation }
        return nil
    }

    var event: Event? {
        if case .event(let event) = self { return event }
        return nil
    }

    var resultMessage: Result? {
        if case .result(let result) = self { return result }
        return nil
    }

    var interrupt: Interrupt? {
        if case .interrupt(let interrupt) = self { return interrupt }
        return nil
    }
}

