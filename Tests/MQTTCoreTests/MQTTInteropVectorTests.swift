import Testing

@testable import MQTTCore

/// Byte streams captured from mosquitto 2.0.11 and its clients (`mosquitto_pub`, `mosquitto_sub`)
/// through a recording TCP proxy: what real peers send, decoded as a server (client → server) or
/// as a client (server → client) would.
@Suite struct MQTTInteropVectorTests {
    struct Capture: Sendable, CustomStringConvertible {
        var name: String
        /// `nil` for a client's stream (the parser learns the version from CONNECT).
        var version: MQTTProtocolVersion?
        var hex: String
        var types: [MQTTPacketType]

        var description: String { self.name }
    }

    static let captures: [Capture] = [
        Capture(
            name: "mosquitto_sub -V mqttv5 -c -x 120 -q 2 -C 3 -D subscribe user-property (client)",
            version: nil,
            hex: "101900044d5154540500003c081100000078210003000473756235822000010c26000377686f0004"
                + "73756235000e73656e736f72732f2b2f74656d700240020001500200027002000240020003e000",
            types: [.connect, .subscribe, .puback, .pubrec, .pubcomp, .puback, .disconnect]
        ),
        Capture(
            name: "mosquitto to a 5.0 subscriber: QoS 1 with properties, QoS 2, PUBREL (server)",
            version: .v5,
            hex: "200900000622000a2100149004000100023233000e73656e736f72732f612f74656d7000011c2600"
                + "04756e697400014303000a746578742f706c61696e020000003c32312e353415000e73656e736f72"
                + "732f622f74656d700002003232620200023215000e73656e736f72732f632f74656d700003003233",
            types: [.connack, .suback, .publish, .publish, .pubrel, .publish]
        ),
        Capture(
            name: "mosquitto_pub -V mqttv5 -q 1 with user property, content type, expiry (client)",
            version: nil,
            hex: "101500044d5154540502003c03210014000570756235613233000e73656e736f72732f612f74656d"
                + "7000011c260004756e697400014303000a746578742f706c61696e020000003c32312e35e000",
            types: [.connect, .publish, .disconnect]
        ),
        Capture(
            name: "mosquitto CONNACK and PUBACK to a 5.0 publisher (server)",
            version: .v5,
            hex: "200900000622000a21001440020001",
            types: [.connack, .puback]
        ),
        Capture(
            name: "mosquitto_pub -V mqttv5 -q 2 -r with a will and will delay (client)",
            version: nil,
            hex: "103700044d515454052e001e03210014000570756235620518000000050014646576696365732f70"
                + "756235622f7374617475730004676f6e653515000e73656e736f72732f622f74656d700001003232"
                + "62020001e000",
            types: [.connect, .publish, .pubrel, .disconnect]
        ),
        Capture(
            name: "mosquitto CONNACK, PUBREC, PUBCOMP to a 5.0 publisher (server)",
            version: .v5,
            hex: "200900000622000a2100145002000170020001",
            types: [.connack, .pubrec, .pubcomp]
        ),
        Capture(
            name: "mosquitto_pub -V mqttv311 -q 1 -u -P (client)",
            version: nil,
            hex: "101e00044d51545404c2003c00067075623331310004757365720004706173733214000e73656e73"
                + "6f72732f632f74656d7000013233e000",
            types: [.connect, .publish, .disconnect]
        ),
        Capture(
            name: "mosquitto CONNACK and PUBACK to a 3.1.1 publisher (server)",
            version: .v3_1_1,
            hex: "2002000040020001",
            types: [.connack, .puback]
        ),
        Capture(
            name: "mosquitto_sub -V mqttv311 with two filters (client)",
            version: nil,
            hex: "101200044d5154540402003c000673756233313182190001000e73656e736f72732f622f74656d70"
                + "010003612f230140020001e000",
            types: [.connect, .subscribe, .puback, .disconnect]
        ),
        Capture(
            name: "mosquitto to a 3.1.1 subscriber: SUBACK, retained QoS 1 (server)",
            version: .v3_1_1,
            hex: "200200009004000101013314000e73656e736f72732f622f74656d7000013232",
            types: [.connack, .suback, .publish]
        ),
        Capture(
            name: "mosquitto_sub -V mqttv5 -U: SUBSCRIBE then UNSUBSCRIBE (client)",
            version: nil,
            hex: "101600044d5154540502003c032100140006756e7375623582090001000003782f7900a208000200"
                + "0003782f79e000",
            types: [.connect, .subscribe, .unsubscribe, .disconnect]
        ),
        Capture(
            name: "mosquitto SUBACK and UNSUBACK to 5.0 (server)",
            version: .v5,
            hex: "200900000622000a210014900400010000b00400020000",
            types: [.connack, .suback, .unsuback]
        ),
        Capture(
            name: "mosquitto_pub -V mqttv311 -q 2 with an empty client id (client)",
            version: nil,
            hex: "100c00044d5154540402003c0000341a000e73656e736f72732f642f74656d700001716f73322033"
                + "313162020001e000",
            types: [.connect, .publish, .pubrel, .disconnect]
        ),
        Capture(
            name: "mosquitto CONNACK, PUBREC, PUBCOMP to 3.1.1 (server)",
            version: .v3_1_1,
            hex: "200200005002000170020001",
            types: [.connack, .pubrec, .pubcomp]
        ),
        Capture(
            name: "mosquitto_pub -V mqttv5 -n: empty client id, empty payload (client)",
            version: nil,
            hex: "101000044d5154540502003c032100140000301300107a65726f2f6c656e2f7061796c6f616400e000",
            types: [.connect, .publish, .disconnect]
        ),
        Capture(
            name: "mosquitto CONNACK with an assigned client identifier (server)",
            version: .v5,
            hex: "203500003222000a1200296175746f2d34463734314239432d464342372d423544422d303542422d"
                + "353142454639453134463137210014",
            types: [.connack]
        ),
    ]

    @Test(arguments: Self.captures)
    func capture(_ capture: Capture) {
        let stream = bytes(hex: capture.hex)
        for chunk in [1, Int.max] {
            let outcome = parse(stream, version: capture.version, chunk: chunk)
            #expect(outcome.error == nil, "\(String(describing: outcome.error))")
            #expect(outcome.leftover == 0)
            #expect(outcome.packets.map(\.type) == capture.types)
            // Decoded packets encode to packets that decode to themselves (the property order
            // may differ from mosquitto's, so the bytes need not).
            let version =
                capture.version
                ?? outcome.packets.first.flatMap {
                    if case .connect(let connect) = $0 { return connect.protocolVersion }
                    return nil
                }
            for packet in outcome.packets {
                let encoded = packet.encoded(version: version ?? .v5)
                let again = parse(encoded, version: packet.type == .connect ? nil : version)
                #expect(again.packets == [packet])
            }
        }
    }

    @Test func fieldsOfCapturedPackets() throws {
        let subscriber = parse(bytes(hex: Self.captures[0].hex), version: nil).packets
        guard case .connect(let connect) = subscriber.first, case .subscribe(let subscribe) = subscriber[1] else {
            Issue.record("unexpected packets \(subscriber)")
            return
        }
        #expect(connect.protocolVersion == .v5 && !connect.cleanStart && connect.clientIdentifier == "sub5")
        #expect(connect.properties.sessionExpiryInterval == 120)
        #expect(subscribe.subscriptions.map(\.topicFilter) == ["sensors/+/temp"])
        #expect(subscribe.subscriptions[0].options.maximumQoS == .exactlyOnce)
        #expect(subscribe.properties.userProperties == [MQTTUserProperty("who", "sub5")])

        let delivered = parse(bytes(hex: Self.captures[1].hex), version: .v5).packets
        guard case .publish(let publish) = delivered[2] else {
            Issue.record("unexpected packets \(delivered)")
            return
        }
        #expect(publish.topicName == "sensors/a/temp" && publish.payload == Array("21.5".utf8))
        #expect(publish.qos == .atLeastOnce && publish.packetIdentifier == 1)
        #expect(publish.properties.userProperties == [MQTTUserProperty("unit", "C")])
        #expect(publish.properties.contentType == "text/plain")
        #expect(publish.properties.messageExpiryInterval == 60)

        let willClient = parse(bytes(hex: Self.captures[4].hex), version: nil).packets
        guard case .connect(let withWill) = willClient.first, let will = withWill.will else {
            Issue.record("no will in \(willClient)")
            return
        }
        #expect(will.topic == "devices/pub5b/status" && will.payload == Array("gone".utf8))
        #expect(will.qos == .atLeastOnce && will.retain && will.properties.willDelayInterval == 5)
        #expect(withWill.keepAlive == 30)

        let credentials = parse(bytes(hex: Self.captures[6].hex), version: nil).packets
        guard case .connect(let login) = credentials.first else {
            Issue.record("no CONNECT in \(credentials)")
            return
        }
        #expect(login.protocolVersion == .v3_1_1 && login.username == "user" && login.password == Array("pass".utf8))

        let assigned = parse(bytes(hex: Self.captures[15].hex), version: .v5).packets
        guard case .connack(let connack) = assigned.first else {
            Issue.record("no CONNACK in \(assigned)")
            return
        }
        #expect(connack.properties.assignedClientIdentifier?.hasPrefix("auto-") == true)
        #expect(connack.properties.topicAliasMaximum == 10 && connack.properties.receiveMaximum == 20)
    }
}
