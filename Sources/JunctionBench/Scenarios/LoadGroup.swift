import Foundation
import NIOCore
import NIOPosix

/// The generator's event loops, each with its `LoopState`, plus helpers to run something on
/// every loop and wait for the results.
final class LoadGroup: Sendable {
    let group: MultiThreadedEventLoopGroup
    let handles: [LoopHandle]

    init(threads: Int) throws {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        var handles: [LoopHandle] = []
        for loop in self.group.makeIterator() {
            handles.append(
                try loop.submit { LoopHandle(loop: loop, state: NIOLoopBound(LoopState(), eventLoop: loop)) }.wait())
        }
        self.handles = handles
    }

    /// The loop for the `index`-th connection (round robin).
    func handle(_ index: Int) -> LoopHandle {
        self.handles[index % self.handles.count]
    }

    /// Runs `body` with each loop's state, on that loop; returns the results in loop order.
    func onEveryLoop<Result: Sendable>(_ body: @escaping @Sendable (LoopState) -> Result) throws -> [Result] {
        try self.handles.map { handle in
            try handle.loop.submit { body(handle.state.value) }.wait()
        }
    }

    /// Starts the load on every loop: every role that waits for the go.
    func startLoad() throws {
        _ = try self.onEveryLoop { state in
            for starter in state.starters { starter.startLoad() }
            for session in state.sessions { session.flushIfNeeded() }
        }
    }

    /// Warm-up, then a measurement window of `duration` seconds; returns the merged window.
    /// Also measures the CPU use of the generator and of `routerPIDs` over the window.
    func measure(
        warmup: Double, duration: Double, routerPIDs: [Int32], chargingUnfinished: Bool = false
    ) throws -> WindowSnapshot {
        Self.sleep(seconds: warmup)
        _ = try self.onEveryLoop { $0.startWindow() }
        let probe = CPUUsage.Probe(routerPIDs: routerPIDs)
        Self.sleep(seconds: duration)
        var merged = try self.onEveryLoop { $0.endWindow(chargingUnfinished: chargingUnfinished) }
            .reduce(WindowSnapshot()) { $0.merged(with: $1) }
        merged.cpu = probe.finish()
        return merged
    }

    /// Sends GOODBYE on every tracked session and waits (bounded) for the connections to close.
    func goodbyeAll(channels: [any Channel], timeout: TimeAmount = .seconds(10)) {
        _ = try? self.onEveryLoop { state in
            state.pacer?.stop()
            for session in state.sessions { session.goodbye() }
            state.sessions.removeAll()
            state.starters.removeAll()
            state.tallies.removeAll()
        }
        let deadline = NIODeadline.now() + timeout
        for channel in channels {
            let remaining = deadline - NIODeadline.now()
            if remaining <= .zero {
                channel.close(promise: nil)
                continue
            }
            let closed = channel.closeFuture
            let timer = channel.eventLoop.scheduleTask(in: remaining) { channel.close(promise: nil) }
            try? closed.wait()
            timer.cancel()
        }
    }

    func shutdown() {
        try? self.group.syncShutdownGracefully()
    }

    static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        Thread.sleep(forTimeInterval: seconds)
    }
}

/// Waits for all `futures`, failing if they take longer than `timeout`.
func waitAll(_ futures: [EventLoopFuture<Void>], timeout: TimeAmount, what: String, on loop: any EventLoop) throws {
    guard !futures.isEmpty else { return }
    let all = EventLoopFuture.andAllSucceed(futures, on: loop)
    let first = loop.makePromise(of: Bool.self)
    let timer = loop.scheduleTask(in: timeout) { first.succeed(false) }
    all.whenComplete { result in
        timer.cancel()
        first.completeWith(result.map { true })
    }
    guard try first.futureResult.wait() else {
        throw BenchTargetError("timed out after \(timeout.nanoseconds / 1_000_000_000) s waiting for \(what)")
    }
}
