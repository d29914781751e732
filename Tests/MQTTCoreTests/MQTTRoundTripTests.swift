import Testing

@testable import MQTTCore

/// Every packet type of both versions survives encode → decode unchanged, however the bytes are
/// cut into reads.
@Suite struct MQTTRoundTripTests {
    @Test(arguments: MQTTProtocolVersion.allCases)
    func everyPacketRoundTrips(version: MQTTProtocolVersion) {
        for packet in samplePackets(version) {
            let encoded = packet.encoded(version: version)
            let decoded = decodeOne(encoded, version: version)
            #expect(decoded == packet, "\(version) \(packet.type): \(hexString(encoded))")
            if let decoded {
                #expect(decoded.encoded(version: version) == encoded)
            }
        }
    }

    @Test(arguments: MQTTProtocolVersion.allCases)
    func samplesCoverEveryPacketType(version: MQTTProtocolVersion) {
        let types = Set(samplePackets(version).map(\.type))
        let expected = Set(MQTTPacketType.allCases.filter { version == .v5 || $0 != .auth })
        #expect(types == expected)
    }

    /// A server-side parser starts without a version and takes it from CONNECT.
    @Test(arguments: MQTTProtocolVersion.allCases)
    func connectSetsTheVersion(version: MQTTProtocolVersion) throws {
        let connect = MQTTPacket.connect(MQTTConnect(protocolVersion: version, clientIdentifier: "c"))
        var parser = MQTTPacketParser()
        var stream = connect.encoded(version: version) + MQTTPacket.pingreq.encoded(version: version)
        #expect(parser.version == nil)
        #expect(try parser.parseStep(&stream) == .continueParsing)
        #expect(try parser.parseStep(&stream) == .result(connect))
        #expect(parser.version == version)
        #expect(try parser.parseStep(&stream) == .continueParsing)
        #expect(try parser.parseStep(&stream) == .result(.pingreq))
        #expect(try parser.parseStep(&stream) == .insufficientData)
        #expect(stream.isEmpty)
    }

    /// One byte per read, a few bytes per read and everything in one read give the same packets.
    @Test(arguments: MQTTProtocolVersion.allCases)
    func chunkingDoesNotMatter(version: MQTTProtocolVersion) {
        let packets = samplePackets(version)
        let stream = packets.flatMap { $0.encoded(version: version) }
        for chunk in [1, 2, 3, 5, 64, Int.max] {
            let outcome = parse(stream, version: version, chunk: chunk)
            #expect(outcome.error == nil, "chunk \(chunk): \(String(describing: outcome.error))")
            #expect(outcome.packets == packets, "chunk \(chunk)")
            #expect(outcome.leftover == 0)
        }
    }

    /// The whole session of a server-side parser, CONNECT first, one byte at a time.
    @Test(arguments: MQTTProtocolVersion.allCases)
    func serverSideStreamByteAtATime(version: MQTTProtocolVersion) {
        let connect = MQTTPacket.connect(MQTTConnect(protocolVersion: version, clientIdentifier: "c"))
        let packets = [connect] + samplePackets(version)
        let stream = packets.flatMap { $0.encoded(version: version) }
        let outcome = parse(stream, version: nil, chunk: 1)
        #expect(outcome.error == nil)
        #expect(outcome.packets == packets)
    }

    /// Any prefix of a packet is "not yet": no packet, no error, nothing consumed but a header.
    @Test(arguments: MQTTProtocolVersion.allCases)
    func everyPrefixWaitsForMore(version: MQTTProtocolVersion) {
        for packet in samplePackets(version) {
            let encoded = packet.encoded(version: version)
            for length in 0..<encoded.count {
                let outcome = parse(Array(encoded[0..<length]), version: version)
                #expect(outcome.packets.isEmpty && outcome.error == nil, "\(packet.type) prefix \(length)")
            }
        }
    }

    /// A body one byte short of what its fields need, with the Remaining Length made to match,
    /// is rejected or (where the last field may be shorter, a payload or a list) decodes to a
    /// different packet; it never crashes.
    @Test(arguments: MQTTProtocolVersion.allCases)
    func shortenedBodiesAreRejectedOrDifferent(version: MQTTProtocolVersion) {
        for packet in samplePackets(version) {
            let encoded = packet.encoded(version: version)
            var reader = encoded.dropFirst()
            var length = 0
            var shift = 0
            while let byte = reader.popFirst() {
                length |= Int(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 { break }
            }
            guard length > 0 else { continue }
            let body = Array(reader.dropLast())
            var shortened = [encoded[0]]
            MQTTVariableByteInteger.encode(body.count, into: &shortened)
            shortened += body
            let outcome = parse(shortened, version: version)
            if let decoded = outcome.packets.first {
                #expect(decoded != packet)
            } else {
                #expect(outcome.error != nil, "\(packet.type) shortened: \(hexString(shortened))")
            }
        }
    }
}

/// Packets travel through NIO pipelines and queues; property lists are boxed and CONNECT is
/// indirect, so a packet value stays a few words and a PUBLISH without properties allocates
/// nothing for them.
@Suite struct MQTTPacketLayoutTests {
    @Test func valuesStaySmall() {
        #expect(MemoryLayout<MQTTProperties>.size == MemoryLayout<Int>.size)
        #expect(MemoryLayout<MQTTPacket>.size <= 48, "MQTTPacket is \(MemoryLayout<MQTTPacket>.size) bytes")
    }

    /// Copies share the box until one of them changes; then only that one changes.
    @Test func propertiesAreCopyOnWrite() {
        var original = MQTTProperties()
        original.userProperties.append(MQTTUserProperty("a", "1"))
        var copy = original
        copy.userProperties.append(MQTTUserProperty("b", "2"))
        copy.contentType = "text/plain"
        #expect(original.userProperties == [MQTTUserProperty("a", "1")] && original.contentType == nil)
        #expect(copy.userProperties.count == 2 && copy.contentType == "text/plain")
        copy.contentType = nil
        copy.userProperties = []
        #expect(copy.isEmpty && copy == MQTTProperties() && copy.hashValue == MQTTProperties().hashValue)
        #expect(copy.encodedForTest == [0])
    }
}

extension MQTTProperties {
    fileprivate var encodedForTest: [UInt8] {
        var buffer: [UInt8] = []
        self.encode(into: &buffer)
        return buffer
    }
}
