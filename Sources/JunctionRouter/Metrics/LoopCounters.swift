import NIOCore

/// The `RouterCounters` of every event loop of the router's group, fixed at start (like
/// `LoopMailboxes`): realms and connections take their loop's instance once.
public struct LoopCounters: Sendable {
    private let counters: [(loop: any EventLoop, counters: RouterCounters)]

    public init(group: any EventLoopGroup) {
        self.counters = group.makeIterator().map { ($0, RouterCounters()) }
    }

    /// The counters of `loop`, or nil for a loop outside the group.
    public func counters(for loop: any EventLoop) -> RouterCounters? {
        self.counters.first { $0.loop === loop }?.counters
    }

    /// The sum over every loop, each read on its own loop.
    public func snapshot() async -> RouterCountersSnapshot {
        var total = RouterCountersSnapshot()
        for entry in self.counters {
            let counters = entry.counters
            if let snapshot = try? await entry.loop.submit({ counters.snapshot() }).get() {
                total.add(snapshot)
            }
        }
        return total
    }
}
