import NIOCore

/// A role driven at a fixed rate (open-loop load) instead of by responses.
protocol PacedRole: AnyObject {
    /// Send one request whose latency counts from `intendedTime`, not from when it actually went out.
    func fire(intendedTime: UInt64)
    func flushPaced()
}

/// Open-loop scheduling for the roles of one event loop: each role has its own schedule
/// (`start + k × interval`); a timer wakes up when the earliest request is due (at most once per
/// `tick`) and sends whatever is due by then.
///
/// A request is stamped with the time it was *due*, so when the router (or the generator) falls
/// behind, the backlog shows up as latency instead of silently lowering the rate: this is what
/// avoids coordinated omission. Waking only when something is due keeps the generator's own cost
/// proportional to the rate.
final class Pacer {
    private struct Entry {
        let role: any PacedRole
        var next: UInt64
        let interval: UInt64
    }

    private var entries: [Entry] = []
    private var task: Scheduled<Void>?
    private var stopped = false

    func add(_ role: any PacedRole, firstAt: UInt64, interval: UInt64) {
        self.entries.append(Entry(role: role, next: firstAt, interval: Swift.max(interval, 1)))
    }

    /// Starts pacing on `loop` (where this pacer lives); `control` stops it.
    func start(on loop: any EventLoop, tick: TimeAmount, control: RunControl, bound: NIOLoopBound<LoopState>) {
        self.scheduleNext(on: loop, minimumDelay: UInt64(tick.nanoseconds), control: control, bound: bound)
    }

    func stop() {
        self.stopped = true
        self.task?.cancel()
        self.task = nil
    }

    private func scheduleNext(
        on loop: any EventLoop, minimumDelay: UInt64, control: RunControl, bound: NIOLoopBound<LoopState>
    ) {
        guard !self.stopped, !control.isStopping, let due = self.entries.lazy.map(\.next).min() else { return }
        let now = MonotonicClock.now()
        let delay = Swift.max(due > now ? due - now : 0, minimumDelay)
        self.task = loop.scheduleTask(in: .nanoseconds(Int64(delay))) {
            guard let pacer = bound.value.pacer else { return }
            pacer.tick()
            pacer.scheduleNext(on: loop, minimumDelay: minimumDelay, control: control, bound: bound)
        }
    }

    private func tick() {
        let now = MonotonicClock.now()
        for index in self.entries.indices {
            var fired = false
            while self.entries[index].next <= now {
                self.entries[index].role.fire(intendedTime: self.entries[index].next)
                self.entries[index].next += self.entries[index].interval
                fired = true
            }
            if fired { self.entries[index].role.flushPaced() }
        }
    }
}

@available(*, unavailable)
extension Pacer: Sendable {}
