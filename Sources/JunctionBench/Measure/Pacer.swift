import NIOCore

/// A role driven at a fixed rate (open-loop load) instead of by responses.
protocol PacedRole: AnyObject {
    /// Send one request whose latency counts from `intendedTime`, not from when it actually went out.
    func fire(intendedTime: UInt64)
    func flushPaced()
}

/// Open-loop scheduling for the roles of one event loop: each role has its own schedule
/// (`start + k × interval`), and a timer ticking every `tick` sends whatever is due.
///
/// A request is stamped with the time it was *due*, so when the router (or the generator) falls
/// behind, the backlog shows up as latency instead of silently lowering the rate: this is what
/// avoids coordinated omission.
final class Pacer {
    private struct Entry {
        let role: any PacedRole
        var next: UInt64
        let interval: UInt64
    }

    private var entries: [Entry] = []
    private var task: RepeatedTask?

    func add(_ role: any PacedRole, firstAt: UInt64, interval: UInt64) {
        self.entries.append(Entry(role: role, next: firstAt, interval: Swift.max(interval, 1)))
    }

    /// Starts ticking on `loop`; `control` stops it.
    func start(on loop: any EventLoop, tick: TimeAmount, control: RunControl, bound: NIOLoopBound<LoopState>) {
        self.task = loop.scheduleRepeatedTask(initialDelay: .zero, delay: tick) { task in
            guard !control.isStopping, let pacer = bound.value.pacer else {
                task.cancel()
                return
            }
            pacer.tick()
        }
    }

    func stop() {
        self.task?.cancel()
        self.task = nil
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
