/// Which sequence numbers of one publisher one subscriber has seen, to count lost, duplicated
/// and out-of-order events exactly.
///
/// A bitmap (one bit per publication) rather than a set: a few hundred kilobytes at most for a
/// run, and O(1) per event with no hashing.
struct SequenceTracker {
    private var seen: [UInt64] = []
    private(set) var unique = 0
    private(set) var duplicates = 0
    private(set) var outOfOrder = 0
    private var highest: UInt64 = 0

    @inline(__always)
    mutating func record(_ sequence: UInt64) {
        let word = Int(sequence >> 6)
        if word >= self.seen.count {
            self.seen.append(contentsOf: repeatElement(0, count: Swift.max(word + 1 - self.seen.count, self.seen.count)))
        }
        let bit: UInt64 = 1 << (sequence & 63)
        if self.seen[word] & bit != 0 {
            self.duplicates += 1
            return
        }
        self.seen[word] |= bit
        self.unique += 1
        if sequence < self.highest {
            self.outOfOrder += 1
        } else {
            self.highest = sequence
        }
    }
}
