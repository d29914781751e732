import NIOCore

/// A role whose requests still in flight when the window closes must count as latency.
protocol UnfinishedRecording: AnyObject {
    /// Records `now - start` for every request not yet answered; returns how many there were.
    func recordUnfinished(now: UInt64) -> Int
}

extension LoadGroup {
    /// Open loop: spreads `rate` requests per second over every `PacedRole` among the loops'
    /// starters, each on its own evenly staggered schedule, and starts the loops' pacers.
    func startPacing(rate: Double, tick: TimeAmount, control: RunControl) throws {
        let counts = try self.onEveryLoop { state in state.starters.filter { $0 is any PacedRole }.count }
        let total = counts.reduce(0, +)
        guard total > 0 else { return }
        let interval = UInt64((Double(total) / rate * 1e9).rounded())
        let start = MonotonicClock.now() + 1_000_000
        var offset = 0
        for (handle, count) in zip(self.handles, counts) {
            let first = offset
            let bound = handle.state
            try handle.loop.submit {
                let state = bound.value
                let pacer = Pacer()
                var index = first
                for case let role as any PacedRole in state.starters {
                    pacer.add(role, firstAt: start + UInt64(index) * interval / UInt64(total), interval: interval)
                    index += 1
                }
                state.pacer = pacer
                pacer.start(on: handle.loop, tick: tick, control: control, bound: bound)
            }.wait()
            offset += count
        }
    }
}
