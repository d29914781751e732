import JunctionRouter
import Logging
import MQTTCore
import Testing
import WAMPCore

@testable import JunctionMQTT

/// What a stored session needs to rejoin its realm at start: the identity in version 2 records
/// (version 1 ones still read), the decision against the current configuration, which sessions
/// are taken to rejoin, and the machine's detached start.
@Suite struct MQTTSessionRestoreTests {
    static let identity = MQTTSessionIdentity(
        authid: "sensor-1", authrole: "device", authmethod: "ticket", authprovider: "static")
    static let clock = MQTTPersistenceClock(uptimeNanoseconds: 5_000_000_000, wallMilliseconds: 1_700_000_000_000)

    static var subscriptions: [String: MQTTSubscriptionEntry] {
        [
            "cmd/#": MQTTSubscriptionEntry(
                filter: "cmd/#", options: MQTTSubscriptionOptions(maximumQoS: .atLeastOnce), identifier: 7)
        ]
    }

    @Test func versionTwoRecordsKeepTheIdentity() throws {
        let record = MQTTSessionRecord(
            subscriptions: Self.subscriptions, sessionExpiry: 60, detachedAt: 5, identity: Self.identity)
        let decoded = try MQTTSessionRecord(decoding: record.encoded())
        #expect(decoded == record)
        #expect(decoded.identity == Self.identity)
        let dict = try MessagePackSerializer().decode(record.encoded()).dictValue
        #expect(dict?["v"]?.unsignedInteger == 2)
    }

    @Test func versionOneRecordsAreStillRead() throws {
        let serializer = MessagePackSerializer()
        let bytes = serializer.encode(
            .dict([
                "v": 1, "expiry": 60, "qos2_in": [3],
                "subscriptions": [["cmd/#", "cmd/#", .null, 1, false, false, 0, 7]],
            ]))
        let decoded = try MQTTSessionRecord(decoding: bytes)
        #expect(decoded.identity == nil)
        #expect(decoded.sessionExpiry == 60)
        #expect(decoded.inboundQoS2 == [3])
        #expect(decoded.subscriptions["cmd/#"]?.identifier == 7)
        let message = serializer.encode(
            .dict(["v": 1, "topic": "a", "payload": .binary([1]), "x_mqtt": ["qos": 1], "queued_at": 1]))
        #expect(try MQTTMessageRecord(decoding: message).outbound.message.topic == "a")
    }

    @Test func malformedIdentitiesAndFutureVersionsAreRefused() {
        let serializer = MessagePackSerializer()
        for (name, bytes) in [
            ("identity not a list", serializer.encode(.dict(["v": 2, "expiry": 1, "identity": "x"]))),
            ("identity too short", serializer.encode(.dict(["v": 2, "expiry": 1, "identity": ["a", "b"]]))),
            ("identity field", serializer.encode(.dict(["v": 2, "expiry": 1, "identity": ["a", "b", 3, "d"]]))),
            ("version 3", serializer.encode(.dict(["v": 3, "expiry": 1]))),
            ("version 0", serializer.encode(.dict(["v": 0, "expiry": 1]))),
        ] {
            #expect(throws: MQTTRecordError.self, "\(name)") { try MQTTSessionRecord(decoding: bytes) }
        }
    }

    @Test func theJournalWritesTheIdentityOnceAndWhenItChanges() {
        var journal = MQTTSessionJournal()
        var state = MQTTSessionState()
        state.subscriptions = Self.subscriptions
        let first = journal.update(
            to: state, sessionExpiry: 60, detachedAt: nil, identity: Self.identity, now: Self.clock)
        #expect(first.count == 1)
        guard case .putSession(let record) = first.first else {
            Issue.record("no session record")
            return
        }
        #expect(record.identity == Self.identity)
        #expect(
            journal.update(
                to: state, sessionExpiry: 60, detachedAt: nil, identity: Self.identity, now: Self.clock
            ).isEmpty)
        var other = Self.identity
        other.authrole = "admin"
        #expect(
            journal.update(to: state, sessionExpiry: 60, detachedAt: nil, identity: other, now: Self.clock).count
                == 1)
    }

    @Test func theDecisionChecksRealmAndRoleAgainstTheConfiguration() {
        let realm = RealmConfiguration(name: "realm1", roles: [.allowAll(name: "device"), .allowAll(name: "anonymous")])
        #expect(MQTTRestoreDecision.decide(identity: Self.identity, realm: realm) == .rejoin(role: "device"))
        #expect(
            MQTTRestoreDecision.decide(identity: Self.identity, realm: nil) == .drop(reason: "its realm is gone"))
        let noDevice = RealmConfiguration(name: "realm1", roles: [.allowAll(name: "anonymous")])
        #expect(
            MQTTRestoreDecision.decide(identity: Self.identity, realm: noDevice)
                == .drop(reason: "its role 'device' is gone"))
        // Anonymous sessions take the realm's anonymous role as it is now.
        var anonymous = Self.identity
        anonymous.authmethod = "anonymous"
        anonymous.authrole = "whatever"
        #expect(MQTTRestoreDecision.decide(identity: anonymous, realm: noDevice) == .rejoin(role: "anonymous"))
        var closed = noDevice
        closed.anonymousRole = nil
        guard case .drop = MQTTRestoreDecision.decide(identity: anonymous, realm: closed) else {
            Issue.record("anonymous session rejoined a realm without anonymous access")
            return
        }
        var strange = Self.identity
        strange.authmethod = "telepathy"
        guard case .drop = MQTTRestoreDecision.decide(identity: strange, realm: realm) else {
            Issue.record("unknown method accepted")
            return
        }
    }

    @Test func onlySessionsWithAnIdentityOfTheRealmAreTakenToRejoin() {
        let store = RecordingStore()
        let writer = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: false, now: Self.clock, logger: Logger(label: "test"))
        var state = MQTTSessionState()
        state.subscriptions = Self.subscriptions
        state.queue = [MQTTOutboundMessage(message: message("cmd/a", "1", qos: .atLeastOnce), queuedAt: 1)]
        let stored: [(String, String, MQTTSessionIdentity?, Int64)] = [
            ("realm1", "new", Self.identity, Self.clock.wallMilliseconds),
            ("realm1", "old", nil, Self.clock.wallMilliseconds),
            ("realm2", "other", Self.identity, Self.clock.wallMilliseconds),
            ("realm1", "gone", Self.identity, Self.clock.wallMilliseconds - 61_000),
        ]
        for (realm, client, identity, detached) in stored {
            var journal = MQTTSessionJournal()
            writer.write(
                journal.update(to: state, sessionExpiry: 60, detachedAt: detached, identity: identity, now: Self.clock),
                session: MQTTSessionPersistence.key(realm: realm, clientID: client))
        }
        let loaded = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: false, now: Self.clock, logger: Logger(label: "test"))
        #expect(loaded.restoredCount == 3)  // "gone" expired at load
        let rejoining = loaded.takeRejoinable(realm: "realm1", nowWall: Self.clock.wallMilliseconds)
        #expect(rejoining.map(\.clientID) == ["new"])
        #expect(rejoining.first?.identity == Self.identity)
        #expect(rejoining.first?.session.state.queue.count == 1)
        #expect(loaded.takeRejoinable(realm: "realm1", nowWall: Self.clock.wallMilliseconds).isEmpty)
        // The version 1 session waits for its client; the other realm's for its listener.
        #expect(loaded.restoredCount == 2)
        #expect(loaded.take(MQTTSessionPersistence.key(realm: "realm1", clientID: "old"), nowWall: 0) != nil)

        // A dropped session leaves nothing on disk.
        loaded.drop(rejoining[0], reason: "test")
        #expect(store.values(in: MQTTSessionPersistence.sessionNamespace)["realm1 new"] == nil)
        #expect(
            !store.values(in: MQTTSessionPersistence.messageNamespace).keys.contains { $0.hasPrefix("realm1 new ") })
    }

    @Test func aRestoredMachineIsDetachedSubscribesAgainAndQueues() {
        var machine = MQTTSessionStateMachine()
        var state = MQTTSessionState()
        state.subscriptions = Self.subscriptions
        state.subscriptions["cmd/#"]?.realmSubscription = 99
        let actions = machine.restored(clientIdentifier: "sensor-1", session: state, sessionExpiry: 60)
        #expect(machine.isDetached)
        #expect(machine.clientIdentifier == "sensor-1")
        #expect(machine.will == nil)
        #expect(actions.count == 1)
        guard case .subscribe(let request) = actions.first else {
            Issue.record("no subscribe")
            return
        }
        #expect(request.filter == "cmd/#")
        #expect(request.token.packetIdentifier == 0)
        #expect(machine.session.subscriptions["cmd/#"]?.realmSubscription == nil)
        _ = machine.realmSubscribed(request.token, subscription: 5)
        let queued = machine.eventReceived(
            subscription: 5, publication: 1, message: message("cmd/a", "x", qos: .atLeastOnce), retained: false,
            now: 1, deliverShared: { _, _ in true })
        #expect(!queued.contains { if case .send = $0 { return true } else { return false } })
        #expect(machine.session.queue.count == 1)
        // Its client takes it over with everything queued.
        let (taken, _) = machine.handOver()
        #expect(taken.queue.count == 1)
        // Only from a fresh machine.
        #expect(machine.restored(clientIdentifier: "x", session: state, sessionExpiry: 1).isEmpty)
    }
}
