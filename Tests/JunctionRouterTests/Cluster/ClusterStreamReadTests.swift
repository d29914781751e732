import Testing
import WAMPCore

@testable import JunctionRouter

/// Deciding a `_recover` from what Redis returned, and the history limits a topic gets.
@Suite struct ClusterStreamReadTests {
    static func event(_ offset: UInt64, at timestamp: Int64 = 1000) -> ClusterStreamEvent {
        ClusterStreamEvent(
            offset: offset, timestamp: timestamp, publication: offset * 10, payload: .init(args: [.uint(offset)]),
            options: [:], details: [:], publisher: RemotePublisher(session: 1, authid: "a", authrole: "r"))
    }

    static func offsets(_ decision: ClusterRecoveryDecision) -> [UInt64]? {
        if case .recovered(let events) = decision { return events.map(\.offset) }
        return nil
    }

    static func current(_ decision: ClusterRecoveryDecision) -> StreamPosition? {
        if case .incomplete(let position) = decision { return position }
        return nil
    }

    @Test func everyEventAfterThePositionIsRecovered() {
        let read = ClusterStreamRead(epoch: "E", current: 5, events: (3...5).map { Self.event($0) })
        #expect(Self.offsets(read.recover(after: StreamPosition(offset: 2, epoch: "E"), oldest: nil)) == [3, 4, 5])
        #expect(Self.offsets(read.recover(after: StreamPosition(offset: 4, epoch: "E"), oldest: nil)) == [5])
        #expect(Self.offsets(read.recover(after: StreamPosition(offset: 5, epoch: "E"), oldest: nil)) == [])
    }

    @Test func anythingMissingIsIncompleteWithTheCurrentPosition() {
        let now = StreamPosition(offset: 5, epoch: "E")
        let trimmed = ClusterStreamRead(epoch: "E", current: 5, events: (4...5).map { Self.event($0) })
        #expect(Self.current(trimmed.recover(after: StreamPosition(offset: 2, epoch: "E"), oldest: nil)) == now)
        let holed = ClusterStreamRead(epoch: "E", current: 5, events: [3, 5].map { Self.event($0) })
        #expect(Self.current(holed.recover(after: StreamPosition(offset: 2, epoch: "E"), oldest: nil)) == now)
        let full = ClusterStreamRead(epoch: "E", current: 5, events: (3...5).map { Self.event($0) })
        #expect(Self.current(full.recover(after: StreamPosition(offset: 2, epoch: "other"), oldest: nil)) == now)
        #expect(Self.current(full.recover(after: StreamPosition(offset: 6, epoch: "E"), oldest: nil)) == now)
        let aged = ClusterStreamRead(epoch: "E", current: 5, events: [Self.event(3, at: 10)] + (4...5).map { Self.event($0) })
        #expect(Self.current(aged.recover(after: StreamPosition(offset: 2, epoch: "E"), oldest: 100)) == now)
        #expect(Self.offsets(aged.recover(after: StreamPosition(offset: 3, epoch: "E"), oldest: 100)) == [4, 5])
    }

    @Test func aTopicGetsTheWidestLimitsOfTheRulesCoveringIt() {
        let rules = [
            EventHistoryRule(uri: "com.a.", match: .prefix, limit: 10),
            EventHistoryRule(uri: "com.a.b", match: .exact, limit: 50, maxAge: 60),
            EventHistoryRule(uri: "com.c", match: .exact),
            EventHistoryRule(uri: "com.d", match: .exact, maxAge: 30),
        ]
        #expect(ClusterHistoryLimits(rules: rules, topic: "com.a.x") == .init(maxLength: 10, maxAgeSeconds: nil))
        #expect(ClusterHistoryLimits(rules: rules, topic: "com.a.b") == .init(maxLength: 50, maxAgeSeconds: nil))
        #expect(
            ClusterHistoryLimits(rules: rules, topic: "com.c")
                == .init(maxLength: EventHistoryRule.defaultLimit, maxAgeSeconds: nil))
        #expect(ClusterHistoryLimits(rules: rules, topic: "com.d") == .init(maxLength: nil, maxAgeSeconds: 30))
        #expect(ClusterHistoryLimits(rules: rules, topic: "com.none") == nil)
    }
}
