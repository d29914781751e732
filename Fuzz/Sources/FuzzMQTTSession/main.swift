import MQTTCore

@testable import JunctionMQTT

/// libFuzzer entry point: the MQTT session state machine driven by arbitrary client bytes.
///
/// Byte 0 chooses the machine's limits (receive maximum, queue size); the rest is a client's byte
/// stream, cut at arbitrary points and parsed as the server parses it. Between packets the realm
/// answers what the machine asked for (alternately accepting and refusing), and every packet the
/// machine would send is encoded and must decode again. The machine must never trap, never have
/// more QoS > 0 messages in flight than the client's window, and never queue beyond its bounds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMQTTSession(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let control = data[0]
    var configuration = MQTTSessionConfiguration()
    configuration.receiveMaximum = UInt16(control & 0x07) + 1
    configuration.maxQueuedMessages = Int(control >> 3 & 0x07) + 1
    configuration.maximumKeepAlive = 5
    var machine = MQTTSessionStateMachine(configuration: configuration)
    var parser = MQTTPacketParser(maximumPacketSize: 4096)
    var pending: [UInt8] = []
    var realm = FakeRealm()
    var now: UInt64 = 0
    let stream = UnsafeBufferPointer(start: data + 1, count: size - 1)
    for byte in stream {
        pending.append(byte)
        now += 50_000_000
        while true {
            let step: MQTTPacketParser.ParseResult
            do {
                step = try parser.parseStep(&pending)
            } catch {
                realm.run(machine.decodingFailed(error, version: parser.version), &machine, now: now)
                return 0
            }
            guard case .result(let packet) = step else {
                if case .continueParsing = step { continue }
                break
            }
            let actions: [MQTTSessionStateMachine.Action]
            if case .connect(let connect) = packet {
                actions = machine.connectReceived(connect, assignedIdentifier: "fuzz", now: now)
            } else {
                actions = machine.packetReceived(packet, now: now)
            }
            realm.run(actions, &machine, now: now)
            realm.run(machine.keepAliveCheck(now: now), &machine, now: now)
        }
    }
    realm.run(machine.connectionClosed(), &machine, now: now)
    return 0
}

/// Answers the machine's requests the way a realm would, and checks what it sends.
struct FakeRealm {
    var answer = false
    var subscription: UInt64 = 0

    mutating func run(
        _ actions: [MQTTSessionStateMachine.Action],
        _ machine: inout MQTTSessionStateMachine,
        now: UInt64
    ) {
        var queue = actions[...]
        var steps = 0
        while let action = queue.popFirst(), steps < 1000 {
            steps += 1
            var more: [MQTTSessionStateMachine.Action] = []
            switch action {
            case .authenticate:
                more = machine.accepted(previous: nil, now: now)
            case .publish(let message, let id):
                self.answer.toggle()
                if let id {
                    more =
                        self.answer
                        ? machine.realmPublished(packetIdentifier: id, now: now)
                        : machine.realmPublishFailed(packetIdentifier: id, reason: .notAuthorized)
                }
                // The realm echoes it to this session's subscriptions (as another session's event).
                self.subscription = self.subscription % 3 + 1
                more += machine.eventReceived(
                    subscription: self.subscription,
                    message: message,
                    retained: self.answer,
                    now: now,
                    deliverShared: { _, _ in true }
                )
            case .subscribe(let request):
                self.answer.toggle()
                self.subscription = self.subscription % 3 + 1
                more =
                    self.answer
                    ? machine.realmSubscribed(request.token, subscription: self.subscription)
                    : machine.realmSubscribeFailed(request.token, reason: .notAuthorized)
            case .send(let packet):
                let bytes = packet.encoded(version: machine.version)
                var client = MQTTPacketParser(version: machine.version)
                var copy = bytes
                let decoded = (try? client.parseStep(&copy)) ?? .insufficientData
                if case .continueParsing = decoded, case .result? = try? client.parseStep(&copy) {
                    break
                }
                preconditionFailure("the machine sent a packet that does not decode: \(packet)")
            case .unsubscribe, .dropped, .close, .ended, .armWill, .discardWill:
                break
            }
            queue.append(contentsOf: more)
            precondition(machine.session.inflight.count <= max(machine.clientReceiveMaximum, 1))
            precondition(machine.session.queue.count <= machine.configuration.maxQueuedMessages)
        }
    }
}
