import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
import WAMPCore

@testable import JunctionTransport

/// The whole WebSocket server pipeline, fed raw HTTP and WebSocket bytes.
@Suite struct WebSocketUpgradeTests {
    private func makeChannel(_ configuration: WebSocketConfiguration = .init()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureWAMPWebSocketServer(
            configuration: configuration,
            sessionHandler: { _ in SessionRecorder() }
        )
        try channel.connect(to: SocketAddress(ipAddress: "10.0.0.7", port: 4242)).wait()
        return channel
    }

    private func send(_ text: String, to channel: EmbeddedChannel) throws {
        try channel.writeInbound(ByteBuffer(string: text))
        channel.embeddedEventLoop.run()
    }

    private func outboundBytes(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.bytes
        }
        return bytes
    }

    private func response(_ channel: EmbeddedChannel) throws -> String {
        String(decoding: try self.outboundBytes(channel), as: UTF8.self)
    }

    private func upgradeRequest(path: String = "/ws", protocols: [String]) -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for value in protocols {
            request += "Sec-WebSocket-Protocol: \(value)\r\n"
        }
        return request + "\r\n"
    }

    /// A masked client frame on the wire (payload < 126 bytes).
    private func clientFrameBytes(opcode: UInt8, _ payload: [UInt8]) -> ByteBuffer {
        let key: [UInt8] = [0x0A, 0x0B, 0x0C, 0x0D]
        let masked = payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return ByteBuffer(bytes: [0x80 | opcode, 0x80 | UInt8(payload.count)] + key + masked)
    }

    @Test func goodUpgradeAnswers101WithTheSubprotocolAndCarriesMessages() throws {
        let channel = try self.makeChannel()
        try self.send(
            self.upgradeRequest(protocols: ["wamp.2.cbor.batched, wamp.2.json", "wamp.2.msgpack"]),
            to: channel
        )
        let response = try self.response(channel)
        #expect(response.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(response.lowercased().contains("sec-websocket-protocol: wamp.2.cbor.batched\r\n"))
        #expect(response.lowercased().contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"))

        let recorder = try channel.pipeline.syncOperations.handler(type: SessionRecorder.self)
        #expect(
            recorder.readyEvents
                == [TransportInfo(kind: .webSocket, serializer: .cbor, batched: true, peer: "10.0.0.7:4242")]
        )
        // The HTTP rejection handler is gone.
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.context(name: WebSocketHTTPRejectionHandler.name)
        }

        let hello = Fixtures.encoded(Fixtures.hello, .cbor)
        try channel.writeInbound(self.clientFrameBytes(opcode: 0x2, [0, 0, 0, UInt8(hello.count)] + hello))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)
        #expect(!recorder.messageBeforeReady)

        // Ping -> pong, on the wire: unmasked, same payload.
        try channel.writeInbound(self.clientFrameBytes(opcode: 0x9, [7, 7]))
        #expect(try self.outboundBytes(channel) == [0x8A, 0x02, 7, 7])
    }

    @Test func jsonUpgradeDecodesTextFrames() throws {
        let channel = try self.makeChannel()
        try self.send(self.upgradeRequest(protocols: ["wamp.2.json"]), to: channel)
        #expect(try self.response(channel).hasPrefix("HTTP/1.1 101"))
        try channel.writeInbound(self.clientFrameBytes(opcode: 0x1, Array(Fixtures.helloJSON.utf8)))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)

        // The session closing the channel sends Close 1000 first.
        try channel.close().wait()
        #expect(try self.outboundBytes(channel) == [0x88, 0x02, 0x03, 0xE8])
        #expect(!channel.isActive)
    }

    @Test func framesSentRightBehindTheUpgradeRequestAreNotLost() throws {
        let channel = try self.makeChannel()
        var bytes = ByteBuffer(string: self.upgradeRequest(protocols: ["wamp.2.json"]))
        var frame = self.clientFrameBytes(opcode: 0x1, Array(Fixtures.helloJSON.utf8))
        bytes.writeBuffer(&frame)
        try channel.writeInbound(bytes)
        channel.embeddedEventLoop.run()
        #expect(try self.response(channel).hasPrefix("HTTP/1.1 101"))
        #expect(try channel.readInbound(as: TransportInbound.self)?.message == Fixtures.hello)
        #expect(try !channel.pipeline.syncOperations.handler(type: SessionRecorder.self).messageBeforeReady)
    }

    @Test func batchedSharedPayloadOnTheWire() throws {
        let channel = try self.makeChannel()
        try self.send(self.upgradeRequest(protocols: ["wamp.2.json.batched"]), to: channel)
        #expect(try self.response(channel).hasPrefix("HTTP/1.1 101"))
        let shared = ByteBufferAllocator().buffer(encoding: Fixtures.goodbye, with: .json)
        try channel.writeOutbound(TransportOutbound.serialized(shared))
        let payload = Fixtures.encoded(Fixtures.goodbye, .json) + [0x1E]
        #expect(try self.outboundBytes(channel) == [0x81, UInt8(payload.count)] + payload)
    }

    @Test func frameLargerThanTheMessageLimitClosesWith1009() throws {
        let channel = try self.makeChannel(.init(maxMessageSize: 64))
        try self.send(self.upgradeRequest(protocols: ["wamp.2.json"]), to: channel)
        #expect(try self.response(channel).hasPrefix("HTTP/1.1 101"))
        // Text frame, masked, 16-bit length 100: rejected from its header.
        _ = try? channel.writeInbound(ByteBuffer(bytes: [0x81, 0x80 | 126, 0x00, 100]))
        #expect(try self.outboundBytes(channel) == [0x88, 0x02, 0x03, 0xF1])
        #expect(!channel.isActive)
    }

    @Test func plainGetGets426AndIsClosed() throws {
        let channel = try self.makeChannel()
        try self.send("GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n", to: channel)
        let response = try self.response(channel)
        #expect(response.hasPrefix("HTTP/1.1 426 Upgrade Required\r\n"))
        #expect(response.contains("WAMP WebSocket endpoint"))
        #expect(!channel.isActive)
    }

    @Test func unsupportedSubprotocolGets400AndIsClosed() throws {
        let channel = try self.makeChannel()
        try self.send(self.upgradeRequest(protocols: ["mqtt", "wamp.2.xml"]), to: channel)
        let response = try self.response(channel)
        #expect(response.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(response.contains("wamp.2.json"))
        #expect(!channel.isActive)
    }

    @Test func missingSubprotocolGets400() throws {
        let channel = try self.makeChannel()
        try self.send(self.upgradeRequest(protocols: []), to: channel)
        #expect(try self.response(channel).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(!channel.isActive)
    }

    @Test func wrongPathGets404() throws {
        let channel = try self.makeChannel()
        try self.send(self.upgradeRequest(path: "/other", protocols: ["wamp.2.json"]), to: channel)
        #expect(try self.response(channel).hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(!channel.isActive)
    }

    @Test func batchedRefusedWhenNotAllowed() throws {
        let channel = try self.makeChannel(.init(batchedAllowed: false))
        try self.send(self.upgradeRequest(protocols: ["wamp.2.json.batched"]), to: channel)
        #expect(try self.response(channel).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(!channel.isActive)
    }

    @Test func malformedHTTPGets400() throws {
        let channel = try self.makeChannel()
        _ = try? self.send("\u{1}\u{2}garbage\r\n\r\n", to: channel)
        #expect(try self.response(channel).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(!channel.isActive)
    }
}
