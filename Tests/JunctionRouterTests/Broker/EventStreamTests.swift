import NIOConcurrencyHelpers
import Testing
import WAMPCore

@testable import JunctionRouter

/// Streams and recovery through the realm with fake peers: `_offset`/`_epoch` on EVENTs of topics
/// with history, `_recover` on SUBSCRIBE, `recovery_incomplete`, and what a store is handed.
@Suite struct EventStreamTests {
    static func configuration(limit: Int = 100) -> RealmConfiguration {
        var configuration = RealmConfiguration.openRealm(named: "realm1")
        configuration.eventHistory = [EventHistoryRule(uri: "com.s.", match: .prefix, limit: limit)]
        return configuration
    }

    func publish(_ h: RealmHarness, _ publisher: UInt64, _ topic: String, _ n: Int, options: WAMPDict = [:]) {
        h.send(.publish(.init(request: UInt64(n), options: options, topic: topic, payload: .init(args: [.int(Int64(n))]))), from: publisher)
    }

    @Test func eventsOfStreamTopicsCarryOffsetAndEpoch() {
        let h = RealmHarness(Self.configuration())
        let (publisher, _) = h.join()
        let (subscriber, peer) = h.join()
        _ = h.subscribe(subscriber, peer, "com.s.a")
        _ = h.subscribe(subscriber, peer, "com.plain")
        for n in 1...3 { self.publish(h, publisher, "com.s.a", n) }
        self.publish(h, publisher, "com.plain", 4)
        let events = peer.take().compactMap(\.event)
        #expect(events.prefix(3).map { $0.details["_offset"] } == [.uint(1), .uint(2), .uint(3)])
        let epoch = events.first?.details["_epoch"]?.stringValue
        #expect(epoch == h.realm.history.epoch)
        #expect(events.prefix(3).allSatisfy { $0.details["_epoch"]?.stringValue == epoch })
        #expect(events.last?.details["_offset"] == nil)  // no history: not a stream
        #expect(events.last?.details["_epoch"] == nil)
        // Offsets are per topic; publications naming sessions are not part of the stream.
        self.publish(h, publisher, "com.s.b", 5)
        self.publish(h, publisher, "com.s.a", 6, options: ["exclude": [.uint(publisher)]])
        self.publish(h, publisher, "com.s.a", 7)
        #expect(h.realm.history.offsets == ["com.s.a": 4, "com.s.b": 1])
    }

    @Test func recoveryDeliversTheMissedEventsBeforeAnyLiveOne() {
        let h = RealmHarness(Self.configuration())
        let (publisher, _) = h.join()
        for n in 1...10 { self.publish(h, publisher, "com.s.a", n) }
        let epoch = h.realm.history.epoch
        let (subscriber, peer) = h.join()
        h.send(.subscribe(.init(request: 7, options: ["_recover": ["offset": 4, "epoch": .string(epoch)]], topic: "com.s.a")), from: subscriber)
        let replies = peer.take()
        guard case .subscribed(let subscribed)? = replies.first else {
            Issue.record("no SUBSCRIBED first: \(replies)")
            return
        }
        let recovered = replies.dropFirst().compactMap(\.event)
        #expect(recovered.count == 6)
        #expect(recovered.map { $0.details["_offset"] } == (5...10).map { .uint(UInt64($0)) })
        #expect(recovered.map(\.payload) == (5...10).map { .init(args: [.int(Int64($0))]) })
        #expect(recovered.allSatisfy { $0.details["_recovered"] == true && $0.subscription == subscribed.subscription })
        self.publish(h, publisher, "com.s.a", 11)
        let live = peer.take().compactMap(\.event)
        #expect(live.map { $0.details["_offset"] } == [.uint(11)])
        #expect(live.first?.details["_recovered"] == nil)
    }

    @Test func recoveryAtTheCurrentOffsetDeliversNothingAndSubscribes() {
        let h = RealmHarness(Self.configuration())
        let (publisher, _) = h.join()
        for n in 1...3 { self.publish(h, publisher, "com.s.a", n) }
        let (subscriber, peer) = h.join()
        let recover: WAMPValue = ["offset": 3, "epoch": .string(h.realm.history.epoch)]
        h.send(.subscribe(.init(request: 1, options: ["_recover": recover], topic: "com.s.a")), from: subscriber)
        let replies = peer.take()
        #expect(replies.count == 1)
        #expect(replies.first?.isSubscribed == true)
    }

    @Test func recoveryPastTheWindowOrOfAnotherEpochIsIncomplete() {
        let h = RealmHarness(Self.configuration(limit: 5))
        let (publisher, _) = h.join()
        for n in 1...10 { self.publish(h, publisher, "com.s.a", n) }
        let epoch = h.realm.history.epoch
        let (subscriber, peer) = h.join()
        let cases: [WAMPValue] = [
            ["offset": 4, "epoch": .string(epoch)],  // 5 is gone: only 6...10 are kept
            ["offset": 8, "epoch": "another"],
            ["offset": 11, "epoch": .string(epoch)],  // ahead of the stream
        ]
        for recover in cases {
            h.send(.subscribe(.init(request: 3, options: ["_recover": recover], topic: "com.s.a")), from: subscriber)
            let replies = peer.take()
            guard case .error(let error)? = replies.first, replies.count == 1 else {
                Issue.record("expected one ERROR for \(recover), got \(replies)")
                continue
            }
            #expect(error.error == "junction.error.recovery_incomplete")
            #expect(error.requestType == .subscribe && error.request == 3)
            #expect(error.details == ["offset": .uint(10), "epoch": .string(epoch)])
        }
        #expect(h.realm.broker.subscriptions.isEmpty)  // nothing was subscribed
        h.send(.subscribe(.init(request: 4, options: ["_recover": ["offset": 5, "epoch": .string(epoch)]], topic: "com.s.a")), from: subscriber)
        #expect(peer.take().compactMap(\.event).count == 5)
    }

    @Test func recoveryOfATopicWithoutHistoryIsIncompleteAndMalformedOptionsAreInvalid() {
        let h = RealmHarness(Self.configuration())
        let (subscriber, peer) = h.join()
        h.send(.subscribe(.init(request: 1, options: ["_recover": ["offset": 0, "epoch": "x"]], topic: "com.plain")), from: subscriber)
        #expect(peer.take().first?.errorURI == "junction.error.recovery_incomplete")
        h.send(.subscribe(.init(request: 2, options: ["_recover": ["offset": "nine"]], topic: "com.s.a")), from: subscriber)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.invalidArgument)
        h.send(.subscribe(.init(request: 3, options: ["match": "prefix", "_recover": ["offset": 1, "epoch": "x"]], topic: "com.s")), from: subscriber)
        #expect(peer.take().first?.errorURI == WAMPErrorURI.invalidArgument)
        #expect(h.realm.broker.subscriptions.isEmpty)
    }

    @Test func patternRecoveryRecoversEveryMatchingTopicInPublicationOrder() {
        let h = RealmHarness(Self.configuration())
        let (publisher, _) = h.join()
        self.publish(h, publisher, "com.s.a", 1)
        self.publish(h, publisher, "com.s.b", 2)
        let epoch = h.realm.history.epoch
        // The subscriber saw a@1 and b@1, then dropped; meanwhile a, b and a new topic c got events.
        self.publish(h, publisher, "com.s.b", 3)
        self.publish(h, publisher, "com.s.c", 4)
        self.publish(h, publisher, "com.s.a", 5)
        let (subscriber, peer) = h.join()
        let positions: WAMPValue = [
            "positions": ["com.s.a": ["offset": 1, "epoch": .string(epoch)], "com.s.b": ["offset": 1, "epoch": .string(epoch)]]
        ]
        h.send(.subscribe(.init(request: 1, options: ["match": "prefix", "_recover": positions], topic: "com.s")), from: subscriber)
        let events = peer.take().compactMap(\.event)
        #expect(events.map(\.payload) == [3, 4, 5].map { .init(args: [.int($0)]) })
        #expect(events.map { $0.details["topic"] } == ["com.s.b", "com.s.c", "com.s.a"])

        let stale: WAMPValue = ["positions": ["com.s.a": ["offset": 1, "epoch": "old"]]]
        h.send(.subscribe(.init(request: 2, options: ["match": "wildcard", "_recover": stale], topic: "com.s.")), from: subscriber)
        guard case .error(let error)? = peer.take().first else {
            Issue.record("expected ERROR")
            return
        }
        #expect(error.error == "junction.error.recovery_incomplete")
        #expect(error.details["positions"]?["com.s.c"] == ["offset": .uint(1), "epoch": .string(epoch)])
        #expect(error.details["positions"]?["com.s.a"] == ["offset": .uint(2), "epoch": .string(epoch)])
    }

    @Test func recoveredEventsRespectTheReadersOfEachPublication() {
        let h = RealmHarness(Self.configuration())
        let (publisher, _) = h.join()
        self.publish(h, publisher, "com.s.a", 1)
        self.publish(h, publisher, "com.s.a", 2, options: ["eligible_authid": ["somebody-else"]])
        self.publish(h, publisher, "com.s.a", 3)
        let (subscriber, peer) = h.join(authid: "me")
        h.send(.subscribe(.init(request: 1, options: ["_recover": ["offset": 0, "epoch": .string(h.realm.history.epoch)]], topic: "com.s.a")), from: subscriber)
        #expect(peer.take().compactMap(\.event).map(\.payload) == [.init(args: [1]), .init(args: [3])])
    }

    @Test func aStoreGetsKeptEventsAndRetainedOnesAndSyncAlwaysDelaysPublished() {
        let store = RecordingStore(snapshot: RealmSnapshot(epoch: "E1"), acknowledgesAfterWrite: true)
        let h = RealmHarness(Self.configuration(), store: store)
        let (publisher, publisherPeer) = h.join()
        h.send(.publish(.init(request: 1, options: ["acknowledge": true, "retain": true], topic: "com.s.a", payload: .init(args: [1]))), from: publisher)
        #expect(publisherPeer.take().isEmpty)  // not on disk yet
        let writes = store.writes
        #expect(writes.count == 2)
        guard case .retained(let retained) = writes.first?.change, case .event(let event, _) = writes.last?.change else {
            Issue.record("expected a retained event and a history event: \(writes)")
            return
        }
        #expect(retained.topic == "com.s.a" && event.offset == 1 && event.details["_epoch"] == "E1")
        #expect(writes.first?.hasCallback == false && writes.last?.hasCallback == true)
        store.complete(true)
        h.loop.run()
        #expect(publisherPeer.take().first?.isPublished == true)
        // Not a stream, not retained: nothing to write, PUBLISHED at once.
        h.send(.publish(.init(request: 2, options: ["acknowledge": true], topic: "com.plain")), from: publisher)
        #expect(publisherPeer.take().first?.isPublished == true)
        // A failed write is reported to the publisher.
        h.send(.publish(.init(request: 3, options: ["acknowledge": true], topic: "com.s.a")), from: publisher)
        store.complete(false)
        h.loop.run()
        #expect(publisherPeer.take().first?.errorURI == "junction.error.storage_failed")
    }

    @Test func aRealmStartsFromItsStoresSnapshot() {
        let kept: [StoredEvent] = (1...3).map { (n: UInt64) -> StoredEvent in
            let details: WAMPDict = ["_offset": .uint(n + 10), "_epoch": "E0"]
            return StoredEvent(
                sequence: n, timestamp: 1_700_000_000_000, topic: "com.s.a", offset: n + 10, publication: 100 + n,
                details: details, payload: Payload(args: [.uint(n)]), readers: [:])
        }
        let retained = StoredEvent(
            sequence: 0, timestamp: 0, topic: "com.r", offset: 0, publication: 7, details: [:], payload: .init(args: ["r"]),
            readers: [:])
        let store = RecordingStore(
            snapshot: RealmSnapshot(epoch: "E0", events: kept, offsets: ["com.s.a": 13], retained: [retained]),
            acknowledgesAfterWrite: false)
        let h = RealmHarness(Self.configuration(), store: store)
        #expect(h.realm.history.epoch == "E0")
        let (subscriber, peer) = h.join()
        h.send(.subscribe(.init(request: 1, options: ["_recover": ["offset": 11, "epoch": "E0"]], topic: "com.s.a")), from: subscriber)
        #expect(peer.take().compactMap(\.event).map(\.publication) == [102, 103])
        h.send(.subscribe(.init(request: 2, options: ["get_retained": true], topic: "com.r")), from: subscriber)
        #expect(peer.take().compactMap(\.event).map(\.payload) == [.init(args: ["r"])])
        let (publisher, _) = h.join()
        self.publish(h, publisher, "com.s.a", 1)
        #expect(h.realm.history.offsets["com.s.a"] == 14)
    }
}

/// A `RealmStore` that records writes and completes them when the test says.
final class RecordingStore: RealmStore {
    struct Write {
        var change: RealmChange
        var hasCallback: Bool
    }

    let snapshot: RealmSnapshot
    let acknowledgesAfterWrite: Bool
    private let state = NIOLockedValueBox<(writes: [Write], callbacks: [@Sendable (Bool) -> Void])>(([], []))

    init(snapshot: RealmSnapshot, acknowledgesAfterWrite: Bool) {
        self.snapshot = snapshot
        self.acknowledgesAfterWrite = acknowledgesAfterWrite
    }

    var writes: [Write] { self.state.withLockedValue { $0.writes } }

    func write(_ change: RealmChange, whenDurable: (@Sendable (Bool) -> Void)?) {
        self.state.withLockedValue {
            $0.writes.append(Write(change: change, hasCallback: whenDurable != nil))
            if let whenDurable { $0.callbacks.append(whenDurable) }
        }
    }

    /// Calls every pending callback with `written`.
    func complete(_ written: Bool) {
        let callbacks = self.state.withLockedValue { state in
            defer { state.callbacks = [] }
            return state.callbacks
        }
        for callback in callbacks { callback(written) }
    }
}

extension WAMPMessage {
    var isSubscribed: Bool {
        if case .subscribed = self { return true }
        return false
    }

    var isPublished: Bool {
        if case .published = self { return true }
        return false
    }

}
