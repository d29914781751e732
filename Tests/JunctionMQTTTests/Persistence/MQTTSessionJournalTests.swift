import Logging
import MQTTCore
import Synchronization
import Testing

@testable import JunctionMQTT

/// A key/value store in memory that records what is written, for the persistence tests.
final class RecordingStore: MQTTRecordStore {
    let namespaces = Mutex<[String: [String: [UInt8]]]>([:])
    let writes = Atomic<Int>(0)

    func values(in namespace: String) -> [String: [UInt8]] {
        self.namespaces.withLock { $0[namespace] ?? [:] }
    }

    func put(
        _ value: [UInt8], for key: String, in namespace: String,
        whenDurable: (@Sendable (Bool) -> Void)?
    ) {
        self.namespaces.withLock { $0[namespace, default: [:]][key] = value }
        self.writes.add(1, ordering: .relaxed)
        whenDurable?(true)
    }

    func remove(_ key: String, in namespace: String, whenDurable: (@Sendable (Bool) -> Void)?) {
        _ = self.namespaces.withLock { $0[namespace]?.removeValue(forKey: key) }
        self.writes.add(1, ordering: .relaxed)
        whenDurable?(true)
    }

    func sync(whenDurable: @escaping @Sendable (Bool) -> Void) {
        whenDurable(true)
    }
}

@Suite struct MQTTSessionJournalTests {
    static let clock = MQTTPersistenceClock(
        uptimeNanoseconds: 5_000_000_000, wallMilliseconds: 1_700_000_000_000)
    static let key = MQTTSessionPersistence.key(realm: "realm1", clientID: "c1")

    static func persistentMachine(previous: MQTTSessionState? = nil, window: UInt16 = 2)
        -> (MQTTSessionStateMachine, [Action])
    {
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 600
        properties.receiveMaximum = window  // the client's: that many in flight, the rest queued
        return MQTTSessionStateMachine.connected(
            .v5, cleanStart: previous == nil, properties: properties, previous: previous)
    }

    static func outbound(_ topic: String, qos: MQTTQoS = .atLeastOnce, share: MQTTShare? = nil)
        -> MQTTOutboundMessage
    {
        MQTTOutboundMessage(
            message: message(topic, topic, qos: qos), queuedAt: 4_000_000_000, share: share)
    }

    func update(
        _ journal: inout MQTTSessionJournal, _ machine: MQTTSessionStateMachine,
        detachedAt: Int64? = nil
    )
        -> [MQTTSessionJournal.Write]
    {
        journal.update(
            to: machine.session, sessionExpiry: machine.sessionExpiry, detachedAt: detachedAt,
            now: Self.clock)
    }

    @Test func writesOnlyWhatChanged() {
        var (machine, _) = Self.persistentMachine()
        var journal = MQTTSessionJournal()
        #expect(self.update(&journal, machine).count == 1)  // the session record
        #expect(self.update(&journal, machine).isEmpty)
        _ = subscribe(&machine, "a/#", qos: .atLeastOnce)
        guard case .putSession(let record)? = self.update(&journal, machine).first else {
            Issue.record("no session record after SUBSCRIBE")
            return
        }
        #expect(record.subscriptions["a/#"]?.realmSubscription == nil)
        #expect(self.update(&journal, machine).isEmpty)

        // Sent, in flight: one record; acknowledged: removed.
        let sent = machine.deliver(Self.outbound("a/1"), now: 5_000_000_000)
        let writes = self.update(&journal, machine)
        #expect(writes.count == 1)
        guard case .putMessage(let serial, let inflight)? = writes.first,
            case .inflight(let id, _, false) = inflight.placement
        else {
            Issue.record("expected an in-flight record, got \(writes)")
            return
        }
        #expect(sent.publishes.first?.packetIdentifier == id)
        #expect(inflight.queuedAtWallClock == Self.clock.wallMilliseconds - 1000)
        _ = machine.packetReceived(.puback(MQTTPublishAck(packetIdentifier: id)), now: 0)
        #expect(self.update(&journal, machine) == [.removeMessage(serial: serial)])
        #expect(self.update(&journal, machine).isEmpty)
    }

    @Test func queueDrainingAndReleaseAreTracked() {
        var (machine, _) = Self.persistentMachine()
        var journal = MQTTSessionJournal()
        _ = subscribe(&machine, "a/#", qos: .exactlyOnce)
        _ = self.update(&journal, machine)
        // Window of 2: two in flight, two queued.
        for n in 1...4 {
            _ = machine.deliver(Self.outbound("a/\(n)", qos: .exactlyOnce), now: 5_000_000_000)
        }
        let writes = self.update(&journal, machine)
        #expect(writes.count == 4)
        #expect(journal.queue.map(\.outbound.message.topic) == ["a/3", "a/4"])
        let ids = machine.session.inflight.sorted { $0.value.sequence < $1.value.sequence }.map(\.key)
        // PUBREC: the first is released (rewritten in place).
        _ = machine.packetReceived(.pubrec(MQTTPublishAck(packetIdentifier: ids[0])), now: 0)
        let released = self.update(&journal, machine)
        #expect(released.count == 1)
        guard case .putMessage(let serial, let record)? = released.first,
            case .inflight(_, _, true) = record.placement
        else {
            Issue.record("expected a released record, got \(released)")
            return
        }
        #expect(serial == journal.inflight[ids[0]]?.serial)
        // PUBCOMP: gone, and a3 moves from the queue into flight.
        _ = machine.packetReceived(.pubcomp(MQTTPublishAck(packetIdentifier: ids[0])), now: 0)
        let moved = self.update(&journal, machine)
        #expect(moved.filter { if case .removeMessage = $0 { true } else { false } }.count == 2)
        #expect(moved.filter { if case .putMessage = $0 { true } else { false } }.count == 1)
        #expect(journal.queue.map(\.outbound.message.topic) == ["a/4"])
    }

    @Test func messagesTakenFromTheMiddleOfTheQueueAreRemoved() {
        var (machine, _) = Self.persistentMachine()
        var journal = MQTTSessionJournal()
        _ = machine.connectionClosed()
        let share = MQTTShare(shareName: "g", filter: "s/#")
        for topic in ["q/1", "s/1", "q/2", "s/2", "q/3"] {
            _ = machine.deliver(
                Self.outbound(topic, share: topic.hasPrefix("s") ? share : nil), now: 5_000_000_000)
        }
        _ = self.update(&journal, machine, detachedAt: 1)
        #expect(journal.queue.count == 5)
        let shared = journal.queue.filter { $0.outbound.share != nil }.map(\.serial)
        _ = machine.takeSharedMessages()
        let writes = self.update(&journal, machine, detachedAt: 1)
        #expect(writes == shared.map { .removeMessage(serial: $0) })
        #expect(journal.queue.map(\.outbound.message.topic) == ["q/1", "q/2", "q/3"])
    }

    @Test func forgetRemovesEverything() {
        var (machine, _) = Self.persistentMachine()
        var journal = MQTTSessionJournal()
        _ = machine.connectionClosed()
        for n in 1...3 { _ = machine.deliver(Self.outbound("q/\(n)"), now: 1) }
        _ = self.update(&journal, machine, detachedAt: 1)
        let writes = journal.forget()
        #expect(writes.first == .removeSession)
        #expect(writes.count == 4)
        #expect(journal.isEmpty)
        #expect(journal.forget().isEmpty)
    }

    /// Written, read back after a "restart", resumed: session present, the subscriptions asked
    /// of the realm again, in-flight messages again with DUP (a released one as PUBREL), then
    /// the queue in order.
    @Test func aStoredSessionResumesAfterARestart() throws {
        let store = RecordingStore()
        let persistence = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: true, now: Self.clock, logger: Logger(label: "test"))
        var (machine, _) = Self.persistentMachine()
        var journal = MQTTSessionJournal()
        _ = subscribe(&machine, "a/#", qos: .exactlyOnce, identifier: 5)
        for (n, qos) in [
            (1, MQTTQoS.exactlyOnce), (2, .atLeastOnce), (3, .atLeastOnce), (4, .exactlyOnce),
        ] {
            _ = machine.deliver(Self.outbound("a/\(n)", qos: qos), now: 5_000_000_000)
        }
        let first = machine.session.inflight.first { $0.value.outbound.message.topic == "a/1" }!.key
        _ = machine.packetReceived(.pubrec(MQTTPublishAck(packetIdentifier: first)), now: 0)
        _ = machine.publishReceived(
            MQTTPublish(topicName: "x", payload: [], qos: .exactlyOnce, packetIdentifier: 77), now: 0)
        _ = machine.realmPublished(packetIdentifier: 77, now: 0)
        _ = machine.connectionClosed()
        persistence.write(
            self.update(&journal, machine, detachedAt: Self.clock.wallMilliseconds), session: Self.key)

        let later = MQTTPersistenceClock(
            uptimeNanoseconds: 1_000_000_000, wallMilliseconds: Self.clock.wallMilliseconds + 60_000)
        let reloaded = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: true, now: later, logger: Logger(label: "test"))
        #expect(reloaded.restoredCount == 1)
        let restored = try #require(reloaded.take(Self.key, nowWall: later.wallMilliseconds))
        #expect(reloaded.take(Self.key, nowWall: later.wallMilliseconds) == nil)
        #expect(restored.state.inboundQoS2 == [77])
        #expect(restored.expiresAt == Self.clock.wallMilliseconds + 600_000)

        let (resumed, actions) = Self.persistentMachine(previous: restored.state, window: 10)
        guard case .connack(let connack)? = actions.packets.first else {
            Issue.record("no CONNACK")
            return
        }
        #expect(connack.sessionPresent)
        #expect(actions.subscribeRequests.map(\.filter) == ["a/#"])
        #expect(resumed.session.subscriptions["a/#"]?.identifier == 5)
        let packets = actions.packets.dropFirst()
        guard case .pubrel(let pubrel)? = packets.first else {
            Issue.record("expected PUBREL first, got \(Array(packets))")
            return
        }
        #expect(pubrel.packetIdentifier == first)
        let publishes = actions.publishes
        #expect(publishes.map(\.topicName) == ["a/2", "a/3", "a/4"])
        #expect(publishes.map(\.dup) == [true, false, false])
        // Journaling goes on from what is on disk: nothing to rewrite but what moved.
        var journalAfter = restored.journal
        let writes = journalAfter.update(
            to: resumed.session, sessionExpiry: 600, detachedAt: nil, now: later)
        #expect(writes.contains { if case .putSession = $0 { true } else { false } })
        #expect(journalAfter.queue.isEmpty)
        #expect(journalAfter.inflight.count == 4)
    }

    @Test func expiredSessionsAreNotRestoredAndAreRemoved() {
        let store = RecordingStore()
        let persistence = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: false, now: Self.clock, logger: Logger(label: "test"))
        var journal = MQTTSessionJournal()
        var state = MQTTSessionState()
        state.queue = [Self.outbound("q/1")]
        persistence.write(
            journal.update(
                to: state, sessionExpiry: 10, detachedAt: Self.clock.wallMilliseconds, now: Self.clock),
            session: Self.key)
        #expect(store.values(in: MQTTSessionPersistence.messageNamespace).count == 1)

        // Still valid 9 s later, but expired once taken 11 s later.
        let soon = MQTTPersistenceClock(
            uptimeNanoseconds: 1, wallMilliseconds: Self.clock.wallMilliseconds + 9_000)
        let reloaded = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: false, now: soon, logger: Logger(label: "test"))
        #expect(reloaded.take(Self.key, nowWall: Self.clock.wallMilliseconds + 11_000) == nil)
        #expect(store.values(in: MQTTSessionPersistence.sessionNamespace).isEmpty)
        #expect(store.values(in: MQTTSessionPersistence.messageNamespace).isEmpty)

        // Expired already at start: not loaded, removed.
        persistence.write(
            journal.forget()
                + {
                    var fresh = MQTTSessionJournal()
                    return fresh.update(
                        to: state, sessionExpiry: 10, detachedAt: Self.clock.wallMilliseconds, now: Self.clock)
                }(),
            session: Self.key)
        let late = MQTTPersistenceClock(
            uptimeNanoseconds: 1, wallMilliseconds: Self.clock.wallMilliseconds + 10_000)
        let afterExpiry = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: false, now: late, logger: Logger(label: "test"))
        #expect(afterExpiry.restoredCount == 0)
        #expect(store.values(in: MQTTSessionPersistence.sessionNamespace).isEmpty)
        #expect(store.values(in: MQTTSessionPersistence.messageNamespace).isEmpty)
    }

    @Test func messageKeysNameTheirSessionWhateverTheClientID() {
        for clientID in ["c1", "a b  c", "ü/#+ 0000000000000001", ""] {
            let session = MQTTSessionPersistence.key(realm: "realm1", clientID: clientID)
            let parsed = MQTTSessionPersistence.parseMessageKey(
                MQTTSessionPersistence.messageKey(session: session, serial: 0xAB))
            #expect(parsed?.session == session)
            #expect(parsed?.serial == 0xAB)
        }
        #expect(MQTTSessionPersistence.parseMessageKey("realm1 c1") == nil)
        #expect(MQTTSessionPersistence.parseMessageKey("realm1 c1 00000000000000zz") == nil)
    }

    /// A session connected when the router went down counts its expiry from the restart.
    @Test func aSessionConnectedAtTheCrashExpiresFromTheRestart() throws {
        let store = RecordingStore()
        var journal = MQTTSessionJournal()
        let persistence = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: false, now: Self.clock, logger: Logger(label: "test"))
        persistence.write(
            journal.update(to: MQTTSessionState(), sessionExpiry: 10, detachedAt: nil, now: Self.clock),
            session: Self.key)
        let restart = MQTTPersistenceClock(
            uptimeNanoseconds: 1, wallMilliseconds: Self.clock.wallMilliseconds + 3_600_000)
        let reloaded = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: false, now: restart, logger: Logger(label: "test"))
        let restored = try #require(reloaded.take(Self.key, nowWall: restart.wallMilliseconds + 1))
        #expect(restored.expiresAt == restart.wallMilliseconds + 10_000)
    }

    /// An unreadable record is named in the log and left on disk; the others load; the client
    /// whose record it was starts a fresh session.
    @Test func corruptRecordsAreSkippedAndKept() throws {
        let store = RecordingStore()
        let good = MQTTSessionPersistence.key(realm: "realm1", clientID: "good")
        let bad = MQTTSessionPersistence.key(realm: "realm1", clientID: "bad")
        var journal = MQTTSessionJournal()
        var state = MQTTSessionState()
        state.queue = [Self.outbound("q/1"), Self.outbound("q/2")]
        let persistence = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: false, now: Self.clock, logger: Logger(label: "test"))
        persistence.write(
            journal.update(to: state, sessionExpiry: 600, detachedAt: nil, now: Self.clock), session: good
        )
        store.put(
            [0xC1, 0x00], for: bad, in: MQTTSessionPersistence.sessionNamespace, whenDurable: nil)
        let messages = store.values(in: MQTTSessionPersistence.messageNamespace).keys.sorted()
        store.put(
            [1, 2, 3], for: messages[1], in: MQTTSessionPersistence.messageNamespace, whenDurable: nil)
        store.put(
            [1], for: "no separator", in: MQTTSessionPersistence.messageNamespace, whenDurable: nil)

        let logs = LogCapture()
        var logger = Logger(label: "test") { _ in logs }
        logger.logLevel = .info
        let reloaded = MQTTSessionPersistence(
            store: store, acknowledgesAfterCommit: false, now: Self.clock, logger: logger)
        #expect(reloaded.restoredCount == 1)
        let restored = try #require(reloaded.take(good, nowWall: Self.clock.wallMilliseconds))
        #expect(restored.state.queue.map(\.message.topic) == ["q/1"])
        #expect(reloaded.take(bad, nowWall: Self.clock.wallMilliseconds) == nil)
        #expect(store.values(in: MQTTSessionPersistence.sessionNamespace)[bad] == [0xC1, 0x00])
        let errors = logs.messages.filter { $0.contains("unreadable") || $0.contains("malformed") }
        #expect(errors.count == 3)
        #expect(errors.contains { $0.contains("realm1 bad") })
    }
}

/// Collects log lines (message and metadata) for assertions.
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var messages: [String] { self.lines.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let line = "\(event.message) \(event.metadata ?? [:])"
        self.lines.withLock { $0.append(line) }
    }
}
