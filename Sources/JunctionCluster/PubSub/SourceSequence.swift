/// Per-source ordering of cross-node publications: each source node numbers what it publishes
/// 1, 2, 3, ...; a receiver delivers a publication only when every earlier one was delivered or
/// given up.
///
/// Pure: frames and announcements go in, decisions come out. A frame after a gap is held and the
/// caller fetches the missing range from the source's stream (`.gap`), feeds what it gets through
/// `receive` like any frame, and then calls `repairEnded()`, which gives up what is still missing
/// in the requested range (counted as lost) and names the next gap, if another one is waiting.
/// One repair per source is in flight at a time.
public struct SourceSequence<Frame: Sendable>: Sendable {
    public enum Outcome: Sendable {
        /// Deliver these frames now, in this order.
        case deliver([Frame])
        /// Already delivered or already held (a repair overlapping the live path): drop.
        case duplicate
        /// Held until the gap before it is filled: fetch `range` from the source's stream.
        case gap(range: ClosedRange<UInt64>)
        /// Held; a repair is already in flight.
        case held
    }

    /// The last sequence number delivered or given up; 0: nothing yet.
    public private(set) var delivered: UInt64
    private var pending: [UInt64: Frame] = [:]
    /// The range being fetched, if a repair is in flight.
    public private(set) var repairing: ClosedRange<UInt64>?

    /// `start`: the sequence number before the first one expected.
    public init(start: UInt64 = 0) {
        self.delivered = start
    }

    public var heldCount: Int { self.pending.count }

    public mutating func receive(_ frame: Frame, sequence: UInt64) -> Outcome {
        guard sequence > self.delivered, self.pending[sequence] == nil else { return .duplicate }
        if sequence == self.delivered + 1 {
            var out = [frame]
            self.delivered = sequence
            self.drain(into: &out)
            return .deliver(out)
        }
        self.pending[sequence] = frame
        return self.startRepairIfBlocked().map { .gap(range: $0) } ?? .held
    }

    /// The source says its last sequence number is `sequence` (its heartbeat): publications at the
    /// end of a burst that never arrived show up here, as no later frame reveals them.
    public mutating func announced(_ sequence: UInt64) -> ClosedRange<UInt64>? {
        guard sequence > self.delivered, self.repairing == nil else { return nil }
        if self.pending.isEmpty {
            self.repairing = (self.delivered + 1)...sequence
            return self.repairing
        }
        return self.startRepairIfBlocked()
    }

    /// The repair in flight is over (whatever it fetched went through `receive`): what is still
    /// missing in its range is lost. Returns what can now be delivered, how many were lost, and the
    /// next range to fetch if another gap is waiting.
    public mutating func repairEnded() -> (deliver: [Frame], lost: UInt64, next: ClosedRange<UInt64>?) {
        guard let range = self.repairing else { return ([], 0, nil) }
        self.repairing = nil
        var out: [Frame] = []
        var lost: UInt64 = 0
        while self.delivered < range.upperBound {
            let next = self.delivered + 1
            if let frame = self.pending.removeValue(forKey: next) { out.append(frame) } else { lost += 1 }
            self.delivered = next
        }
        self.drain(into: &out)
        return (out, lost, self.startRepairIfBlocked())
    }

    private mutating func startRepairIfBlocked() -> ClosedRange<UInt64>? {
        guard self.repairing == nil, let lowest = self.pending.keys.min(), lowest > self.delivered + 1 else {
            return nil
        }
        self.repairing = (self.delivered + 1)...(lowest - 1)
        return self.repairing
    }

    private mutating func drain(into out: inout [Frame]) {
        while let next = self.pending.removeValue(forKey: self.delivered + 1) {
            out.append(next)
            self.delivered += 1
        }
    }
}
