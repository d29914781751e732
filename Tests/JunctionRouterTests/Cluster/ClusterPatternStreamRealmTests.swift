import Testing
import WAMPCore

@testable import JunctionRouter

/// A clustered realm's pattern `_recover` and `get_events` with a fake Redis: both are answered
/// from the cluster's read, the live events of matching topics that arrive meanwhile follow the
/// recovered ones without duplicates, and `get_events` falls back to the node's copy without
/// Redis.
@Suite struct ClusterPatternStreamRealmTests {
    static let publisher = RemotePublisher(session: 424242, authid: "x", authrole: "r")

    static func stored(_ offset: UInt64, _ value: Int64, at timestamp: Int64) -> ClusterStreamEvent {
        ClusterStreamEvent(
            offset: offset, timestamp: timestamp, publication: UInt64(value), payload: .init(args: [.int(value)]),
            options: [:], details: [:], publisher: Self.publisher)
    }

    static func live(_ h: RealmHarness, _ topic: String, _ offset: UInt64, _ value: Int64) {
        h.realm.deliverRemoteStreamPublication(
            topic: topic, publication: UInt64(value), payload: .init(args: [.int(value)]), options: [:], details: [:],
            publisher: Self.publisher, position: StreamPosition(offset: offset, epoch: "E"))
    }

    static func getEvents(_ h: RealmHarness, _ reader: UInt64, _ subscription: UInt64, request: UInt64) {
        h.send(
            .call(
                .init(
                    request: request, procedure: "wamp.subscription.get_events",
                    payload: .init(args: [.uint(subscription)]))),
            from: reader)
    }

    @Test func aPatternRecoveryReadsTheClusterThenSendsNewerLiveEventsOnce() {
        let (h, link) = ClusterStreamRealmTests.harness()
        let (subscriber, peer) = h.join()
        h.send(
            .subscribe(
                .init(
                    request: 7,
                    options: ["match": "prefix", "_recover": ["positions": ["com.s.a": ["offset": 2, "epoch": "E"]]]],
                    topic: "com.s.")),
            from: subscriber)
        #expect(peer.take().isEmpty)  // nothing until the read is back
        let reads = link.takePatternReads()
        #expect(reads.map(\.pattern) == ["com.s."])
        #expect(reads.first?.match == .prefix)
        #expect(reads.first?.after == ["com.s.a": 2])
        // Live while the read is in flight: a:4 (also in the read) and b:2 (newer than the read).
        Self.live(h, "com.s.a", 4, 4)
        Self.live(h, "com.s.b", 2, 102)
        reads[0].completion(
            .success(
                ClusterPatternRead(
                    epoch: "E",
                    topics: [
                        "com.s.a": ClusterStreamRead(
                            epoch: "E", current: 4, events: [Self.stored(3, 3, at: 10), Self.stored(4, 4, at: 30)]),
                        "com.s.b": ClusterStreamRead(epoch: "E", current: 1, events: [Self.stored(1, 101, at: 20)]),
                    ])))
        h.loop.run()
        let replies = peer.take()
        guard case .subscribed(let subscribed)? = replies.first else {
            Issue.record("no SUBSCRIBED first: \(replies)")
            return
        }
        let events = replies.compactMap(\.event)
        #expect(ClusterStreamRealmTests.args(events) == [3, 101, 4, 102])
        #expect(events.map { $0.details["_recovered"] } == [true, true, true, nil])
        #expect(events.map { $0.details["topic"] } == ["com.s.a", "com.s.b", "com.s.a", "com.s.b"])
        #expect(events.map { $0.details["_offset"] } == [.uint(3), .uint(1), .uint(4), .uint(2)])
        #expect(events.allSatisfy { $0.subscription == subscribed.subscription })
        // A late frame at or below the read's position is not sent again; newer ones are live.
        Self.live(h, "com.s.a", 4, 4)
        Self.live(h, "com.s.b", 3, 103)
        #expect(ClusterStreamRealmTests.args(peer.take().compactMap(\.event)) == [103])
    }

    @Test func anIncompletePatternReadAnswersTheCurrentPositionsAndSubscribesNothing() {
        let (h, link) = ClusterStreamRealmTests.harness()
        let (subscriber, peer) = h.join()
        h.send(
            .subscribe(
                .init(request: 7, options: ["match": "prefix", "_recover": ["positions": [:]]], topic: "com.s.")),
            from: subscriber)
        link.takePatternReads()[0].completion(
            .success(
                ClusterPatternRead(
                    epoch: "E",
                    topics: [
                        "com.s.a": ClusterStreamRead(epoch: "E", current: 3, events: [Self.stored(3, 3, at: 1)])
                    ])))
        h.loop.run()
        guard case .error(let error)? = peer.take().first else {
            Issue.record("no ERROR")
            return
        }
        #expect(error.error == WAMPErrorURI.recoveryIncomplete)
        #expect(error.details["positions"] == ["com.s.a": ["offset": .uint(3), "epoch": "E"]])
        #expect(h.realm.broker.subscriptions.isEmpty)
    }

    @Test func aPatternRecoveryWithoutRedisIsIncomplete() {
        let (h, link) = ClusterStreamRealmTests.harness()
        link.connected.withLockedValue { $0 = false }
        let (subscriber, peer) = h.join()
        h.send(
            .subscribe(
                .init(
                    request: 7,
                    options: ["match": "prefix", "_recover": ["positions": ["com.s.a": ["offset": 0, "epoch": "E"]]]],
                    topic: "com.s.")),
            from: subscriber)
        h.loop.run()
        guard case .error(let error)? = peer.take().first else {
            Issue.record("no ERROR")
            return
        }
        #expect(error.error == WAMPErrorURI.recoveryIncomplete)
        #expect(h.realm.broker.subscriptions.isEmpty)
    }

    @Test func getEventsAnswersFromTheClusterReadAndFromTheNodesCopyWithoutRedis() {
        let (h, link) = ClusterStreamRealmTests.harness()
        let (reader, peer) = h.join()
        let subscription = h.subscribe(reader, peer, "com.s.", options: ["match": "prefix"])
        // The node's own copy has only one event.
        Self.live(h, "com.s.a", 5, 5)
        _ = peer.take()
        Self.getEvents(h, reader, subscription, request: 99)
        #expect(peer.take().isEmpty)  // nothing until the read is back
        let reads = link.takePatternReads()
        #expect(reads.map(\.after) == [[:]])
        reads[0].completion(
            .success(
                ClusterPatternRead(
                    epoch: "E",
                    topics: [
                        "com.s.a": ClusterStreamRead(
                            epoch: "E", current: 5, events: (1...5).map { Self.stored($0, Int64($0), at: Int64($0)) }),
                        "com.s.b": ClusterStreamRead(epoch: "E", current: 1, events: [Self.stored(1, 101, at: 3)]),
                    ])))
        h.loop.run()
        guard case .result(let result)? = peer.take().last else {
            Issue.record("no RESULT")
            return
        }
        let events = result.payload.args?.first?.listValue ?? []
        #expect(
            events.compactMap { $0.dictValue?["args"]?.listValue?.first?.signedInteger } == [1, 2, 3, 101, 4, 5])
        #expect(events.first?.dictValue?["details"]?.dictValue?["_offset"] == .uint(1))
        #expect(events.first?.dictValue?["topic"] == "com.s.a")
        // Without Redis: the node's copy.
        link.connected.withLockedValue { $0 = false }
        Self.getEvents(h, reader, subscription, request: 100)
        h.loop.run()
        guard case .result(let local)? = peer.take().last else {
            Issue.record("no RESULT without Redis")
            return
        }
        #expect(local.payload.args?.first?.listValue?.count == 1)
    }

    @Test func anInvalidGetEventsCallIsRefusedWithoutAskingRedis() {
        let (h, link) = ClusterStreamRealmTests.harness()
        let (reader, peer) = h.join()
        Self.getEvents(h, reader, 12345, request: 99)
        h.loop.run()
        #expect(link.takePatternReads().isEmpty)
        guard case .error(let error)? = peer.take().last else {
            Issue.record("no ERROR")
            return
        }
        #expect(error.error == WAMPErrorURI.noSuchSubscription)
    }
}
