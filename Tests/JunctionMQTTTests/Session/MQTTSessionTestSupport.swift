import MQTTCore

@testable import JunctionMQTT

typealias Action = MQTTSessionStateMachine.Action

/// A machine through CONNECT and CONNACK, and helpers to pick actions apart.
extension MQTTSessionStateMachine {
    static func connected(
        _ version: MQTTProtocolVersion = .v5,
        clientID: String = "c1",
        cleanStart: Bool = true,
        properties: MQTTProperties = MQTTProperties(),
        keepAlive: UInt16 = 60,
        will: MQTTWill? = nil,
        configuration: MQTTSessionConfiguration = MQTTSessionConfiguration(),
        previous: MQTTSessionState? = nil
    ) -> (MQTTSessionStateMachine, [Action]) {
        var machine = MQTTSessionStateMachine(configuration: configuration)
        let connect = MQTTConnect(
            protocolVersion: version,
            cleanStart: cleanStart,
            keepAlive: keepAlive,
            clientIdentifier: clientID,
            will: will,
            properties: properties
        )
        _ = machine.connectReceived(connect, assignedIdentifier: "assigned", now: 0)
        let actions = machine.accepted(previous: previous, now: 0)
        return (machine, actions)
    }
}

extension Array where Element == MQTTSessionStateMachine.Action {
    var packets: [MQTTPacket] {
        self.compactMap { if case .send(let packet) = $0 { return packet } else { return nil } }
    }

    var publishes: [MQTTPublish] {
        self.packets.compactMap { if case .publish(let publish) = $0 { return publish } else { return nil } }
    }

    var closes: Bool {
        self.contains { if case .close = $0 { return true } else { return false } }
    }

    var subscribeRequests: [MQTTSessionStateMachine.MQTTSubscribeRequest] {
        self.compactMap { if case .subscribe(let request) = $0 { return request } else { return nil } }
    }

    var realmPublications: [(MQTTApplicationMessage, UInt16?)] {
        self.compactMap {
            if case .publish(let message, let id) = $0 { return (message, id) } else { return nil }
        }
    }
}

func message(
    _ topic: String,
    _ payload: String = "x",
    qos: MQTTQoS = .atMostOnce,
    retain: Bool = false
)
    -> MQTTApplicationMessage
{
    MQTTApplicationMessage(topic: topic, payload: Array(payload.utf8), qos: qos, retain: retain)
}

/// Subscribes `filter` and confirms it in the realm as `realm`.
func subscribe(
    _ machine: inout MQTTSessionStateMachine,
    _ filter: String,
    qos: MQTTQoS = .exactlyOnce,
    id: UInt16 = 1,
    realm: UInt64 = 7,
    options: MQTTSubscriptionOptions? = nil,
    identifier: Int? = nil
) -> [Action] {
    var properties = MQTTProperties()
    if let identifier { properties.subscriptionIdentifiers = [identifier] }
    let actions = machine.packetReceived(
        .subscribe(
            MQTTSubscribe(
                packetIdentifier: id,
                subscriptions: [MQTTSubscription(topicFilter: filter, options: options ?? .init(maximumQoS: qos))],
                properties: properties
            )
        ),
        now: 0
    )
    var result = actions
    for request in actions.subscribeRequests {
        result += machine.realmSubscribed(request.token, subscription: realm)
    }
    return result
}
