import MQTTCore
import Testing

@testable import JunctionMQTT

/// Random sequences of client packets, realm answers and deliveries (seeded, reproducible): the
/// machine never traps, never has more messages in flight than the client allows, and every
/// PUBLISH it sends at QoS > 0 carries a packet id in flight.
@Suite struct MQTTSessionRandomTests {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: 0..<20)
    func randomSequences(seed: Int) {
        var random = SplitMix(state: UInt64(seed))
        var connect = MQTTProperties()
        connect.receiveMaximum = 3
        connect.topicAliasMaximum = 2
        let version: MQTTProtocolVersion = seed % 2 == 0 ? .v5 : .v3_1_1
        var (machine, _) = MQTTSessionStateMachine.connected(version, cleanStart: false, properties: connect)
        var pendingTokens: [MQTTSessionStateMachine.SubscribeToken] = []
        var pendingPublishes: [UInt16] = []
        let topics = ["a", "a/b", "b/c", "$SYS/x", "a/b/c"]
        let filters = ["a/#", "+/c", "#", "a/+", "$share/g/a/#", "a/#/b", "$SYS/#"]
        for step in 0..<400 {
            let now = UInt64(step) * 100_000_000
            var actions: [MQTTSessionStateMachine.Action] = []
            switch Int.random(in: 0..<11, using: &random) {
            case 0:
                let qos = MQTTQoS(rawValue: UInt8.random(in: 0...2, using: &random))!
                let id = qos == .atMostOnce ? nil : UInt16.random(in: 1...6, using: &random)
                actions = machine.packetReceived(
                    .publish(
                        MQTTPublish(
                            topicName: topics.randomElement(using: &random)!,
                            payload: [1],
                            qos: qos,
                            packetIdentifier: id
                        )
                    ),
                    now: now
                )
            case 1:
                actions = machine.packetReceived(
                    .subscribe(
                        MQTTSubscribe(
                            packetIdentifier: UInt16.random(in: 1...4, using: &random),
                            subscriptions: [
                                MQTTSubscription(
                                    topicFilter: filters.randomElement(using: &random)!,
                                    options: .init(
                                        maximumQoS: MQTTQoS(rawValue: UInt8.random(in: 0...2, using: &random))!
                                    )
                                )
                            ]
                        )
                    ),
                    now: now
                )
            case 2:
                actions = machine.packetReceived(
                    .unsubscribe(
                        MQTTUnsubscribe(packetIdentifier: 9, topicFilters: [filters.randomElement(using: &random)!])
                    ),
                    now: now
                )
            case 3:
                if let token = pendingTokens.popLast() {
                    actions =
                        Bool.random(using: &random)
                        ? machine.realmSubscribed(token, subscription: UInt64.random(in: 1...3, using: &random))
                        : machine.realmSubscribeFailed(token, reason: .notAuthorized)
                }
            case 4:
                if let id = pendingPublishes.popLast() {
                    actions =
                        Bool.random(using: &random)
                        ? machine.realmPublished(packetIdentifier: id, now: now)
                        : machine.realmPublishFailed(packetIdentifier: id, reason: .notAuthorized)
                }
            case 5, 6:
                actions = machine.eventReceived(
                    subscription: UInt64.random(in: 1...3, using: &random),
                    message: MQTTApplicationMessage(
                        topic: topics.randomElement(using: &random)!,
                        payload: [2],
                        qos: MQTTQoS(rawValue: UInt8.random(in: 0...2, using: &random))!
                    ),
                    retained: Bool.random(using: &random),
                    now: now,
                    deliverShared: { _, _ in Bool.random() }
                )
            case 7:
                let id = UInt16.random(in: 1...8, using: &random)
                let ack = MQTTPublishAck(packetIdentifier: id)
                let packets: [MQTTPacket] = [.puback(ack), .pubrec(ack), .pubrel(ack), .pubcomp(ack)]
                actions = machine.packetReceived(packets.randomElement(using: &random)!, now: now)
            case 8:
                actions = machine.packetReceived(.pingreq, now: now)
            case 9:
                actions = machine.keepAliveCheck(now: now)
            default:
                if !machine.isConnected {
                    let (state, _) = machine.handOver()
                    (machine, actions) = MQTTSessionStateMachine.connected(
                        version,
                        cleanStart: false,
                        properties: connect,
                        previous: state
                    )
                } else if Int.random(in: 0..<10, using: &random) == 0 {
                    actions = machine.connectionClosed()
                }
            }
            for action in actions {
                switch action {
                case .subscribe(let request): pendingTokens.append(request.token)
                case .publish(_, let id?): pendingPublishes.append(id)
                case .send(.publish(let publish)) where publish.qos != .atMostOnce:
                    #expect(machine.session.inflight[publish.packetIdentifier ?? 0] != nil)
                default: break
                }
            }
            #expect(machine.session.inflight.count <= (version == .v5 ? 3 : 100))
            #expect(machine.session.queue.count <= 1000)
        }
    }
}
