import Testing
import WAMPCore

@testable import JunctionRouter

/// `wamp.subscription.get_events` filters (the spec's list plus `after_offset`) and the RFC 3339
/// reader behind the `*_time` ones.
@Suite struct EventHistoryQueryTests {
    /// Ten events on two topics, one second apart, starting at 2023-11-14T22:13:20Z.
    func harness() -> (RealmHarness, reader: UInt64, FakePeer, subscription: UInt64, publications: [UInt64]) {
        var configuration = RealmConfiguration.openRealm(named: "realm1")
        configuration.eventHistory = [EventHistoryRule(uri: "com.h.", match: .prefix, limit: 100)]
        let h = RealmHarness(configuration)
        let (publisher, publisherPeer) = h.join()
        var publications: [UInt64] = []
        for n in 1...10 {
            let topic = n % 2 == 0 ? "com.h.even" : "com.h.odd"
            h.send(
                .publish(.init(request: UInt64(n), options: ["acknowledge": true], topic: topic, payload: .init(args: [.int(Int64(n))]))),
                from: publisher)
            if case .published(let published)? = publisherPeer.take().first { publications.append(published.publication) }
            h.advanceClock(seconds: 1)
        }
        let (reader, peer) = h.join()
        let subscription = h.subscribe(reader, peer, "com.h", options: ["match": "prefix"])
        return (h, reader, peer, subscription, publications)
    }

    func numbers(_ h: RealmHarness, _ reader: UInt64, _ peer: FakePeer, _ subscription: UInt64, _ kwargs: WAMPDict) -> [Int64] {
        let events = h.meta(reader, peer, "wamp.subscription.get_events", [.uint(subscription)], kwargs: kwargs)
            .firstArg?.listValue ?? []
        return events.compactMap { $0["args"]?.listValue?.first?.signedInteger }
    }

    @Test func everyFilterOfTheSpecAndAfterOffset() {
        let (h, reader, peer, subscription, publications) = self.harness()
        func run(_ kwargs: WAMPDict) -> [Int64] { self.numbers(h, reader, peer, subscription, kwargs) }
        #expect(run([:]) == Array(1...10))
        #expect(run(["reverse": true]) == Array((1...10).reversed()))
        #expect(run(["limit": 3]) == [8, 9, 10])
        #expect(run(["limit": 3, "reverse": true]) == [10, 9, 8])
        #expect(run(["topic": "com.h.even"]) == [2, 4, 6, 8, 10])
        #expect(run(["from_time": "2023-11-14T22:13:22Z"]) == Array(3...10))
        #expect(run(["after_time": "2023-11-14T22:13:22Z"]) == Array(4...10))
        #expect(run(["before_time": "2023-11-14T22:13:22.000Z"]) == [1, 2])
        #expect(run(["until_time": "2023-11-14T23:13:22+01:00"]) == [1, 2, 3])
        #expect(run(["from_publication": .uint(publications[4])]) == Array(5...10))
        #expect(run(["after_publication": .uint(publications[4]), "limit": 2]) == [6, 7])
        #expect(run(["before_publication": .uint(publications[4]), "reverse": true, "limit": 2]) == [4, 3])
        #expect(run(["until_publication": .uint(publications[4])]) == Array(1...5))
        #expect(run(["after_publication": 12345]) == [])
        #expect(run(["after_offset": 3, "topic": "com.h.odd"]) == [7, 9])  // odd topic offsets: 1,3,5,7,9 → 1...5
        #expect(run(["from_time": "2023-11-14T22:13:21Z", "until_publication": .uint(publications[5]), "topic": "com.h.odd"]) == [3, 5])
    }

    @Test func malformedFiltersAreInvalidArguments() {
        let (h, reader, peer, subscription, _) = self.harness()
        for kwargs: WAMPDict in [["from_time": "yesterday"], ["after_publication": "x"], ["reverse": 1], ["limit": -1], ["topic": 5]] {
            let outcome = h.meta(reader, peer, "wamp.subscription.get_events", [.uint(subscription)], kwargs: kwargs)
            #expect(outcome.errorURI == WAMPErrorURI.invalidArgument, "\(kwargs)")
        }
    }

    @Test func rfc3339ReadsWhatWallClockWritesAndRefusesTheRest() {
        for milliseconds: Int64 in [0, 1_700_000_000_123, 951_782_400_000, -86_400_000, 4_102_444_800_999] {
            #expect(RFC3339.milliseconds(WallClock.iso8601(milliseconds)) == milliseconds)
        }
        #expect(RFC3339.milliseconds("1970-01-01T01:00:00+01:00") == 0)
        #expect(RFC3339.milliseconds("1970-01-01T00:00:00.5Z") == 500)
        #expect(RFC3339.milliseconds("1970-01-01T00:00:00.123456789Z") == 123)
        #expect(RFC3339.milliseconds("1970-01-01t00:00:00z") == 0)
        for bad in ["", "1970-01-01", "1970-01-01T00:00:00", "1970-13-01T00:00:00Z", "1970-01-01T00:00:00.Z",
            "1970-01-01T00:00:00Zjunk", "１９７０-01-01T00:00:00Z", "1970-01-01T00:00:00+0100"]
        {
            #expect(RFC3339.milliseconds(bad) == nil, "\(bad)")
        }
    }
}
