import MQTTCore
import NIOCore
import NIOEmbedded
import Testing

@testable import junction_bench

@Suite struct MQTTPublishTemplateTests {
    /// Decodes `bytes` as one server-bound packet of `version` (the parser first sees a CONNECT).
    func decode(_ bytes: [UInt8], version: MQTTProtocolVersion) throws -> MQTTPublish? {
        var parser = MQTTPacketParser(version: version)
        var buffer = bytes
        while true {
            switch try parser.parseStep(&buffer) {
            case .insufficientData: return nil
            case .continueParsing: continue
            case .result(.publish(let publish)):
                #expect(buffer.isEmpty)
                return publish
            case .result: return nil
            }
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5], [MQTTQoS.atMostOnce, .atLeastOnce])
    func patchedPacketsDecode(version: MQTTProtocolVersion, qos: MQTTQoS) throws {
        let template = MQTTPublishTemplate(topic: "bench/topic", payload: 200, qos: qos, version: version)
        var buffer = ByteBuffer()
        template.write(into: &buffer, packetIdentifier: 0xBEEF, publisher: 7, sequence: 1 << 40 | 3, stamp: 123_456_789)
        let publish = try #require(try self.decode(Array(buffer.readableBytesView), version: version))
        #expect(publish.topicName == "bench/topic")
        #expect(publish.qos == qos)
        #expect(publish.packetIdentifier == (qos == .atMostOnce ? nil : 0xBEEF))
        #expect(publish.payload.count == 200)
        let stamp = try #require(MQTTPublishTemplate.readStamp(publish.payload))
        #expect(stamp.publisher == 7)
        #expect(stamp.sequence == 1 << 40 | 3)
        #expect(stamp.stamp == 123_456_789)
    }

    @Test func tinyPayloadsStillCarryTheStamp() throws {
        let template = MQTTPublishTemplate(topic: "t", payload: 0, qos: .atMostOnce, version: .v5)
        var buffer = ByteBuffer()
        template.write(into: &buffer, packetIdentifier: 1, publisher: 1, sequence: 2, stamp: 3)
        let publish = try #require(try self.decode(Array(buffer.readableBytesView), version: .v5))
        #expect(publish.payload.count == MQTTPublishTemplate.stampSize)
        #expect(MQTTPublishTemplate.readStamp(Array(publish.payload.prefix(19))) == nil)
    }
}

@Suite struct MQTTBenchTargetTests {
    @Test func acceptsLoopbackOnly() throws {
        #expect(try MQTTBenchTarget("mqtt://127.0.0.1:1883").address.port == 1883)
        #expect(try MQTTBenchTarget("mqtt://[::1]:1884").address.port == 1884)
        #expect(throws: BenchTargetError.self) { try MQTTBenchTarget("mqtt://10.1.2.3:1883") }
        #expect(throws: BenchTargetError.self) { try MQTTBenchTarget("ws://127.0.0.1:1883") }
        #expect(throws: BenchTargetError.self) { try MQTTBenchTarget("mqtt://127.0.0.1") }
    }
}

/// Records what an `MQTTClientHandler` hands its role.
final class RecordingMQTTRole: MQTTSessionRole {
    var connacks: [MQTTConnAck] = []
    var packets: [MQTTPacket] = []
    var closedCount = 0

    func connected(_ session: MQTTClientHandler, connack: MQTTConnAck) { self.connacks.append(connack) }
    func received(_ packet: MQTTPacket, _ session: MQTTClientHandler) { self.packets.append(packet) }
    func closed() { self.closedCount += 1 }
}

@Suite struct MQTTClientHandlerTests {
    func makeChannel(
        _ version: MQTTProtocolVersion
    ) throws -> (EmbeddedChannel, RecordingMQTTRole, EventLoopFuture<Void>) {
        let channel = EmbeddedChannel()
        let role = RecordingMQTTRole()
        let established = channel.eventLoop.makePromise(of: Void.self)
        let connect = MQTTConnect(protocolVersion: version, clientIdentifier: "c1")
        try channel.pipeline.syncOperations.addHandler(
            MQTTClientHandler(connect: connect, role: role, established: established))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1883)).wait()
        return (channel, role, established.futureResult)
    }

    func written(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        return bytes
    }

    @Test(arguments: MQTTProtocolVersion.allCases)
    func sendsConnectAndDeliversPacketsSplitAnyhow(version: MQTTProtocolVersion) throws {
        let (channel, role, established) = try self.makeChannel(version)
        var server = MQTTPacketParser()
        var sent = try self.written(channel)
        #expect(try server.parseStep(&sent) == .continueParsing)
        guard case .result(.connect(let connect)) = try server.parseStep(&sent) else {
            Issue.record("the first packet is not CONNECT")
            return
        }
        #expect(connect.clientIdentifier == "c1")
        #expect(connect.protocolVersion == version)

        // CONNACK and two PUBLISHes: one byte at a time, then all in one buffer.
        let connack = MQTTPacket.connack(MQTTConnAck()).encoded(version: version)
        let publish = MQTTPacket.publish(MQTTPublish(topicName: "a/b", payload: [1, 2, 3])).encoded(version: version)
        for byte in connack + publish { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        try channel.writeInbound(ByteBuffer(bytes: publish + publish))
        try established.wait()
        #expect(role.connacks.count == 1)
        #expect(role.packets.count == 3)
        #expect(role.packets.allSatisfy { $0.type == .publish })
        _ = try channel.finish()
    }

    @Test func refusedConnackFailsAndCloses() throws {
        let (channel, role, established) = try self.makeChannel(.v5)
        _ = try self.written(channel)
        let refused = MQTTPacket.connack(MQTTConnAck(reasonCode: .notAuthorized)).encoded(version: .v5)
        try channel.writeInbound(ByteBuffer(bytes: refused))
        #expect(throws: ClientTransportError.self) { try established.wait() }
        #expect(!channel.isActive)
        #expect(role.connacks.isEmpty)
    }

    @Test func garbageFailsAndCloses() throws {
        let (channel, _, established) = try self.makeChannel(.v3_1_1)
        _ = try self.written(channel)
        try channel.writeInbound(ByteBuffer(bytes: [0x00, 0x00]))  // reserved packet type 0
        #expect(throws: ClientTransportError.self) { try established.wait() }
        #expect(!channel.isActive)
    }
}
