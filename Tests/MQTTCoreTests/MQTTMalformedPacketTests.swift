import Testing

@testable import MQTTCore

/// Bad bytes from a peer: each case is refused with the 5.0 reason code a server sends before
/// closing, before any packet comes out, whether the bytes arrive at once or one at a time.
@Suite struct MQTTMalformedPacketTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var version: MQTTProtocolVersion?
        var hex: String
        var reasonCode: MQTTReasonCode

        init(_ name: String, _ version: MQTTProtocolVersion?, _ hex: String, _ reasonCode: MQTTReasonCode) {
            self.name = name
            self.version = version
            self.hex = hex
            self.reasonCode = reasonCode
        }

        var description: String { self.name }
    }

    static let cases: [Case] = [
        // Fixed header: type and flags.
        Case("reserved packet type 0", .v5, "00 00", .malformedPacket),
        Case("AUTH does not exist in 3.1.1", .v3_1_1, "f0 00", .malformedPacket),
        Case("PUBREL flags must be 0010", .v5, "60 02 0001", .malformedPacket),
        Case("SUBSCRIBE flags must be 0010", .v3_1_1, "80 06 0001 0001 74 00", .malformedPacket),
        Case("UNSUBSCRIBE flags must be 0010", .v5, "a0 05 0001 00 0001", .malformedPacket),
        Case("PINGREQ flags must be 0000", .v3_1_1, "c1 00", .malformedPacket),
        Case("CONNECT flags must be 0000", nil, "12 0c 0004 4d515454 04 02 003c 0000", .malformedPacket),
        Case("PUBLISH with QoS 3", .v3_1_1, "36 05 0001 74 0001", .malformedPacket),
        Case("PUBLISH with DUP at QoS 0", .v3_1_1, "38 03 0001 74", .malformedPacket),
        // Remaining length and size.
        Case("remaining length of five bytes", .v5, "30 ffffffff7f", .malformedPacket),
        Case("remaining length not minimal", .v5, "e0 8000", .malformedPacket),
        Case("PINGREQ with a body", .v3_1_1, "c0 01 00", .malformedPacket),
        Case("3.1.1 PUBACK with a reason code", .v3_1_1, "40 03 0001 00", .malformedPacket),
        Case("3.1.1 DISCONNECT with a reason code", .v3_1_1, "e0 01 00", .malformedPacket),
        Case("truncated packet identifier", .v3_1_1, "32 04 0001 74 00", .malformedPacket),
        Case("string longer than the packet", .v3_1_1, "30 03 0005 74", .malformedPacket),
        Case(
            "binary data longer than the packet",
            nil,
            "10 12 0004 4d515454 04 42 003c 0001 63 0001 74 0005 78",
            .malformedPacket
        ),
        // Strings.
        Case("topic with invalid UTF-8", .v3_1_1, "30 03 0001 ff", .malformedPacket),
        Case("topic with U+0000", .v3_1_1, "30 03 0001 00", .malformedPacket),
        Case("topic with a UTF-16 surrogate", .v3_1_1, "30 05 0003 eda080", .malformedPacket),
        Case("topic with an overlong encoding", .v3_1_1, "30 04 0002 c0af", .malformedPacket),
        Case("topic with a truncated sequence", .v5, "30 05 0002 e282 00", .malformedPacket),
        Case("user property with invalid UTF-8", .v5, "30 0b 0001 74 07 26 0001 80 0001 76", .malformedPacket),
        // Properties.
        Case("duplicate content type", .v5, "30 0c 0001 74 08 030001 61 030001 62", .protocolError),
        Case("two subscription identifiers in SUBSCRIBE", .v5, "82 0b 0001 04 0b01 0b02 0001 74 00", .protocolError),
        Case("session expiry in PUBLISH", .v5, "30 09 0001 74 05 11 00000001", .protocolError),
        Case(
            "will delay in CONNECT properties",
            nil,
            "10 12 0004 4d515454 05 02 003c 05 18 00000001 0000",
            .protocolError
        ),
        Case(
            "topic alias in the will properties",
            nil,
            "10 16 0004 4d515454 05 06 003c 00 0000 03 230001 0001 74 0000",
            .protocolError
        ),
        Case("reason string in SUBSCRIBE", .v5, "82 0b 0001 04 1f 0001 78 0001 74 00", .protocolError),
        Case("unknown property 0x05", .v5, "30 06 0001 74 02 05 00", .malformedPacket),
        Case("property identifier not minimally encoded", .v5, "30 06 0001 74 02 8100 00", .malformedPacket),
        Case("property list longer than the packet", .v5, "30 04 0001 74 05", .malformedPacket),
        Case("property value longer than the list", .v5, "30 07 0001 74 02 02 0000 00", .malformedPacket),
        Case("topic alias 0", .v5, "30 07 0001 74 03 23 0000", .topicAliasInvalid),
        Case("receive maximum 0", nil, "10 10 0004 4d515454 05 02 003c 03 21 0000 0000", .protocolError),
        Case("maximum packet size 0", nil, "10 12 0004 4d515454 05 02 003c 05 27 00000000 0000", .protocolError),
        Case("payload format indicator 2", .v5, "30 06 0001 74 02 01 02", .protocolError),
        Case("request problem information 2", nil, "10 0f 0004 4d515454 05 02 003c 02 17 02 0000", .protocolError),
        Case("subscription identifier 0 in PUBLISH", .v5, "30 06 0001 74 02 0b 00", .protocolError),
        Case("maximum QoS 2 in CONNACK", .v5, "20 05 00 00 02 24 02", .protocolError),
        // CONNECT.
        Case(
            "protocol level 3 (MQTT 3.1)",
            nil,
            "10 0e 0006 4d5149736470 03 02 003c 0000",
            .unsupportedProtocolVersion
        ),
        Case("protocol level 6", nil, "10 0c 0004 4d515454 06 02 003c 0000", .unsupportedProtocolVersion),
        Case("protocol name mqtt", nil, "10 0c 0004 6d717474 04 02 003c 0000", .unsupportedProtocolVersion),
        Case("reserved connect flag", nil, "10 0c 0004 4d515454 04 03 003c 0000", .malformedPacket),
        Case("will QoS 3", nil, "10 11 0004 4d515454 04 1e 003c 0000 0001 74 0000", .malformedPacket),
        Case("will QoS without the will flag", nil, "10 0c 0004 4d515454 04 0a 003c 0000", .malformedPacket),
        Case("will retain without the will flag", nil, "10 0c 0004 4d515454 04 22 003c 0000", .malformedPacket),
        Case("3.1.1 password without user name", nil, "10 0f 0004 4d515454 04 42 003c 0000 0001 70", .malformedPacket),
        Case("will topic with a wildcard", nil, "10 11 0004 4d515454 04 06 003c 0000 0001 23 0000", .topicNameInvalid),
        Case("first packet is not CONNECT", nil, "c0 00", .protocolError),
        Case("CONNECT with trailing bytes", nil, "10 0d 0004 4d515454 04 02 003c 0000 00", .malformedPacket),
        // CONNACK.
        Case("CONNACK reserved flags", .v3_1_1, "20 02 02 00", .malformedPacket),
        Case("CONNACK return code 6", .v3_1_1, "20 02 00 06", .malformedPacket),
        Case("CONNACK session present on failure", .v5, "20 03 01 87 00", .protocolError),
        Case("CONNACK reason code not for CONNACK", .v5, "20 03 00 8e 00", .protocolError),
        // PUBLISH.
        Case("PUBLISH topic with a wildcard", .v3_1_1, "30 05 0003 612f23", .topicNameInvalid),
        Case("PUBLISH topic with +", .v5, "30 06 0003 2b2f61 00", .topicNameInvalid),
        Case("PUBLISH empty topic without alias", .v5, "30 03 0000 00", .protocolError),
        Case("3.1.1 PUBLISH empty topic", .v3_1_1, "30 02 0000", .protocolError),
        Case("PUBLISH packet identifier 0", .v3_1_1, "32 05 0001 74 0000", .malformedPacket),
        Case("PUBLISH response topic with a wildcard", .v5, "30 09 0001 74 05 08 0002 612b", .protocolError),
        // Acks.
        Case("PUBACK packet identifier 0", .v3_1_1, "40 02 0000", .malformedPacket),
        Case("PUBACK granted QoS 1 is not a PUBACK code", .v5, "40 03 0001 01", .protocolError),
        Case("PUBREL no matching subscribers", .v5, "62 03 0001 10", .protocolError),
        Case("PUBCOMP unknown reason code 0x03", .v5, "70 03 0001 03", .protocolError),
        Case("DISCONNECT continue authentication", .v5, "e0 01 18", .protocolError),
        Case("AUTH with not authorized", .v5, "f0 01 87", .protocolError),
        // SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK.
        Case("SUBSCRIBE without filters", .v3_1_1, "82 02 0001", .protocolError),
        Case("SUBSCRIBE 5.0 without filters", .v5, "82 03 0001 00", .protocolError),
        Case("SUBSCRIBE packet identifier 0", .v3_1_1, "82 06 0000 0001 74 00", .malformedPacket),
        Case("SUBSCRIBE filter without options", .v3_1_1, "82 05 0001 0001 74", .malformedPacket),
        Case("3.1.1 subscription option bit 2", .v3_1_1, "82 06 0001 0001 74 04", .malformedPacket),
        Case("5.0 subscription option bit 6", .v5, "82 07 0001 00 0001 74 40", .malformedPacket),
        Case("3.1.1 subscription QoS 3", .v3_1_1, "82 06 0001 0001 74 03", .malformedPacket),
        Case("5.0 subscription QoS 3", .v5, "82 07 0001 00 0001 74 03", .protocolError),
        Case("retain handling 3", .v5, "82 07 0001 00 0001 74 30", .protocolError),
        Case("SUBACK without codes", .v3_1_1, "90 02 0001", .protocolError),
        Case("3.1.1 SUBACK code 0x87", .v3_1_1, "90 03 0001 87", .malformedPacket),
        Case("5.0 SUBACK code 0x03", .v5, "90 04 0001 00 03", .protocolError),
        Case("UNSUBSCRIBE without filters", .v3_1_1, "a2 02 0001", .protocolError),
        Case("UNSUBSCRIBE truncated filter", .v5, "a2 06 0001 00 0005 61", .malformedPacket),
        Case("UNSUBACK 5.0 without codes", .v5, "b0 03 0001 00", .protocolError),
        Case("3.1.1 UNSUBACK with a code", .v3_1_1, "b0 03 0001 00", .malformedPacket),
    ]

    @Test(arguments: Self.cases)
    func rejected(_ testCase: Case) {
        expectRejected(bytes(hex: testCase.hex), version: testCase.version, testCase.reasonCode)
    }

    /// The maximum packet size refuses a packet from its fixed header alone, before its body.
    @Test func oversizedPacketRefusedFromItsHeader() {
        expectRejected(bytes(hex: "30 64"), version: .v5, .packetTooLarge, maximumPacketSize: 101)
        expectRejected(bytes(hex: "30 ffffff7f"), version: .v3_1_1, .packetTooLarge, maximumPacketSize: 1 << 20)
        let fits = parse(bytes(hex: "30 63"), version: .v5, maximumPacketSize: 101)
        #expect(fits.error == nil && fits.packets.isEmpty)
        let exact = MQTTPacket.publish(MQTTPublish(topicName: "t", payload: Array(repeating: 1, count: 95)))
        #expect(exact.encoded(version: .v5).count == 101)
        #expect(parse(exact.encoded(version: .v5), version: .v5, maximumPacketSize: 101).packets == [exact])
    }

    /// The packet before a bad one still comes out; parsing stops at the bad one.
    @Test func errorsStopTheStreamAfterGoodPackets() {
        let stream = bytes(hex: "c0 00 d0 00 36 00 c0 00")
        let outcome = parse(stream, version: .v3_1_1, chunk: 1)
        #expect(outcome.packets == [.pingreq, .pingresp])
        #expect(outcome.error?.reasonCode == .malformedPacket)
    }

    /// 3.1.1 answers two CONNECT failures with a return code before closing.
    @Test func connectReturnCodesFor311() {
        #expect(MQTTDecodingError(.unsupportedProtocolVersion, "").connectReturnCode == .unacceptableProtocolVersion)
        #expect(MQTTDecodingError(.clientIdentifierNotValid, "").connectReturnCode == .identifierRejected)
        #expect(MQTTDecodingError(.malformedPacket, "").connectReturnCode == nil)
    }

    /// Seeded random corruption of valid packets (bytes flipped, inserted, removed, lengths
    /// changed) never crashes; every failure carries one of the decoder's reason codes, and every
    /// packet that still decodes encodes and decodes back to itself.
    @Test(arguments: MQTTProtocolVersion.allCases)
    func randomCorruptionNeverCrashes(version: MQTTProtocolVersion) {
        let allowed: Set<MQTTReasonCode> = [
            .malformedPacket, .protocolError, .packetTooLarge, .topicNameInvalid, .topicAliasInvalid,
            .unsupportedProtocolVersion,
        ]
        var random = SplitMix64(seed: UInt64(version.rawValue))
        let samples = samplePackets(version).map { $0.encoded(version: version) }
        for _ in 0..<20_000 {
            var stream = samples[Int(random.next() % UInt64(samples.count))]
            for _ in 0...(random.next() % 4) {
                let position = Int(random.next() % UInt64(stream.count + 1))
                switch random.next() % 4 {
                case 0 where position < stream.count: stream[position] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                case 1: stream.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                case 2 where position < stream.count: stream.remove(at: position)
                default: if stream.count > 1 { stream[1] = UInt8(truncatingIfNeeded: random.next()) }
                }
            }
            let parserVersion: MQTTProtocolVersion? = stream.first.map { $0 >> 4 == 1 } == true ? nil : version
            let outcome = parse(
                stream,
                version: parserVersion,
                chunk: Int(random.next() % 8) + 1,
                maximumPacketSize: 4096
            )
            if let error = outcome.error {
                #expect(allowed.contains(error.reasonCode), "\(hexString(stream)): \(error)")
            }
            for packet in outcome.packets {
                let packetVersion: MQTTProtocolVersion
                if case .connect(let connect) = packet {
                    packetVersion = connect.protocolVersion
                } else {
                    packetVersion = version
                }
                let again = parse(packet.encoded(version: packetVersion), version: parserVersion == nil ? nil : version)
                #expect(again.packets == [packet], "\(hexString(stream)) does not re-encode to itself")
            }
        }
    }
}

/// A small deterministic generator, so a failing corruption case reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
