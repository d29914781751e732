import Testing

@testable import MQTTCore

/// Bytes from a hex string such as `"10 0c 00"`; spaces and newlines are ignored.
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8.filter { !($0 == 0x20 || $0 == 0x0A) })
    precondition(digits.count % 2 == 0, "odd hex length")
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: preconditionFailure("invalid hex digit")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// What a parser made of a byte stream: the packets, then the error that stopped it, if any.
struct ParseOutcome {
    var packets: [MQTTPacket] = []
    var error: MQTTDecodingError?
    /// Bytes left over (an incomplete packet at the end).
    var leftover = 0
}

/// Feeds `stream` to a parser `chunk` bytes at a time, parsing as far as possible after each.
func parse(
    _ stream: [UInt8],
    version: MQTTProtocolVersion?,
    chunk: Int = Int.max,
    maximumPacketSize: Int = MQTTPacketParser.largestPacketSize
) -> ParseOutcome {
    var parser = MQTTPacketParser(version: version, maximumPacketSize: maximumPacketSize)
    var outcome = ParseOutcome()
    var pending: [UInt8] = []
    var offset = 0
    repeat {
        let end = offset + min(chunk, stream.count - offset)
        pending.append(contentsOf: stream[offset..<end])
        offset = end
        loop: while true {
            do {
                switch try parser.parseStep(&pending) {
                case .insufficientData: break loop
                case .continueParsing: continue
                case .result(let packet): outcome.packets.append(packet)
                }
            } catch {
                outcome.error = error
                return outcome
            }
        }
    } while offset < stream.count
    outcome.leftover = pending.count
    return outcome
}

/// Decodes exactly one packet from `bytes`, recording a test failure otherwise.
func decodeOne(
    _ bytes: [UInt8],
    version: MQTTProtocolVersion?,
    sourceLocation: SourceLocation = #_sourceLocation
) -> MQTTPacket? {
    let outcome = parse(bytes, version: version)
    #expect(outcome.error == nil, "\(String(describing: outcome.error))", sourceLocation: sourceLocation)
    #expect(outcome.packets.count == 1, "got \(outcome.packets.count) packets", sourceLocation: sourceLocation)
    #expect(outcome.leftover == 0, sourceLocation: sourceLocation)
    return outcome.packets.first
}

/// Expects `bytes` to be rejected with `reasonCode` before any packet comes out.
func expectRejected(
    _ bytes: [UInt8],
    version: MQTTProtocolVersion?,
    _ reasonCode: MQTTReasonCode,
    maximumPacketSize: Int = MQTTPacketParser.largestPacketSize,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for chunk in [1, Int.max] {
        let outcome = parse(bytes, version: version, chunk: chunk, maximumPacketSize: maximumPacketSize)
        #expect(outcome.packets.isEmpty, "decoded \(outcome.packets)", sourceLocation: sourceLocation)
        #expect(
            outcome.error?.reasonCode == reasonCode,
            "\(hexString(bytes)): expected \(reasonCode), got \(String(describing: outcome.error))",
            sourceLocation: sourceLocation
        )
    }
}

/// A full 5.0 property list for `context`: every property it may carry, with non-default values.
func fullProperties(for context: MQTTPropertyContext) -> MQTTProperties {
    var properties = MQTTProperties()
    for identifier in MQTTPropertyIdentifier.allCases where identifier.allowedIn.contains(context) {
        switch identifier {
        case .payloadFormatIndicator: properties.payloadFormatIndicator = .utf8
        case .messageExpiryInterval: properties.messageExpiryInterval = 3600
        case .contentType: properties.contentType = "application/json"
        case .responseTopic: properties.responseTopic = "reply/to/me"
        case .correlationData: properties.correlationData = [0, 1, 2, 0xFF]
        case .subscriptionIdentifier:
            properties.subscriptionIdentifiers = context == .publish ? [1, 200, 268_435_455] : [16_384]
        case .sessionExpiryInterval: properties.sessionExpiryInterval = 0xFFFF_FFFF
        case .assignedClientIdentifier: properties.assignedClientIdentifier = "auto-1"
        case .serverKeepAlive: properties.serverKeepAlive = 30
        case .authenticationMethod: properties.authenticationMethod = "SCRAM-SHA-1"
        case .authenticationData: properties.authenticationData = [9, 8, 7]
        case .requestProblemInformation: properties.requestProblemInformation = false
        case .willDelayInterval: properties.willDelayInterval = 10
        case .requestResponseInformation: properties.requestResponseInformation = true
        case .responseInformation: properties.responseInformation = "responses/"
        case .serverReference: properties.serverReference = "other.example:1883"
        case .reasonString: properties.reasonString = "because ünïcödé"
        case .receiveMaximum: properties.receiveMaximum = 20
        case .topicAliasMaximum: properties.topicAliasMaximum = 10
        case .topicAlias: properties.topicAlias = 3
        case .maximumQoS: properties.maximumQoS = .atLeastOnce
        case .retainAvailable: properties.retainAvailable = false
        case .userProperty:
            properties.userProperties = [.init("a", "1"), .init("a", "2"), .init("", ""), .init("k", "v 😀")]
        case .maximumPacketSize: properties.maximumPacketSize = 1 << 20
        case .wildcardSubscriptionAvailable: properties.wildcardSubscriptionAvailable = true
        case .subscriptionIdentifierAvailable: properties.subscriptionIdentifierAvailable = false
        case .sharedSubscriptionAvailable: properties.sharedSubscriptionAvailable = true
        }
    }
    return properties
}
