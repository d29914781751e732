import Synchronization

/// Session ids for the baseline's WELCOMEs: sequential, shared by all loops.
final class SessionIDSource: Sendable {
    private let last = Atomic<UInt64>(0)

    func next() -> UInt64 {
        self.last.add(1, ordering: .relaxed).newValue
    }
}
