@testable import MQTTCore

/// libFuzzer entry point: the MQTT packet parser on arbitrary bytes.
///
/// Byte 0 picks how the stream is cut into reads (bits 0-3), the parser's side (bits 4-5: a
/// server learning the version from CONNECT, or a client of 3.1.1 or 5.0) and the maximum packet
/// size (bit 6). Every packet that comes out must encode to bytes that decode to the same
/// packet, and its topic names and filters go through the topic functions.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMQTT(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else {
        return 0
    }
    let control = data[0]
    let chunk = Int(control & 0x0F) + 1
    let version: MQTTProtocolVersion?
    switch (control >> 4) & 0x03 {
    case 1: version = .v3_1_1
    case 2: version = .v5
    default: version = nil
    }
    var parser = MQTTPacketParser(version: version, maximumPacketSize: control & 0x40 != 0 ? 256 : 1 << 16)
    let stream = UnsafeBufferPointer(start: data + 1, count: size - 1)
    var pending: [UInt8] = []
    var offset = 0
    while offset < stream.count {
        let end = min(offset + chunk, stream.count)
        pending.append(contentsOf: UnsafeBufferPointer(rebasing: stream[offset..<end]))
        offset = end
        while true {
            let step: MQTTPacketParser.ParseResult
            do {
                step = try parser.parseStep(&pending)
            } catch {
                return 0
            }
            switch step {
            case .insufficientData:
                break
            case .continueParsing:
                continue
            case .result(let packet):
                check(packet, connectionVersion: parser.version ?? .v5)
                continue
            }
            break
        }
    }
    return 0
}

private func check(_ packet: MQTTPacket, connectionVersion: MQTTProtocolVersion) {
    var version = connectionVersion
    var reparser = MQTTPacketParser(version: connectionVersion)
    if case .connect(let connect) = packet {
        version = connect.protocolVersion
        reparser = MQTTPacketParser()
    }
    var encoded = packet.encoded(version: version)
    var again: [MQTTPacket] = []
    do {
        while true {
            let step = try reparser.parseStep(&encoded)
            if case .result(let decoded) = step {
                again.append(decoded)
            } else if step == .insufficientData {
                break
            }
        }
    } catch {
        preconditionFailure("re-encoded \(packet.type) does not decode: \(error)")
    }
    precondition(again == [packet], "\(packet.type) does not survive encode and decode")
    switch packet {
    case .publish(let publish):
        _ = MQTTTopic.matches(filter: "#", topic: publish.topicName)
        _ = MQTTTopic.matches(filter: "+/+/#", topic: publish.topicName)
    case .subscribe(let subscribe):
        for subscription in subscribe.subscriptions {
            let filter = subscription.topicFilter
            _ = MQTTSharedSubscription.parse(filter)
            if MQTTTopic.isValidFilter(filter) {
                _ = MQTTTopic.matches(filter: filter, topic: "a/b/c")
                _ = MQTTTopic.matches(filter: filter, topic: "$SYS/a")
                _ = MQTTTopic.matches(filter: filter, topic: filter.replacing("+", with: "x").replacing("#", with: "y"))
            }
        }
    default:
        break
    }
}
