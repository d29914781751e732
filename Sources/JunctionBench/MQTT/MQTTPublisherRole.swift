import MQTTCore
import NIOCore

/// Publishes to the benchmark topic with a stamped payload (see `MQTTPublishTemplate`), so
/// subscribers can check order and loss and measure end-to-end latency.
///
/// Closed loop: at most `window` publications outstanding, counted in deliveries, and at QoS 1
/// also at most `window` (and the broker's Receive Maximum) without PUBACK. Open loop: one
/// publication per `Pacer` slot, no flow control.
final class MQTTPublisherRole: MQTTSessionRole, LoadStarting, PacedRole, DeliveryTallying {
    private let template: MQTTPublishTemplate
    private let index: UInt32
    private let subscribers: Int
    private let paced: Bool
    private let flow: PublisherFlow
    private let state: LoopState
    private let control: RunControl
    private var window: Int
    private var session: MQTTClientHandler?
    private var sequence: UInt64 = 0
    private var acknowledged = 0
    private var packetIdentifier: UInt16 = 0
    private var running = false

    init(
        template: MQTTPublishTemplate, index: Int, window: Int, subscribers: Int, paced: Bool, flow: PublisherFlow,
        state: LoopState, control: RunControl
    ) {
        self.template = template
        self.index = UInt32(index)
        self.window = window
        self.subscribers = subscribers
        self.paced = paced
        self.flow = flow
        self.state = state
        self.control = control
    }

    private var acknowledges: Bool { self.template.qos != .atMostOnce }

    func connected(_ session: MQTTClientHandler, connack: MQTTConnAck) {
        self.session = session
        // Exceeding the broker's Receive Maximum is a protocol error (5.0 disconnect 0x93).
        if self.acknowledges, let maximum = connack.properties.receiveMaximum {
            self.window = min(self.window, Int(maximum))
        }
    }

    func startLoad() {
        self.running = true
        if !self.paced { self.wake() }
        self.session?.flushIfNeeded()
    }

    /// Publishes as far as the window allows (closed loop).
    func wake() {
        while self.running, !self.control.isStopping, self.hasRoom() {
            self.sendPublish(stamp: MonotonicClock.now())
        }
        self.session?.flushIfNeeded()
    }

    private func hasRoom() -> Bool {
        if self.acknowledges && Int(self.sequence) - self.acknowledged >= self.window { return false }
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
        // Open loop still never exceeds Receive Maximum: a QoS 1 publication over it waits.
        if self.acknowledges && Int(self.sequence) - self.acknowledged >= self.window {
            self.state.counters.errors += 1
            return
        }
        self.sendPublish(stamp: intendedTime)
    }

    func flushPaced() {
        self.session?.flushIfNeeded()
    }

    func received(_ packet: MQTTPacket, _ session: MQTTClientHandler) {
        guard case .puback(let ack) = packet else { return }
        self.acknowledged += 1
        if ack.reasonCode.rawValue < 0x80 {
            self.state.counters.acknowledged += 1
        } else {
            self.state.counters.errors += 1
        }
        if !self.paced {
            while self.running, !self.control.isStopping, self.hasRoom() {
                self.sendPublish(stamp: MonotonicClock.now())
            }
        }
    }

    func closed() {
        self.session = nil
    }

    func addTally(into tally: inout DeliveryTally) {
        tally.published += Int(self.sequence)
    }

    @inline(__always)
    private func sendPublish(stamp: UInt64) {
        guard let session = self.session else { return }
        self.sequence += 1
        self.packetIdentifier = self.packetIdentifier == UInt16.max ? 1 : self.packetIdentifier + 1
        var buffer = session.allocator.buffer(capacity: self.template.bytes.count)
        self.template.write(
            into: &buffer, packetIdentifier: self.packetIdentifier, publisher: self.index, sequence: self.sequence,
            stamp: stamp)
        session.send(buffer)
        self.state.counters.sent += 1
    }
}

@available(*, unavailable)
extension MQTTPublisherRole: Sendable {}
