import NIOCore

/// Runs a `LivenessStateMachine` on a channel's event loop for a transport handler.
///
/// The handler owns one, calls `inboundReceived()` for every frame, `start` once the connection
/// is up and `stop` when it goes away (which also breaks the closures' reference cycle). The
/// handler decides what a ping is and how to close; this only keeps time.
final class DeadPeerTimer {
    private var machine: LivenessStateMachine
    /// The pending check: a scheduled callback, which NIO's event loops keep without allocating
    /// (a `scheduleTask` costs a promise, its future and three closures, ~250 bytes for every idle
    /// connection).
    private var scheduled: NIOScheduledCallback?
    private var sendPing: (() -> Void)?
    private var peerIsDead: (() -> Void)?

    init(configuration: PingConfiguration) {
        self.machine = LivenessStateMachine(configuration: configuration)
    }

    /// Starts checking; does nothing if already started.
    func start(on eventLoop: any EventLoop, sendPing: @escaping () -> Void, peerIsDead: @escaping () -> Void) {
        guard self.sendPing == nil else {
            return
        }
        self.sendPing = sendPing
        self.peerIsDead = peerIsDead
        self.schedule(on: eventLoop, in: self.machine.firstDelay)
    }

    func inboundReceived() {
        self.machine.inboundReceived()
    }

    func stop() {
        self.scheduled?.cancel()
        self.scheduled = nil
        self.sendPing = nil
        self.peerIsDead = nil
    }

    private func schedule(on eventLoop: any EventLoop, in delay: TimeAmount) {
        // Fails only when the event loop is shutting down; then there is nothing left to watch.
        self.scheduled = try? eventLoop.scheduleCallback(in: delay, handler: Tick(timer: self))
    }

    fileprivate func fire(on eventLoop: any EventLoop) {
        self.scheduled = nil
        guard self.sendPing != nil else {
            return
        }
        switch self.machine.timerFired() {
        case .wait(let delay):
            self.schedule(on: eventLoop, in: delay)
        case .ping(let delay):
            self.sendPing?()
            self.schedule(on: eventLoop, in: delay)
        case .closeDeadPeer:
            let peerIsDead = self.peerIsDead
            self.stop()
            peerIsDead?()
        }
    }
}

@available(*, unavailable)
extension DeadPeerTimer: Sendable {}

/// Runs a `DeadPeerTimer`'s check. Scheduled only on the timer's own event loop, from that loop,
/// and run there, so the timer never crosses threads.
private struct Tick: NIOScheduledCallbackHandler, @unchecked Sendable {
    let timer: DeadPeerTimer

    func handleScheduledCallback(eventLoop: some EventLoop) {
        self.timer.fire(on: eventLoop)
    }
}
