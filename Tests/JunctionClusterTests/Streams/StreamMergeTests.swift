import Testing
import WAMPCore

@testable import JunctionCluster

/// Each stream topic in offset order across sources, each source in its own order, without
/// Redis.
@Suite struct StreamMergeTests {
    typealias Merge = StreamMerge<String, String>

    static func item(_ name: String, _ topic: String? = nil, _ offset: UInt64 = 0, epoch: String = "E") -> Merge.Item {
        Merge.Item(
            frame: name,
            stream: topic.map { (Merge.Topic(realm: "r", topic: $0), StreamPosition(offset: offset, epoch: epoch)) })
    }

    @Test func aSourceAheadOfItsTopicWaitsWithEverythingAfterItUntilTheHoleIsFilled() {
        var merge = Merge()
        merge.seed(realm: "r", epoch: "E", offsets: ["t": 3])
        // A: t@5 then a plain frame; B's t@4 is still on the way.
        let r12 = merge.push([Self.item("a1", "t", 5), Self.item("a2")], from: "A", now: 0)
        #expect(r12 == [])
        #expect(merge.heldCount == 2)
        let r13 = merge.push([Self.item("b1", "t", 4), Self.item("b2")], from: "B", now: 1)
        #expect(r13 == ["b1", "b2", "a1", "a2"])
        #expect(merge.heldCount == 0)
        let r14 = merge.push([Self.item("c1", "t", 6)], from: "C", now: 2)
        #expect(r14 == ["c1"])
    }

    @Test func aTopicUnknownAfterTheSnapshotStartsAtOffsetOne() {
        var merge = Merge()
        merge.seed(realm: "r", epoch: "E", offsets: [:])
        let r15 = merge.push([Self.item("a", "new", 2)], from: "A", now: 0)
        #expect(r15 == [])
        let r16 = merge.push([Self.item("b", "new", 1)], from: "B", now: 0)
        #expect(r16 == ["b", "a"])
        // Another epoch (Redis lost its data): the first frame sets the pace.
        let r17 = merge.push([Self.item("c", "new", 7, epoch: "F")], from: "C", now: 0)
        #expect(r17 == ["c"])
        let r18 = merge.push([Self.item("d", "new", 8, epoch: "F")], from: "A", now: 0)
        #expect(r18 == ["d"])
    }

    @Test func anOffsetAlreadyPassedGoesAtOnce() {
        var merge = Merge()
        merge.seed(realm: "r", epoch: "E", offsets: ["t": 10])
        let r19 = merge.push([Self.item("late", "t", 9)], from: "A", now: 0)
        #expect(r19 == ["late"])
        let r20 = merge.push([Self.item("next", "t", 11)], from: "A", now: 0)
        #expect(r20 == ["next"])
    }

    @Test func whatNeverComesIsGivenUpAfterTheTimeout() {
        var merge = Merge()
        merge.seed(realm: "r", epoch: "E", offsets: ["t": 1])
        let r21 = merge.push([Self.item("a", "t", 5), Self.item("a2")], from: "A", now: 100)
        #expect(r21 == [])
        let early = merge.expire(now: 1000, timeout: 2000)
        #expect(early.deliver.isEmpty && early.skipped.isEmpty)
        let late = merge.expire(now: 2100, timeout: 2000)
        #expect(late.deliver == ["a", "a2"])
        #expect(late.skipped.map(\.1) == [2...4])
        #expect(merge.heldCount == 0)
    }

    @Test func framesWithoutAStreamPassStraightThrough() {
        var merge = Merge()
        let r22 = merge.push([Self.item("x"), Self.item("y")], from: "A", now: 0)
        #expect(r22 == ["x", "y"])
        #expect(merge.heldCount == 0)
    }
}
