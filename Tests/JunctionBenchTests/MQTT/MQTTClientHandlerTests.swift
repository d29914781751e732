import MQTTCore
import NIOCore
import NIOEmbedded
import Testing

@testable import junction_bench

/// Records what an `MQTTClientHandler` hands its role.
final class RecordingMQTTRole: MQTTSessionRole {
    var connacks: [MQTTConnAck] = []
    var packets: [MQTTPacket] = []
    var closedCount = 0

    func connected(_ session: MQTTClientHandler, connack: MQTTConnAck) { self.connacks.append(connack) }
    func received(_ packet: MQTTPacket, _ session: MQTTClientHandler) { self.packets.append(packet) }
    func closed() { self.closedCount += 1 }
}

@available(*, unavailable)
extension RecordingMQTTRole: Sendable {}

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
