import JunctionCluster
import Testing

struct SourceSequenceTests {
    private func delivered(_ outcome: SourceSequence<Int>.Outcome) -> [Int]? {
        if case .deliver(let frames) = outcome { return frames }
        return nil
    }

    @Test func inOrderFramesAreDeliveredAtOnce() {
        var sequence = SourceSequence<Int>()
        for number in 1...5 {
            #expect(self.delivered(sequence.receive(number, sequence: UInt64(number))) == [number])
        }
        #expect(sequence.delivered == 5)
    }

    @Test func aGapHoldsLaterFramesUntilTheRepairFillsIt() {
        var sequence = SourceSequence<Int>()
        _ = sequence.receive(1, sequence: 1)
        guard case .gap(let range) = sequence.receive(4, sequence: 4) else {
            Issue.record("no gap reported")
            return
        }
        #expect(range == 2...3)
        guard case .held = sequence.receive(5, sequence: 5) else {
            Issue.record("a second frame behind the same gap asked for another repair")
            return
        }
        #expect(self.delivered(sequence.receive(2, sequence: 2)) == [2])
        #expect(self.delivered(sequence.receive(3, sequence: 3)) == [3, 4, 5])
        let ended = sequence.repairEnded()
        #expect(ended.deliver.isEmpty && ended.lost == 0 && ended.next == nil)
        guard case .duplicate = sequence.receive(4, sequence: 4) else {
            Issue.record("a repaired frame arriving late again was not a duplicate")
            return
        }
    }

    @Test func whatTheStreamNoLongerHasIsCountedLostAndDeliveryGoesOn() {
        var sequence = SourceSequence<Int>(start: 10)
        _ = sequence.receive(14, sequence: 14)
        #expect(sequence.repairing == 11...13)
        _ = sequence.receive(12, sequence: 12)
        let ended = sequence.repairEnded()
        #expect(ended.deliver == [12, 14])
        #expect(ended.lost == 2)
        #expect(sequence.delivered == 14)
    }

    @Test func aSecondGapIsRepairedAfterTheFirst() {
        var sequence = SourceSequence<Int>()
        _ = sequence.receive(1, sequence: 1)
        _ = sequence.receive(3, sequence: 3)  // gap 2...2
        _ = sequence.receive(6, sequence: 6)  // held behind the first repair
        #expect(self.delivered(sequence.receive(2, sequence: 2)) == [2, 3])
        let ended = sequence.repairEnded()
        #expect(ended.lost == 0)
        #expect(ended.next == 4...5)
        _ = sequence.receive(4, sequence: 4)
        #expect(self.delivered(sequence.receive(5, sequence: 5)) == [5, 6])
    }

    @Test func anAnnouncedSequenceRevealsLossAtTheEndOfABurst() {
        var sequence = SourceSequence<Int>()
        _ = sequence.receive(1, sequence: 1)
        #expect(sequence.announced(1) == nil)
        #expect(sequence.announced(3) == 2...3)
        #expect(sequence.announced(4) == nil, "a second repair while one is in flight")
        _ = sequence.receive(2, sequence: 2)
        _ = sequence.receive(3, sequence: 3)
        #expect(sequence.repairEnded().lost == 0)
        #expect(sequence.announced(4) == 4...4)
    }
}
