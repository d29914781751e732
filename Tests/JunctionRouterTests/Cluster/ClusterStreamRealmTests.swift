import NIOConcurrencyHelpers
import Testing
import WAMPCore

@testable import JunctionRouter

/// Stands in for Redis: records what the realm asks and lets the test answer when it wants.
final class FakeStreamLink: RealmStreamLink {
    struct Publish {
        var topic: String
        var history: ClusterHistoryLimits?
        var retain: Bool
        var completion: @Sendable (Result<StreamPosition?, any Error>) -> Void
    }

    struct Read {
        var topic: String
        var after: UInt64
        var completion: @Sendable (Result<ClusterStreamRead, any Error>) -> Void
    }

    struct PatternRead {
        var pattern: String
        var match: MatchPolicy
        var after: [String: UInt64]
        var completion: @Sendable (Result<ClusterPatternRead, any Error>) -> Void
    }

    let connected = NIOLockedValueBox(true)
    let publishes = NIOLockedValueBox<[Publish]>([])
    let reads = NIOLockedValueBox<[Read]>([])
    let patternReads = NIOLockedValueBox<[PatternRead]>([])

    func realm(
        _ realm: String, publishedToStream topic: String, publication: UInt64, payload: Payload, options: WAMPDict,
        details: WAMPDict, publisher: RemotePublisher, history: ClusterHistoryLimits?, retain: Bool,
        completion: @escaping @Sendable (Result<StreamPosition?, any Error>) -> Void
    ) -> Bool {
        guard self.connected.withLockedValue({ $0 }) else { return false }
        self.publishes.withLockedValue {
            $0.append(Publish(topic: topic, history: history, retain: retain, completion: completion))
        }
        return true
    }

    func realm(
        _ realm: String, readStream topic: String, after offset: UInt64,
        completion: @escaping @Sendable (Result<ClusterStreamRead, any Error>) -> Void
    ) -> Bool {
        guard self.connected.withLockedValue({ $0 }) else { return false }
        self.reads.withLockedValue { $0.append(Read(topic: topic, after: offset, completion: completion)) }
        return true
    }

    func realm(
        _ realm: String, readStreamsMatching pattern: String, match: MatchPolicy, after offsets: [String: UInt64],
        completion: @escaping @Sendable (Result<ClusterPatternRead, any Error>) -> Void
    ) -> Bool {
        guard self.connected.withLockedValue({ $0 }) else { return false }
        self.patternReads.withLockedValue {
            $0.append(PatternRead(pattern: pattern, match: match, after: offsets, completion: completion))
        }
        return true
    }

    func takePatternReads() -> [PatternRead] {
        self.patternReads.withLockedValue { reads in
            defer { reads = [] }
            return reads
        }
    }

    func takePublishes() -> [Publish] {
        self.publishes.withLockedValue { publishes in
            defer { publishes = [] }
            return publishes
        }
    }

    func takeReads() -> [Read] {
        self.reads.withLockedValue { reads in
            defer { reads = [] }
            return reads
        }
    }
}

/// A clustered realm's streams with a fake Redis: offsets come from the cluster, local delivery
/// waits for them in per-publisher order, `_recover` is answered after the read with the live
/// events that arrived meanwhile, and history publications are refused without Redis.
@Suite struct ClusterStreamRealmTests {
    static func harness() -> (RealmHarness, FakeStreamLink) {
        var configuration = RealmConfiguration.openRealm(named: "realm1")
        configuration.eventHistory = [EventHistoryRule(uri: "com.s.", match: .prefix, limit: 100)]
        let h = RealmHarness(configuration)
        let link = FakeStreamLink()
        h.realm.attachStreamLink(link)
        return (h, link)
    }

    static func publish(_ h: RealmHarness, _ publisher: UInt64, _ topic: String, _ n: Int, options: WAMPDict = [:]) {
        h.send(
            .publish(.init(request: UInt64(n), options: options, topic: topic, payload: .init(args: [.int(Int64(n))]))),
            from: publisher)
    }

    static func remote(_ offset: UInt64, epoch: String = "E") -> (StreamPosition, RemotePublisher) {
        (StreamPosition(offset: offset, epoch: epoch), RemotePublisher(session: 424242, authid: "x", authrole: "r"))
    }

    static func args(_ events: [WAMPMessage.Event]) -> [Int64] {
        events.compactMap { $0.payload.args?.first?.signedInteger }
    }

    @Test func aHistoryPublicationWaitsForItsOffsetAndThePublishersLaterOnesWaitBehindIt() {
        let (h, link) = Self.harness()
        let (publisher, _) = h.join()
        let (other, _) = h.join()
        let (subscriber, peer) = h.join()
        _ = h.subscribe(subscriber, peer, "com.s.a")
        _ = h.subscribe(subscriber, peer, "com.plain")
        Self.publish(h, publisher, "com.s.a", 1)
        Self.publish(h, publisher, "com.plain", 2)
        Self.publish(h, other, "com.plain", 3)  // another publisher: not held back
        #expect(Self.args(peer.take().compactMap(\.event)) == [3])
        let pending = link.takePublishes()
        #expect(pending.map(\.topic) == ["com.s.a"])
        #expect(pending.first?.history == ClusterHistoryLimits(maxLength: 100, maxAgeSeconds: nil))
        pending[0].completion(.success(StreamPosition(offset: 41, epoch: "E")))
        h.loop.run()
        let events = peer.take().compactMap(\.event)
        #expect(Self.args(events) == [1, 2])
        #expect(events.first?.details["_offset"] == .uint(41))
        #expect(events.first?.details["_epoch"] == "E")
        #expect(events.last?.details["_offset"] == nil)
        // The realm's copy follows the cluster's position (for get_events and pattern recovery).
        #expect(h.realm.history.position(of: "com.s.a") == StreamPosition(offset: 41, epoch: "E"))
    }

    @Test func withoutRedisAHistoryPublicationIsRefusedAndNothingElseIsHeldBack() {
        let (h, link) = Self.harness()
        link.connected.withLockedValue { $0 = false }
        let (publisher, publisherPeer) = h.join()
        let (subscriber, peer) = h.join()
        _ = h.subscribe(subscriber, peer, "com.s.a")
        _ = h.subscribe(subscriber, peer, "com.plain")
        Self.publish(h, publisher, "com.s.a", 1, options: ["acknowledge": true])
        Self.publish(h, publisher, "com.plain", 2, options: ["acknowledge": true])
        h.loop.run()
        #expect(Self.args(peer.take().compactMap(\.event)) == [2])
        let replies = publisherPeer.take()
        let refused = replies.compactMap { message -> String? in
            if case .error(let error) = message, error.request == 1 { return error.error }
            return nil
        }
        #expect(refused == [WAMPErrorURI.clusterUnavailable])
        #expect(replies.contains { if case .published(let p) = $0 { return p.request == 2 }; return false })
    }

    @Test func anAcknowledgedHistoryPublicationIsPublishedOnlyOnceItHasItsOffset() {
        let (h, link) = Self.harness()
        let (publisher, publisherPeer) = h.join()
        Self.publish(h, publisher, "com.s.a", 1, options: ["acknowledge": true])
        h.loop.run()
        #expect(publisherPeer.take().isEmpty)
        link.takePublishes()[0].completion(.success(StreamPosition(offset: 1, epoch: "E")))
        h.loop.run()
        #expect(publisherPeer.take().contains { if case .published = $0 { return true }; return false })
    }

    @Test func recoveryDeliversTheReadThenTheLiveEventsThatArrivedMeanwhileWithoutDuplicates() {
        let (h, link) = Self.harness()
        let (subscriber, peer) = h.join()
        h.send(.subscribe(.init(request: 7, options: ["_recover": ["offset": 2, "epoch": "E"]], topic: "com.s.a")), from: subscriber)
        #expect(peer.take().isEmpty)  // nothing until the read is back
        let read = link.takeReads()
        #expect(read.map(\.after) == [2])
        // Live events reach the node while the read is in flight: 4 (also in the read) and 5.
        for offset: UInt64 in [4, 5] {
            let (position, publisher) = Self.remote(offset)
            h.realm.deliverRemoteStreamPublication(
                topic: "com.s.a", publication: offset * 10, payload: .init(args: [.int(Int64(offset))]), options: [:],
                details: [:], publisher: publisher, position: position)
        }
        let stored = (3...4).map { offset in
            ClusterStreamEvent(
                offset: offset, timestamp: 1_700_000_000_000, publication: offset * 10,
                payload: .init(args: [.int(Int64(offset))]), options: [:], details: [:],
                publisher: RemotePublisher(session: 424242, authid: "x", authrole: "r"))
        }
        read[0].completion(.success(ClusterStreamRead(epoch: "E", current: 4, events: stored)))
        h.loop.run()
        let replies = peer.take()
        guard case .subscribed(let subscribed)? = replies.first else {
            Issue.record("no SUBSCRIBED first: \(replies)")
            return
        }
        let events = replies.compactMap(\.event)
        #expect(Self.args(events) == [3, 4, 5])
        #expect(events.map { $0.details["_recovered"] } == [true, true, nil])
        #expect(events.allSatisfy { $0.subscription == subscribed.subscription })
        // A frame at or below the read's position arriving late (another source) is not sent
        // again; newer ones are live.
        for offset: UInt64 in [4, 6] {
            let (position, publisher) = Self.remote(offset)
            h.realm.deliverRemoteStreamPublication(
                topic: "com.s.a", publication: offset * 10, payload: .init(args: [.int(Int64(offset))]), options: [:],
                details: [:], publisher: publisher, position: position)
        }
        #expect(Self.args(peer.take().compactMap(\.event)) == [6])
    }

    @Test func anIncompleteReadAnswersRecoveryIncompleteAndSubscribesNothing() {
        let (h, link) = Self.harness()
        let (subscriber, peer) = h.join()
        h.send(.subscribe(.init(request: 7, options: ["_recover": ["offset": 2, "epoch": "old"]], topic: "com.s.a")), from: subscriber)
        link.takeReads()[0].completion(.success(ClusterStreamRead(epoch: "E", current: 9, events: [])))
        h.loop.run()
        let replies = peer.take()
        guard case .error(let error)? = replies.first else {
            Issue.record("no ERROR: \(replies)")
            return
        }
        #expect(error.error == WAMPErrorURI.recoveryIncomplete)
        #expect(error.details == ["offset": .uint(9), "epoch": "E"])
        #expect(h.realm.broker.subscriptions.isEmpty)
    }

    @Test func recoveryWithoutRedisIsIncomplete() {
        let (h, link) = Self.harness()
        link.connected.withLockedValue { $0 = false }
        let (subscriber, peer) = h.join()
        h.send(.subscribe(.init(request: 7, options: ["_recover": ["offset": 2, "epoch": "E"]], topic: "com.s.a")), from: subscriber)
        h.loop.run()
        guard case .error(let error)? = peer.take().first else {
            Issue.record("no ERROR")
            return
        }
        #expect(error.error == WAMPErrorURI.recoveryIncomplete)
        #expect(h.realm.broker.subscriptions.isEmpty)
    }

    @Test func aRetainedEventOfAnotherNodeIsWhatGetRetainedSees() {
        let (h, _) = Self.harness()
        h.realm.deliverRemoteStreamPublication(
            topic: "com.plain", publication: 99, payload: .init(args: ["kept"]), options: ["retain": true],
            details: [:], publisher: RemotePublisher(session: 424242, authid: "x", authrole: "r"), position: nil)
        let (subscriber, peer) = h.join()
        h.send(.subscribe(.init(request: 2, options: ["get_retained": true], topic: "com.plain")), from: subscriber)
        let events = peer.take().compactMap(\.event)
        #expect(events.first?.publication == 99)
        #expect(events.first?.details["retained"] == true)
    }
}
