import Testing
import WAMPCore

@testable import JunctionRouter

/// Deciding a pattern `_recover` and listing `get_events` from a read of several cluster streams.
@Suite struct ClusterPatternReadTests {
    static let publisher = RemotePublisher(session: 1, authid: "x", authrole: "r")

    static func event(_ offset: UInt64, at timestamp: Int64) -> ClusterStreamEvent {
        ClusterStreamEvent(
            offset: offset, timestamp: timestamp, publication: offset, payload: .init(args: [.uint(offset)]),
            options: [:], details: [:], publisher: Self.publisher)
    }

    static func read(_ topics: [String: (UInt64, [ClusterStreamEvent])]) -> ClusterPatternRead {
        ClusterPatternRead(
            epoch: "E",
            topics: topics.mapValues { ClusterStreamRead(epoch: "E", current: $0.0, events: $0.1) })
    }

    static func recover(_ read: ClusterPatternRead, _ positions: [String: StreamPosition]) -> ClusterPatternDecision {
        read.recover(
            positions, pattern: "com.s.", match: .prefix, covers: { $0.hasPrefix("com.s.") }, oldest: { _ in nil })
    }

    @Test func interleavingFollowsPublicationTimeButNeverReordersATopic() {
        let a = [Self.event(1, at: 5), Self.event(2, at: 1)].map { ClusterTopicEvent(topic: "a", event: $0) }
        let b = [Self.event(1, at: 3)].map { ClusterTopicEvent(topic: "b", event: $0) }
        let merged = ClusterPatternRead.interleave([a, b])
        #expect(merged.map { "\($0.topic)\($0.event.offset)" } == ["b1", "a1", "a2"])
    }

    @Test func theOrderRedisTookThePublicationsInWinsOverTheirClocks() {
        var first = Self.event(1, at: 9)
        first.order = 1
        var third = Self.event(2, at: 1)
        third.order = 3
        var second = Self.event(1, at: 5)
        second.order = 2
        let merged = ClusterPatternRead.interleave([
            [first, third].map { ClusterTopicEvent(topic: "a", event: $0) },
            [ClusterTopicEvent(topic: "b", event: second)],
        ])
        #expect(merged.map { "\($0.topic)\($0.event.offset)" } == ["a1", "b1", "a2"])
    }

    @Test func listedTopicsAfterTheirPositionAndUnlistedOnesFromTheirBeginningAreRecovered() {
        let read = Self.read([
            "com.s.a": (4, [Self.event(3, at: 10), Self.event(4, at: 30)]),
            "com.s.b": (1, [Self.event(1, at: 20)]),
            "com.other": (9, []),  // not matching: ignored
        ])
        guard case .recovered(let events) = Self.recover(read, ["com.s.a": StreamPosition(offset: 2, epoch: "E")])
        else {
            Issue.record("not recovered")
            return
        }
        #expect(events.map { "\($0.topic):\($0.event.offset)" } == ["com.s.a:3", "com.s.b:1", "com.s.a:4"])
    }

    @Test func aTopicNoLongerCompleteOrAnotherEpochAnswersTheCurrentPositions() {
        let read = Self.read([
            "com.s.a": (4, [Self.event(3, at: 10), Self.event(4, at: 30)]),
            "com.s.b": (5, [Self.event(5, at: 20)]),  // 1...4 trimmed, and not listed: from 1
        ])
        let expected: WAMPDict = [
            "positions": [
                "com.s.a": ["offset": .uint(4), "epoch": "E"], "com.s.b": ["offset": .uint(5), "epoch": "E"],
            ],
            "epoch": "E",
        ]
        guard case .incomplete(let current) = Self.recover(read, ["com.s.a": StreamPosition(offset: 2, epoch: "E")])
        else {
            Issue.record("recovered although com.s.b lost events")
            return
        }
        #expect(current == expected)
        let complete = Self.read(["com.s.a": (4, [Self.event(3, at: 10), Self.event(4, at: 30)])])
        guard case .incomplete = Self.recover(complete, ["com.s.a": StreamPosition(offset: 2, epoch: "old")]) else {
            Issue.record("recovered from another epoch")
            return
        }
        // A listed topic the pattern does not match cannot be recovered by this subscription.
        guard case .incomplete = Self.recover(complete, ["com.x": StreamPosition(offset: 0, epoch: "E")]) else {
            Issue.record("recovered a topic outside the pattern")
            return
        }
    }

    @Test func keptEventsLeaveOutTopicsThatAreNoStreamAndEventsPastTheirAge() {
        let read = Self.read([
            "com.s.a": (2, [Self.event(1, at: 10), Self.event(2, at: 30)]),
            "com.s.b": (1, [Self.event(1, at: 20)]),
        ])
        let kept = read.kept(
            pattern: "com.s.", match: .prefix, covers: { $0 != "com.s.b" }, oldest: { _ in 15 })
        #expect(kept.map { "\($0.topic):\($0.event.offset)" } == ["com.s.a:2"])
    }
}
