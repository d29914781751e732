import NIOCore

/// Everything the load generator keeps per event loop: counters, the latency histogram, and the
/// sessions and roles living on that loop.
///
/// Only ever touched on its loop (roles hold it directly; the scenario reaches it through
/// `LoopHandle`), so nothing here needs a lock.
final class LoopState {
    var counters = Counters()
    var latency = LatencyRecorder()
    private var windowStart: UInt64 = 0
    var sessions: [WAMPClientHandler] = []
    var starters: [any LoadStarting] = []
    var tallies: [any DeliveryTallying] = []
    var pacer: Pacer?

    /// Starts the measurement window: what happened during warm-up is forgotten.
    func startWindow() {
        self.counters = Counters()
        self.latency.reset()
        self.windowStart = MonotonicClock.now()
    }

    /// Ends the measurement window. With `chargingUnfinished` (open loop), requests still in
    /// flight are recorded with their age, so an overloaded router cannot hide its backlog by
    /// never answering.
    func endWindow(chargingUnfinished: Bool = false) -> WindowSnapshot {
        let now = MonotonicClock.now()
        var unfinished = 0
        if chargingUnfinished {
            for case let role as any UnfinishedRecording in self.starters {
                unfinished += role.recordUnfinished(now: now)
            }
        }
        return WindowSnapshot(
            counters: self.counters, latency: self.latency, seconds: Double(now - self.windowStart) / 1e9,
            unfinished: unfinished)
    }

    func deliveryTally() -> DeliveryTally {
        var tally = DeliveryTally()
        for role in self.tallies { role.addTally(into: &tally) }
        return tally
    }
}

@available(*, unavailable)
extension LoopState: Sendable {}

/// Counters and latencies of one measurement window (one loop, or merged over all loops).
struct WindowSnapshot: Sendable {
    var counters = Counters()
    var latency = LatencyRecorder()
    var seconds = 0.0
    /// Requests still unanswered when the window closed (open loop only).
    var unfinished = 0
    /// Set on the merged snapshot by `LoadGroup.measure`.
    var cpu: CPUUsage?

    func merged(with other: WindowSnapshot) -> WindowSnapshot {
        var latency = self.latency
        latency.add(other.latency)
        return WindowSnapshot(
            counters: self.counters + other.counters, latency: latency, seconds: Swift.max(self.seconds, other.seconds),
            unfinished: self.unfinished + other.unfinished)
    }

    /// Events per second over the window.
    func rate(_ count: Int) -> Double {
        self.seconds > 0 ? Double(count) / self.seconds : 0
    }
}

/// A loop and its state, passable between threads; the state is only read on the loop.
struct LoopHandle: Sendable {
    let loop: any EventLoop
    let state: NIOLoopBound<LoopState>
}
