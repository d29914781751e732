import MQTTCore
import NIOCore

/// Subscribes to the benchmark topic; per PUBLISH it reads publisher index, sequence number and
/// send time from the payload, checks order and loss, records end-to-end latency, answers QoS 1
/// with PUBACK, and reports deliveries to the publishers' flow control once per read batch.
final class MQTTSubscriberRole: MQTTSessionRole, DeliveryTallying {
    private let filter: String
    private let qos: MQTTQoS
    private let subscribed: EventLoopPromise<Void>
    private let flows: [PublisherFlow]
    private let state: LoopState
    private var trackers: [SequenceTracker]
    private var batch: [Int]
    private var batchNonEmpty = false
    /// PUBACK encoded once; bytes 2-3 are the packet identifier.
    private var pubackTemplate: [UInt8] = []

    init(filter: String, qos: MQTTQoS, subscribed: EventLoopPromise<Void>, flows: [PublisherFlow], state: LoopState) {
        self.filter = filter
        self.qos = qos
        self.subscribed = subscribed
        self.flows = flows
        self.state = state
        self.trackers = Array(repeating: SequenceTracker(), count: flows.count)
        self.batch = Array(repeating: 0, count: flows.count)
    }

    func connected(_ session: MQTTClientHandler, connack: MQTTConnAck) {
        self.pubackTemplate = MQTTPacket.puback(MQTTPublishAck(packetIdentifier: 1)).encoded(version: session.version)
        let options = MQTTSubscriptionOptions(maximumQoS: self.qos)
        let subscription = MQTTSubscription(topicFilter: self.filter, options: options)
        session.send(.subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [subscription])))
        session.flushIfNeeded()
    }

    func received(_ packet: MQTTPacket, _ session: MQTTClientHandler) {
        switch packet {
        case .publish(let publish):
            let now = MonotonicClock.now()
            if let identifier = publish.packetIdentifier, publish.qos == .atLeastOnce {
                var ack = session.allocator.buffer(capacity: self.pubackTemplate.count)
                ack.writeBytes(self.pubackTemplate)
                ack.setInteger(identifier, at: 2)
                session.send(ack)
            }
            guard let (publisher, sequence, stamp) = MQTTPublishTemplate.readStamp(publish.payload),
                Int(publisher) < self.trackers.count
            else {
                self.state.counters.errors += 1
                return
            }
            self.trackers[Int(publisher)].record(sequence)
            self.state.latency.record(nanoseconds: now >= stamp ? now - stamp : 0)
            self.state.counters.completed += 1
            self.batch[Int(publisher)] += 1
            self.batchNonEmpty = true
        case .suback(let suback):
            if let code = suback.reasonCodes.first, code.rawValue < 0x80 {
                self.subscribed.succeed()
            } else {
                self.subscribed.fail(ClientTransportError("SUBSCRIBE was refused: \(suback.reasonCodes)"))
            }
        default:
            break
        }
    }

    func readComplete(_ session: MQTTClientHandler) {
        guard self.batchNonEmpty else { return }
        self.batchNonEmpty = false
        for index in self.batch.indices where self.batch[index] > 0 {
            self.flows[index].addDelivered(self.batch[index])
            self.batch[index] = 0
        }
    }

    func closed() {
        self.subscribed.fail(ClientTransportError("subscriber connection closed before SUBACK"))
    }

    func addTally(into tally: inout DeliveryTally) {
        for tracker in self.trackers {
            tally.uniqueDeliveries += tracker.unique
            tally.duplicates += tracker.duplicates
            tally.outOfOrder += tracker.outOfOrder
        }
    }
}

@available(*, unavailable)
extension MQTTSubscriberRole: Sendable {}
