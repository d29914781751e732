import NIOCore
import NIOEmbedded
import RESPCore
import Testing

@testable import JunctionRedis

/// The handler runs the state machine's actions on a channel: bytes out, promises completed.
@Suite struct RedisChannelHandlerTests {
    private func channel(
        _ handshake: RedisHandshakeConfiguration
    ) throws -> (EmbeddedChannel, EventLoopFuture<RedisConnectionReady>) {
        let channel = EmbeddedChannel()
        let ready = channel.eventLoop.makePromise(of: RedisConnectionReady.self)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPValueDecoder(limits: .init())))
        try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(handshake: handshake, ready: ready))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return (channel, ready.futureResult)
    }

    @Test func handshakeThenCommandOnTheWire() throws {
        let (channel, ready) = try self.channel(RedisHandshakeConfiguration(password: "pw"))
        #expect(
            try channel.readOutbound(as: ByteBuffer.self)
                == ByteBuffer(string: "*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$2\r\npw\r\n")
        )
        // The reply arrives in two reads.
        try channel.writeInbound(ByteBuffer(string: "%1\r\n$5\r\npro"))
        try channel.writeInbound(ByteBuffer(string: "to\r\n:3\r\n"))
        #expect(try ready.wait().protocolVersion == .resp3)

        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(RedisTask.command(RESPCommand("GET", "k"), reply))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
        try channel.writeInbound(ByteBuffer(string: "$1\r\nv\r\n"))
        #expect(try reply.futureResult.wait() == .bulkString("v"))
        _ = try channel.finish()
    }

    @Test func garbageFromTheServerFailsPendingCommandsAndCloses() throws {
        let (channel, ready) = try self.channel(RedisHandshakeConfiguration(preferredProtocol: .resp2))
        #expect(try ready.wait().protocolVersion == .resp2)
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(RedisTask.command(RESPCommand("GET", "k"), reply))
        _ = try channel.readOutbound(as: ByteBuffer.self)
        try? channel.writeInbound(ByteBuffer(string: "?not resp\r\n"))
        let error = #expect(throws: RedisError.self) { try reply.futureResult.wait() }
        #expect(error?.code == .protocolViolation)
        #expect(!channel.isActive)
    }

    @Test func aClosedConnectionFinishesSubscriptionStreams() async throws {
        let (channel, ready) = try self.channel(RedisHandshakeConfiguration(preferredProtocol: .resp2))
        _ = try ready.wait()
        let (stream, continuation) = AsyncStream.makeStream(of: RedisPubSubMessage.self)
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(
            RedisTask.subscribe(id: 1, pattern: false, names: [ByteBuffer(string: "c")], continuation, reply)
        )
        #expect(
            try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\nc\r\n")
        )
        try channel.writeInbound(ByteBuffer(string: "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"))
        _ = try reply.futureResult.wait()
        try channel.writeInbound(ByteBuffer(string: "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n"))
        _ = try channel.finish()
        var messages: [String] = []
        for await message in stream {
            messages.append(String(buffer: message.payload))
        }
        #expect(messages == ["hi"])
    }
}
