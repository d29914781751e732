import NIOCore
import WAMPCore

/// Subscribes to the benchmark topic; per EVENT it reads publisher index, sequence number and
/// send time, checks order and loss, records end-to-end latency and reports deliveries to the
/// publishers' flow control once per read batch.
final class SubscriberRole: SessionRole, DeliveryTallying {
    private let subscribe: [UInt8]
    private let subscribed: EventLoopPromise<Void>
    private let flows: [PublisherFlow]
    private let state: LoopState
    private var trackers: [SequenceTracker]
    private var batch: [Int]
    private var batchNonEmpty = false

    init(subscribe: [UInt8], subscribed: EventLoopPromise<Void>, flows: [PublisherFlow], state: LoopState) {
        self.subscribe = subscribe
        self.subscribed = subscribed
        self.flows = flows
        self.state = state
        self.trackers = Array(repeating: SequenceTracker(), count: flows.count)
        self.batch = Array(repeating: 0, count: flows.count)
    }

    func sessionEstablished(_ session: WAMPClientHandler) {
        var buffer = FrameHeadroom.makeBuffer(session.allocator, capacity: self.subscribe.count)
        buffer.writeBytes(self.subscribe)
        session.send(buffer)
        session.flushIfNeeded()
    }

    func received(_ type: UInt64, _ scanner: inout WireScanner, _ session: WAMPClientHandler) throws(ScanError) {
        switch type {
        case MessageType.event.rawValue:
            try scanner.skip()  // subscription
            try scanner.skip()  // publication
            try scanner.skip()  // details
            _ = try scanner.enterList()
            let publisher = Int(try scanner.uint())
            let sequence = try scanner.uint()
            let stamp = try scanner.uint()
            let now = MonotonicClock.now()
            guard publisher < self.trackers.count else {
                self.state.counters.errors += 1
                return
            }
            self.trackers[publisher].record(sequence)
            self.state.latency.record(nanoseconds: now >= stamp ? now - stamp : 0)
            self.state.counters.completed += 1
            self.batch[publisher] += 1
            self.batchNonEmpty = true
        case MessageType.subscribed.rawValue:
            self.subscribed.succeed()
        case MessageType.error.rawValue:
            self.subscribed.fail(ClientTransportError("SUBSCRIBE was refused"))
        default:
            break
        }
    }

    func readComplete(_ session: WAMPClientHandler) {
        guard self.batchNonEmpty else { return }
        self.batchNonEmpty = false
        for index in self.batch.indices where self.batch[index] > 0 {
            self.flows[index].addDelivered(self.batch[index])
            self.batch[index] = 0
        }
    }

    func sessionClosed() {
        self.subscribed.fail(ClientTransportError("subscriber session closed before SUBSCRIBED"))
    }

    func addTally(into tally: inout DeliveryTally) {
        for tracker in self.trackers {
            tally.uniqueDeliveries += tracker.unique
            tally.duplicates += tracker.duplicates
            tally.outOfOrder += tracker.outOfOrder
        }
    }
}
