import NIOCore
import NIOEmbedded
import Testing
import WAMPCore

@testable import JunctionTransport

@Suite struct RawSocketPipelineTests {
    /// A connected channel with the RawSocket server pipeline.
    private func makeChannel(
        configuration: RawSocketConfiguration = .init(),
        connectionLimitReached: Bool = false
    ) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureWAMPRawSocketServer(
            configuration: configuration,
            kind: .rawSocketTCP,
            connectionLimitReached: connectionLimitReached,
            sessionHandler: { _ in SessionRecorder() }
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 51234)).wait()
        return channel
    }

    private func recorder(_ channel: EmbeddedChannel) throws -> SessionRecorder {
        try channel.pipeline.syncOperations.handler(type: SessionRecorder.self)
    }

    private func readAllOutbound(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.bytes
        }
        return bytes
    }

    private func frame(_ type: UInt8, _ payload: [UInt8]) -> ByteBuffer {
        let length = payload.count
        return ByteBuffer(
            bytes: [type, UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + payload
        )
    }

    /// Completes a JSON handshake (client accepts 2^(9+3) = 4096 bytes).
    private func handshake(_ channel: EmbeddedChannel, serializer: UInt8 = 1) throws {
        try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0x30 | serializer, 0x00, 0x00]))
        #expect(try self.readAllOutbound(channel) == [0x7F, 0xF0 | serializer, 0x00, 0x00])
    }

    @Test func handshakeThenMessagesBothWays() throws {
        let channel = try self.makeChannel()
        try self.handshake(channel)

        let recorder = try self.recorder(channel)
        #expect(
            recorder.readyEvents == [TransportInfo(kind: .rawSocketTCP, serializer: .json, peer: "127.0.0.1:51234")]
        )

        try channel.writeInbound(self.frame(0, Array(Fixtures.helloJSON.utf8)))
        let inbound = try #require(try channel.readInbound(as: TransportInbound.self))
        #expect(inbound.message == Fixtures.hello)
        #expect(!recorder.messageBeforeReady)

        try channel.writeOutbound(TransportOutbound.message(Fixtures.goodbye))
        let json = Fixtures.encoded(Fixtures.goodbye, .json)
        #expect(try self.readAllOutbound(channel) == self.frame(0, json).bytes)

        // A pre-encoded (shared) payload is framed as-is.
        let shared = ByteBufferAllocator().buffer(encoding: Fixtures.goodbye, with: .json)
        try channel.writeOutbound(TransportOutbound.serialized(shared))
        #expect(try self.readAllOutbound(channel) == self.frame(0, json).bytes)
        #expect(channel.isActive)
    }

    @Test func garbageBecomesAViolationAndTheConnectionStaysForTheSessionToAbort() throws {
        let channel = try self.makeChannel()
        try self.handshake(channel)
        try channel.writeInbound(self.frame(0, Array("not json".utf8)))
        let inbound = try #require(try channel.readInbound(as: TransportInbound.self))
        #expect(inbound.violation != nil)
        // Valid JSON that is not a valid WAMP message is a violation too.
        try channel.writeInbound(self.frame(0, Array("[1]".utf8)))
        #expect(try channel.readInbound(as: TransportInbound.self)?.violation != nil)
        #expect(channel.isActive)
    }

    @Test func bytesSentTogetherWithTheHandshakeAreNotLost() throws {
        let channel = try self.makeChannel()
        var buffer = ByteBuffer(bytes: [0x7F, 0x31, 0x00, 0x00])
        var message = self.frame(0, Array(Fixtures.helloJSON.utf8))
        buffer.writeBuffer(&message)
        try channel.writeInbound(buffer)
        #expect(try self.readAllOutbound(channel) == [0x7F, 0xF1, 0x00, 0x00])
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)
        #expect(try !self.recorder(channel).messageBeforeReady)
    }

    @Test func pingIsAnsweredWithPongEchoingThePayloadAndPongIsIgnored() throws {
        let channel = try self.makeChannel()
        try self.handshake(channel)
        try channel.writeInbound(self.frame(1, [1, 2, 3, 4, 5]))
        #expect(try self.readAllOutbound(channel) == self.frame(2, [1, 2, 3, 4, 5]).bytes)
        try channel.writeInbound(self.frame(2, [9]))
        #expect(try self.readAllOutbound(channel).isEmpty)
        #expect(try channel.readInbound(as: TransportInbound.self) == nil)
    }

    @Test func oversizedFrameClosesTheConnection() throws {
        let channel = try self.makeChannel(configuration: .init(maxMessageLength: 1024))
        try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0x31, 0x00, 0x00]))
        #expect(try self.readAllOutbound(channel) == [0x7F, 0x11, 0x00, 0x00])
        let recorder = try self.recorder(channel)
        try channel.writeInbound(ByteBuffer(bytes: [0x00, 0x00, 0x04, 0x01]))
        #expect(!channel.isActive)
        #expect(recorder.transportErrors.map(\.code) == [.frameTooLarge])
    }

    @Test func reservedFrameBitsCloseTheConnection() throws {
        let channel = try self.makeChannel()
        try self.handshake(channel)
        let recorder = try self.recorder(channel)
        try channel.writeInbound(ByteBuffer(bytes: [0x40, 0x00, 0x00, 0x01, 0x00]))
        #expect(!channel.isActive)
        #expect(recorder.transportErrors.map(\.code) == [.invalidFrameHeader])
    }

    @Test func outgoingMessageOverThePeerLimitIsRefusedNotSent() throws {
        let channel = try self.makeChannel()
        // The client accepts only 512 bytes.
        try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0x01, 0x00, 0x00]))
        _ = try self.readAllOutbound(channel)
        let recorder = try self.recorder(channel)
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(TransportOutbound.serialized(ByteBuffer(repeating: 0x20, count: 513)), promise: promise)
        #expect(throws: TransportError.self) { try promise.futureResult.wait() }
        #expect(try self.readAllOutbound(channel).isEmpty)
        #expect(recorder.transportErrors.map(\.code) == [.outboundMessageTooLarge])
        #expect(recorder.transportErrors.first?.closesConnection == false)
        #expect(channel.isActive)
        // Exactly the limit goes out.
        try channel.writeOutbound(TransportOutbound.serialized(ByteBuffer(repeating: 0x20, count: 512)))
        #expect(try self.readAllOutbound(channel).count == 516)
    }

    /// Once the session is established the session layer gets an outlet for frames it made
    /// itself; the transport still refuses what the peer would not accept.
    @Test func frameOutletWritesPastTheHandlerWithinThePeerLimit() throws {
        let channel = try self.makeChannel()
        // The client accepts only 512 bytes.
        try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0x01, 0x00, 0x00]))
        _ = try self.readAllOutbound(channel)
        let recorder = try self.recorder(channel)
        #expect(recorder.outlets.isEmpty)
        channel.pipeline.triggerUserOutboundEvent(SessionEstablishedEvent(), promise: nil)
        let outlet = try #require(recorder.outlets.first)

        let frame = self.frame(0, Array(repeating: 0x20, count: 512))
        #expect(outlet.write(frame, payloadLength: 512))
        channel.flush()
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(written == frame)
        #expect(!outlet.write(self.frame(0, Array(repeating: 0x20, count: 513)), payloadLength: 513))
        #expect(try self.readAllOutbound(channel).isEmpty)

        // Closed: the handler is out of the pipeline and the outlet refuses everything.
        try channel.close().wait()
        #expect(!outlet.write(frame, payloadLength: 512))
    }

    @Test func rejectedHandshakeRepliesWithTheErrorAndCloses() throws {
        let channel = try self.makeChannel(configuration: .init(serializers: [.cbor]))
        #expect(throws: TransportError.self) {
            try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0xF1, 0x00, 0x00]))
        }
        #expect(try self.readAllOutbound(channel) == [0x7F, 0x10, 0x00, 0x00])
        #expect(!channel.isActive)
    }

    @Test func connectionLimitRepliesWithError4() throws {
        let channel = try self.makeChannel(connectionLimitReached: true)
        _ = try? channel.writeInbound(ByteBuffer(bytes: [0x7F, 0xF1, 0x00, 0x00]))
        #expect(try self.readAllOutbound(channel) == [0x7F, 0x40, 0x00, 0x00])
        #expect(!channel.isActive)
    }

    @Test func nonRawSocketPeerIsClosedWithoutReply() throws {
        let channel = try self.makeChannel()
        #expect(throws: TransportError.self) {
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        }
        #expect(try self.readAllOutbound(channel).isEmpty)
        #expect(!channel.isActive)
    }

    @Test func handshakeTimeoutCloses() throws {
        let channel = try self.makeChannel(configuration: .init(handshakeTimeout: .seconds(5)))
        try channel.writeInbound(ByteBuffer(bytes: [0x7F]))
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(throws: TransportError.self) { try channel.throwIfErrorCaught() }
    }

    @Test func completedHandshakeCancelsTheTimeout() throws {
        // Pings off: a silent peer would otherwise be closed by dead-peer detection.
        let channel = try self.makeChannel(configuration: .init(handshakeTimeout: .seconds(5), ping: nil))
        try self.handshake(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
    }

    @Test func unixKindIsReported() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureWAMPRawSocketServer(
            configuration: .init(),
            kind: .rawSocketUnix,
            sessionHandler: { _ in SessionRecorder() }
        )
        channel.pipeline.fireChannelActive()
        try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0xF3, 0x00, 0x00]))
        #expect(
            try self.recorder(channel).readyEvents
                == [TransportInfo(kind: .rawSocketUnix, serializer: .cbor, peer: "unix")]
        )
    }
}
