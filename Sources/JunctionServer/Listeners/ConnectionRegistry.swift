import NIOConcurrencyHelpers
import NIOCore

/// Every open client connection, so shutdown can wait for sessions to say GOODBYE and then close
/// the stragglers before the event loops stop.
///
/// Waiting is driven by the connections' close futures: the last one to close resumes the
/// waiters, so a shutdown ends as soon as the peers have answered, with no polling.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Set once shutdown closes the stragglers: a connection accepted after that is closed at once.
        var closing = false
        /// Resumed when `channels` becomes empty (or their task is cancelled).
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters whose task was cancelled before they were stored.
        var cancelledWaiters: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = NIOLockedValueBox(State())

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let closing = self.state.withLockedValue { state in
            state.channels[id] = channel
            return state.closing
        }
        channel.closeFuture.whenComplete { _ in
            let waiters = self.state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
                state.channels.removeValue(forKey: id)
                guard state.channels.isEmpty else { return [] }
                defer { state.waiters.removeAll() }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume() }
        }
        if closing { channel.close(promise: nil) }
    }

    var count: Int { self.state.withLockedValue { $0.channels.count } }

    /// Waits until every connection has closed by itself, at most `timeout`; then closes the rest
    /// and waits for them to be closed. Returns at once if the task is cancelled.
    func drain(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilEmpty() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        let remaining = self.state.withLockedValue { state in
            state.closing = true
            return Array(state.channels.values)
        }
        for channel in remaining { channel.close(promise: nil) }
        await self.waitUntilEmpty()
    }

    /// Returns once no connection is open, or when the task is cancelled.
    func waitUntilEmpty() async {
        let id = self.state.withLockedValue { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLockedValue { state in
                    if state.channels.isEmpty || state.cancelledWaiters.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelledWaiters.insert(id)
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter
            }
            waiter?.resume()
        }
    }
}
