import NIOCore
import WAMPCore

/// Publishes to the benchmark topic with `[publisher index, sequence, send time, padding]` as
/// arguments, so subscribers can check order and loss and measure end-to-end latency.
///
/// Closed loop: at most `window` publications outstanding, counted in deliveries (and in
/// PUBLISHED when acknowledged). Open loop: one publication per `Pacer` slot, no flow control.
final class PublisherRole: SessionRole, LoadStarting, PacedRole, DeliveryTallying {
    private let publish: MessageTemplate
    private let index: UInt64
    private let acknowledge: Bool
    private let window: Int
    private let subscribers: Int
    private let paced: Bool
    private let flow: PublisherFlow
    private let state: LoopState
    private let control: RunControl
    private var session: WAMPClientHandler?
    private var sequence: UInt64 = 0
    private var acknowledged = 0
    private var running = false

    init(
        publish: MessageTemplate, index: Int, acknowledge: Bool, window: Int, subscribers: Int, paced: Bool,
        flow: PublisherFlow, state: LoopState, control: RunControl
    ) {
        self.publish = publish
        self.index = UInt64(index)
        self.acknowledge = acknowledge
        self.window = window
        self.subscribers = subscribers
        self.paced = paced
        self.flow = flow
        self.state = state
        self.control = control
    }

    func sessionEstablished(_ session: WAMPClientHandler) {
        self.session = session
    }

    func startLoad() {
        self.running = true
        if !self.paced { self.wake() }
    }

    /// Publishes as far as the window allows (closed loop).
    func wake() {
        while self.running, !self.control.isStopping, self.hasRoom() {
            self.sendPublish(stamp: MonotonicClock.now())
        }
        self.session?.flushIfNeeded()
    }

    private func hasRoom() -> Bool {
        if self.acknowledge && Int(self.sequence) - self.acknowledged >= self.window { return false }
        if self.roomForDeliveries() { return true }
        // Window full: ask subscribers to wake us, then re-check in case they just did.
        self.flow.markWaiting()
        if self.roomForDeliveries() {
            self.flow.clearWaiting()
            return true
        }
        return false
    }

    @inline(__always)
    private func roomForDeliveries() -> Bool {
        Int(self.sequence) * self.subscribers - self.flow.deliveredCount < self.window * self.subscribers
    }

    func fire(intendedTime: UInt64) {
        guard self.running, !self.control.isStopping else { return }
        self.sendPublish(stamp: intendedTime)
    }

    func flushPaced() {
        self.session?.flushIfNeeded()
    }

    func received(_ type: UInt64, _ scanner: inout WireScanner, _ session: WAMPClientHandler) throws(ScanError) {
        switch type {
        case MessageType.published.rawValue:
            self.acknowledged += 1
            self.state.counters.acknowledged += 1
        case MessageType.error.rawValue:
            self.acknowledged += 1
            self.state.counters.errors += 1
        default:
            return
        }
        if !self.paced && self.acknowledge {
            while self.running, !self.control.isStopping, self.hasRoom() {
                self.sendPublish(stamp: MonotonicClock.now())
            }
        }
    }

    func sessionClosed() {
        self.session = nil
    }

    func addTally(into tally: inout DeliveryTally) {
        tally.published += Int(self.sequence)
    }

    @inline(__always)
    private func sendPublish(stamp: UInt64) {
        guard let session = self.session else { return }
        self.sequence += 1
        var buffer = FrameHeadroom.makeBuffer(session.allocator, capacity: self.publish.maximumSize)
        self.publish.write(into: &buffer, self.sequence, self.index, self.sequence, stamp)
        session.send(buffer)
        self.state.counters.sent += 1
    }
}
