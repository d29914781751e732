import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
import WAMPCore

@testable import JunctionTransport

@Suite struct WebSocketWAMPHandlerTests {
    private static let maskKey: WebSocketMaskingKey = [0x12, 0x34, 0x56, 0x78]

    /// An upgraded connection as the WAMP handler sees it: WebSocket/WAMP handler, session.
    private func makeChannel(
        _ subprotocol: WAMPWebSocketSubprotocol,
        maxMessageSize: Int = 1 << 20
    ) throws -> (EmbeddedChannel, SessionRecorder) {
        let recorder = SessionRecorder()
        let channel = EmbeddedChannel()
        let configuration = WebSocketConfiguration(maxMessageSize: maxMessageSize, maxFragmentsPerMessage: 16)
        try channel.pipeline.syncOperations.addHandlers([
            WebSocketWAMPHandler(codec: WebSocketWAMPCodec(subprotocol: subprotocol), configuration: configuration),
            recorder,
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, recorder)
    }

    /// A frame as a client sends it: masked.
    private func clientFrame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true) -> WebSocketFrame {
        var data = ByteBuffer(bytes: bytes)
        data.webSocketMask(Self.maskKey)
        return WebSocketFrame(fin: fin, opcode: opcode, maskKey: Self.maskKey, data: data)
    }

    private func clientClose(_ code: UInt16?, reason: [UInt8] = []) -> WebSocketFrame {
        var bytes: [UInt8] = []
        if let code {
            bytes = [UInt8(code >> 8), UInt8(code & 0xFF)]
        }
        return self.clientFrame(.connectionClose, bytes + reason)
    }

    /// The payload bytes of an outbound frame as they go on the wire.
    private func wirePayload(_ frame: WebSocketFrame) -> [UInt8] {
        (frame.extensionData?.bytes ?? []) + frame.data.bytes
    }

    private func closeCode(_ frame: WebSocketFrame?) -> UInt16? {
        guard let frame, frame.opcode == .connectionClose else { return nil }
        return frame.data.getInteger(at: frame.data.readerIndex, as: UInt16.self)
    }

    /// After WELCOME the session writes its own frames through the outlet, until a Close frame.
    @Test func frameOutletWritesUntilTheConnectionCloses() throws {
        let (channel, recorder) = try self.makeChannel(.init(serializer: .json))
        #expect(recorder.outlets.isEmpty)
        channel.pipeline.triggerUserOutboundEvent(SessionEstablishedEvent(), promise: nil)
        let outlet = try #require(recorder.outlets.first)

        var frame = ByteBuffer()
        TransportFraming.webSocket(binary: false).writePrefix(length: 2, into: &frame)
        frame.writeString("[]")
        #expect(outlet.write(frame, payloadLength: 2))
        channel.flush()
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(self.address(written) == self.address(frame))

        try channel.writeInbound(self.clientClose(1000))
        while try channel.readOutbound(as: ByteBuffer.self) != nil {}  // the Close reply
        #expect(!outlet.write(frame, payloadLength: 2))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
    }

    @Test func jsonTextMessageIsDecoded() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientFrame(.text, Array(Fixtures.helloJSON.utf8)))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)
    }

    @Test func fragmentedMessageIsReassembled() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        let bytes = Array(Fixtures.helloJSON.utf8)
        try channel.writeInbound(self.clientFrame(.text, Array(bytes[..<10]), fin: false))
        try channel.writeInbound(self.clientFrame(.continuation, Array(bytes[10...]), fin: true))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)
    }

    @Test func binaryFrameOnJSONIsAViolation() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientFrame(.binary, Array(Fixtures.helloJSON.utf8)))
        #expect(try channel.readInbound(as: TransportInbound.self)?.violation != nil)
        #expect(channel.isActive)
    }

    @Test(arguments: [SerializerKind.msgpack, .cbor])
    func binarySerializersNeedBinaryFrames(serializer: SerializerKind) throws {
        let (channel, _) = try self.makeChannel(.init(serializer: serializer))
        try channel.writeInbound(self.clientFrame(.binary, Fixtures.encoded(Fixtures.hello, serializer)))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)
        try channel.writeInbound(self.clientFrame(.text, Array(Fixtures.helloJSON.utf8)))
        #expect(try channel.readInbound(as: TransportInbound.self)?.violation != nil)
    }

    @Test func undecodableBytesAreAViolation() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientFrame(.text, Array("[1, 2".utf8)))
        #expect(try channel.readInbound(as: TransportInbound.self)?.violation != nil)
        #expect(channel.isActive)
    }

    @Test func invalidUTF8InTextFailsTheConnectionWith1007() throws {
        // RFC 6455 section 8.1: invalid UTF-8 fails the WebSocket connection; nothing is delivered.
        let (channel, recorder) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientFrame(.text, [0x5B, 0xC0, 0xAF, 0x5D]))
        #expect(try channel.readInbound(as: TransportInbound.self) == nil)
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1007)
        #expect(!channel.isActive)
        #expect(recorder.transportErrors.map(\.code) == [.webSocketInvalidUTF8])
    }

    @Test func invalidUTF8FailsAtTheFragmentThatProvesIt() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientFrame(.text, Array("[1,\"".utf8) + [0xCE], fin: false))
        #expect(channel.isActive)  // 0xCE may still be completed by the next fragment
        try channel.writeInbound(self.clientFrame(.continuation, [0xBA, 0xF4, 0x90], fin: false))
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1007)
        #expect(!channel.isActive)
    }

    @Test func codePointSplitAcrossFragmentsIsAccepted() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientFrame(.text, Array("[6,{},\"".utf8) + [0xE2, 0x82], fin: false))
        try channel.writeInbound(self.clientFrame(.continuation, [0xAC] + Array("\"]".utf8), fin: true))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message != nil)
    }

    @Test func unmaskedClientFrameClosesWith1002() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "[]")))
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1002)
        #expect(!channel.isActive)
    }

    @Test func badFragmentationClosesWith1002() throws {
        let (orphan, _) = try self.makeChannel(.init(serializer: .json))
        try orphan.writeInbound(self.clientFrame(.continuation, Array("[]".utf8)))
        #expect(self.closeCode(try orphan.readOutboundFrame()) == 1002)

        let (interleaved, _) = try self.makeChannel(.init(serializer: .json))
        try interleaved.writeInbound(self.clientFrame(.text, Array("[".utf8), fin: false))
        try interleaved.writeInbound(self.clientFrame(.text, Array("[]".utf8)))
        #expect(self.closeCode(try interleaved.readOutboundFrame()) == 1002)
    }

    @Test func pingBetweenFragmentsIsAnswered() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        let bytes = Array(Fixtures.helloJSON.utf8)
        try channel.writeInbound(self.clientFrame(.text, Array(bytes[..<5]), fin: false))
        try channel.writeInbound(self.clientFrame(.ping, [9]))
        #expect(try channel.readOutboundFrame()?.opcode == .pong)
        try channel.writeInbound(self.clientFrame(.continuation, Array(bytes[5...]), fin: true))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)
    }

    @Test func tooManyFragmentsCloseWith1009() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientFrame(.text, [0x20], fin: false))
        for _ in 0..<15 {
            try channel.writeInbound(self.clientFrame(.continuation, [0x20], fin: false))
        }
        #expect(channel.isActive)
        try channel.writeInbound(self.clientFrame(.continuation, [0x20], fin: false))
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1009)
    }

    @Test func wrongFrameTypeViolationClosesWith1003() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .msgpack))
        try channel.writeInbound(self.clientFrame(.text, Array("[1]".utf8)))
        #expect(try channel.readInbound(as: TransportInbound.self)?.violation != nil)
        channel.close(promise: nil)
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1003)
    }

    @Test func pingIsAnsweredWithPongCarryingThePayload() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientFrame(.ping, [1, 2, 3]))
        let pong = try #require(try channel.readOutboundFrame())
        #expect(pong.opcode == .pong)
        #expect(pong.fin)
        #expect(pong.maskKey == nil)
        #expect(pong.data.bytes == [1, 2, 3])
        try channel.writeInbound(self.clientFrame(.pong, [4]))
        #expect(try channel.readOutboundFrame() == nil)
        #expect(try channel.readInbound(as: TransportInbound.self) == nil)
    }

    @Test func peerCloseIsEchoedThenTheChannelCloses() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientClose(1001, reason: Array("bye".utf8)))
        let reply = try #require(try channel.readOutboundFrame())
        #expect(reply.opcode == .connectionClose)
        #expect(reply.data.bytes == [0x03, 0xE9])
        #expect(!channel.isActive)
    }

    @Test func peerCloseWithoutStatusGetsAnEmptyClose() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientClose(nil))
        let reply = try #require(try channel.readOutboundFrame())
        #expect(reply.opcode == .connectionClose)
        #expect(reply.data.readableBytes == 0)
        #expect(!channel.isActive)
    }

    @Test(arguments: [UInt16(0), 999, 1004, 1005, 1006, 1015, 2000, 5000])
    func invalidCloseCodesAreAProtocolError(code: UInt16) throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeInbound(self.clientClose(code))
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1002)
        #expect(!channel.isActive)
    }

    @Test func sessionCloseSendsNormalClosureFirst() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        try channel.writeOutbound(TransportOutbound.message(Fixtures.goodbye))
        try channel.close().wait()
        let goodbye = try #require(try channel.readOutboundFrame())
        #expect(goodbye.opcode == .text)
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1000)
        #expect(!channel.isActive)
    }

    @Test func outboundMessagesUseTheRightFrameType() throws {
        let (json, _) = try self.makeChannel(.init(serializer: .json))
        try json.writeOutbound(TransportOutbound.message(Fixtures.goodbye))
        let text = try #require(try json.readOutboundFrame())
        #expect(text.opcode == .text && text.fin && text.maskKey == nil)
        #expect(self.wirePayload(text) == Fixtures.encoded(Fixtures.goodbye, .json))

        let (cbor, _) = try self.makeChannel(.init(serializer: .cbor))
        let shared = ByteBufferAllocator().buffer(encoding: Fixtures.goodbye, with: .cbor)
        try cbor.writeOutbound(TransportOutbound.serialized(shared))
        let binary = try #require(try cbor.readOutboundFrame())
        #expect(binary.opcode == .binary)
        #expect(self.wirePayload(binary) == Fixtures.encoded(Fixtures.goodbye, .cbor))
    }

    @Test func jsonBatchedSplitsInboundAndTerminatesOutbound() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json, batched: true))
        let batch = Array(Fixtures.helloJSON.utf8) + [0x1E] + Fixtures.encoded(Fixtures.goodbye, .json) + [0x1E]
        try channel.writeInbound(self.clientFrame(.text, batch))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.goodbye)

        try channel.writeOutbound(TransportOutbound.message(Fixtures.goodbye))
        let encoded = try #require(try channel.readOutboundFrame())
        #expect(encoded.opcode == .text)
        #expect(self.wirePayload(encoded) == Fixtures.encoded(Fixtures.goodbye, .json) + [0x1E])

        let shared = ByteBufferAllocator().buffer(encoding: Fixtures.goodbye, with: .json)
        try channel.writeOutbound(TransportOutbound.serialized(shared))
        let framed = try #require(try channel.readOutboundFrame())
        #expect(self.wirePayload(framed) == Fixtures.encoded(Fixtures.goodbye, .json) + [0x1E])
    }

    /// The base address of a buffer's readable bytes: equal addresses mean the same memory.
    private func address(_ buffer: ByteBuffer) -> UInt? {
        buffer.withUnsafeReadableBytes { $0.baseAddress.map { UInt(bitPattern: $0) } }
    }

    @Test func largeSharedPayloadsAreWrittenWithoutCopying() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .msgpack))
        let big = WAMPMessage.event(
            .init(subscription: 1, publication: 2, payload: .init(args: [.string(String(repeating: "x", count: 2000))])))
        let shared = ByteBufferAllocator().buffer(encoding: big, with: .msgpack)
        try channel.writeOutbound(TransportOutbound.serialized(shared))
        let header = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let payload = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(header.readableBytes == 4)
        #expect(self.address(payload) == self.address(shared))

        // A message framed once for many connections: the shared frame goes out as it is.
        let framed = FramedMessage(framing: .webSocket(binary: true), payload: shared, allocator: ByteBufferAllocator())
        try channel.writeOutbound(TransportOutbound.framed(framed))
        let frame = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(self.address(frame) == self.address(framed.frame))
        #expect(Array(frame.readableBytesView.prefix(4)) == [0x82, 126, UInt8(shared.readableBytes >> 8), UInt8(shared.readableBytes & 0xFF)])
        #expect(frame.getSlice(at: frame.readerIndex + 4, length: frame.readableBytes - 4) == shared)
        #expect(framed.payloadLength == shared.readableBytes)
    }

    @Test func prefixedMessagesAreWrittenAsTheyAre() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        var bytes = ByteBuffer()
        TransportFraming.webSocket(binary: false).writePrefix(length: 2, into: &bytes)
        bytes.writeString("[]")
        try channel.writeOutbound(TransportOutbound.prefixed(bytes))
        let frame = try #require(try channel.readOutboundFrame())
        #expect(frame.opcode == .text)
        #expect(frame.data == ByteBuffer(string: "[]"))
    }

    @Test func jsonBatchedAdoptsAutobahnPythonSeparator() throws {
        // autobahn-python writes b"\30" (octal: 0x18) where the spec says 0x1E.
        let (channel, _) = try self.makeChannel(.init(serializer: .json, batched: true))
        try channel.writeInbound(self.clientFrame(.text, Array(Fixtures.helloJSON.utf8) + [0x18]))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)

        try channel.writeOutbound(TransportOutbound.message(Fixtures.goodbye))
        let encoded = try #require(try channel.readOutboundFrame())
        #expect(self.wirePayload(encoded) == Fixtures.encoded(Fixtures.goodbye, .json) + [0x18])
        let shared = ByteBufferAllocator().buffer(encoding: Fixtures.goodbye, with: .json)
        try channel.writeOutbound(TransportOutbound.serialized(shared))
        let framed = try #require(try channel.readOutboundFrame())
        #expect(self.wirePayload(framed) == Fixtures.encoded(Fixtures.goodbye, .json) + [0x18])
    }

    @Test func msgpackBatchedUsesLengthPrefixes() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .msgpack, batched: true))
        let hello = Fixtures.encoded(Fixtures.hello, .msgpack)
        let prefix: [UInt8] = [0, 0, UInt8(hello.count >> 8), UInt8(hello.count & 0xFF)]
        try channel.writeInbound(self.clientFrame(.binary, prefix + hello + prefix + hello))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)

        let shared = ByteBufferAllocator().buffer(encoding: Fixtures.hello, with: .msgpack)
        try channel.writeOutbound(TransportOutbound.serialized(shared))
        let framed = try #require(try channel.readOutboundFrame())
        #expect(framed.opcode == .binary)
        #expect(self.wirePayload(framed) == prefix + hello)

        try channel.writeOutbound(TransportOutbound.message(Fixtures.hello))
        let encoded = try #require(try channel.readOutboundFrame())
        #expect(self.wirePayload(encoded) == prefix + hello)
    }

    @Test func emptyBatchIsAViolation() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .cbor, batched: true))
        try channel.writeInbound(self.clientFrame(.binary, []))
        #expect(try channel.readInbound(as: TransportInbound.self)?.violation != nil)
    }

    @Test func tooLargeMessageClosesWith1009() throws {
        let (channel, recorder) = try self.makeChannel(.init(serializer: .json), maxMessageSize: 16)
        try channel.writeInbound(self.clientFrame(.text, [UInt8](repeating: 0x20, count: 17)))
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1009)
        #expect(!channel.isActive)
        #expect(recorder.transportErrors.map(\.code) == [.webSocketMessageTooLarge])
    }

    @Test func tooLargeFragmentedMessageClosesWith1009() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json), maxMessageSize: 16)
        try channel.writeInbound(self.clientFrame(.text, [UInt8](repeating: 0x20, count: 10), fin: false))
        try channel.writeInbound(self.clientFrame(.continuation, [UInt8](repeating: 0x20, count: 10), fin: true))
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1009)
        #expect(!channel.isActive)
    }

    @Test func frameDecoderErrorsMapToCloseCodes() throws {
        let (tooBig, _) = try self.makeChannel(.init(serializer: .json))
        tooBig.pipeline.fireErrorCaught(NIOWebSocketError.invalidFrameLength)
        #expect(self.closeCode(try tooBig.readOutboundFrame()) == 1009)
        #expect(!tooBig.isActive)

        let (fragmented, _) = try self.makeChannel(.init(serializer: .json))
        fragmented.pipeline.fireErrorCaught(NIOWebSocketError.fragmentedControlFrame)
        #expect(self.closeCode(try fragmented.readOutboundFrame()) == 1002)
        #expect(!fragmented.isActive)
    }

    @Test func reservedBitsCloseWith1002() throws {
        let (channel, _) = try self.makeChannel(.init(serializer: .json))
        var frame = self.clientFrame(.text, Array("[]".utf8))
        frame.rsv1 = true
        try channel.writeInbound(frame)
        #expect(self.closeCode(try channel.readOutboundFrame()) == 1002)
        #expect(!channel.isActive)
    }
}
