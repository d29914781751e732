import NIOCore
import WAMPCore

/// Calls one procedure, keeping `window` calls in flight (closed loop) or calling at the pace
/// set by the loop's `Pacer` (open loop); records each call's latency.
final class CallerRole: SessionRole, LoadStarting, PacedRole {
    private let call: MessageTemplate
    private let window: Int
    private let paced: Bool
    private let state: LoopState
    private let control: RunControl
    private var session: WAMPClientHandler?
    private var lastRequest: UInt64 = 0
    /// Request id → the time its latency counts from.
    private var pending: [UInt64: UInt64] = [:]
    private var running = false

    init(call: MessageTemplate, window: Int, paced: Bool, state: LoopState, control: RunControl) {
        self.call = call
        self.window = window
        self.paced = paced
        self.state = state
        self.control = control
        self.pending.reserveCapacity(window * 2)
    }

    func sessionEstablished(_ session: WAMPClientHandler) {
        self.session = session
    }

    func startLoad() {
        self.running = true
        guard !self.paced else { return }
        self.fillWindow()
        self.session?.flushIfNeeded()
    }

    func received(_ type: UInt64, _ scanner: inout WireScanner, _ session: WAMPClientHandler) throws(ScanError) {
        switch type {
        case MessageType.result.rawValue:
            let request = try scanner.uint()
            if let start = self.pending.removeValue(forKey: request) {
                self.state.latency.record(nanoseconds: MonotonicClock.now() &- start)
                self.state.counters.completed += 1
            }
        case MessageType.error.rawValue:
            _ = try scanner.uint()
            let request = try scanner.uint()
            if self.pending.removeValue(forKey: request) != nil { self.state.counters.errors += 1 }
        default:
            return
        }
        if !self.paced { self.fillWindow() }
    }

    func fire(intendedTime: UInt64) {
        guard self.running else { return }
        self.sendCall(startingAt: intendedTime)
    }

    func flushPaced() {
        self.session?.flushIfNeeded()
    }

    func sessionClosed() {
        self.session = nil
    }

    func recordUnfinished(now: UInt64) -> Int {
        for start in self.pending.values where now > start {
            self.state.latency.record(nanoseconds: now - start)
        }
        return self.pending.count
    }

    private func fillWindow() {
        while self.running, self.pending.count < self.window, !self.control.isStopping {
            self.sendCall(startingAt: MonotonicClock.now())
        }
    }

    @inline(__always)
    private func sendCall(startingAt start: UInt64) {
        guard let session = self.session, !self.control.isStopping else { return }
        self.lastRequest += 1
        self.pending[self.lastRequest] = start
        var buffer = FrameHeadroom.makeBuffer(session.allocator, capacity: self.call.maximumSize)
        self.call.write(into: &buffer, self.lastRequest)
        session.send(buffer)
        self.state.counters.sent += 1
    }
}
