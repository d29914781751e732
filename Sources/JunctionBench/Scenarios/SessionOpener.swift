import NIOCore

/// Opens many sessions with a bounded number of handshakes in flight, so that opening 10 000
/// sessions neither takes forever (one at a time) nor floods the router's accept queue.
enum SessionOpener {
    /// Opens `count` sessions; `open(i)` starts session `i` and returns (channel, ready) futures,
    /// where `ready` completes when the session is fully set up (WELCOME, SUBSCRIBED, ...).
    static func open(
        count: Int, concurrency: Int, timeout: TimeAmount, what: String, group: LoadGroup,
        _ open: (Int) -> (channel: EventLoopFuture<any Channel>, ready: EventLoopFuture<Void>)
    ) throws -> [any Channel] {
        var channels: [any Channel] = []
        channels.reserveCapacity(count)
        var index = 0
        while index < count {
            let batch = min(concurrency, count - index)
            var ready: [EventLoopFuture<Void>] = []
            var connecting: [EventLoopFuture<any Channel>] = []
            for offset in 0..<batch {
                let started = open(index + offset)
                ready.append(started.ready)
                connecting.append(started.channel)
            }
            do {
                try waitAll(ready, timeout: timeout, what: what, on: group.handles[0].loop)
                for channel in connecting { channels.append(try channel.wait()) }
            } catch {
                for future in connecting { future.whenSuccess { $0.close(promise: nil) } }
                for channel in channels { channel.close(promise: nil) }
                throw error
            }
            index += batch
        }
        return channels
    }
}
