import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
import WAMPCore

@testable import JunctionTransport

/// Dead-peer detection, the upgrade timeout and the connection limit on `EmbeddedChannel`s with
/// a virtual clock: nothing here sleeps.
@Suite struct DeadPeerDetectionTests {
    private static let ping = PingConfiguration(interval: .seconds(5), timeout: .seconds(2))
    private static let maskKey: WebSocketMaskingKey = [9, 8, 7, 6]

    private func webSocketChannel() throws -> (EmbeddedChannel, SessionRecorder) {
        let recorder = SessionRecorder()
        let channel = EmbeddedChannel()
        let handler = WebSocketWAMPHandler(
            codec: WebSocketWAMPCodec(subprotocol: .init(serializer: .json)),
            configuration: WebSocketConfiguration(ping: Self.ping)
        )
        try channel.pipeline.syncOperations.addHandlers([handler, recorder])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, recorder)
    }

    private func clientFrame(_ opcode: WebSocketOpcode, _ bytes: [UInt8]) -> WebSocketFrame {
        var data = ByteBuffer(bytes: bytes)
        data.webSocketMask(Self.maskKey)
        return WebSocketFrame(fin: true, opcode: opcode, maskKey: Self.maskKey, data: data)
    }

    private func rawSocketChannel() throws -> (EmbeddedChannel, SessionRecorder) {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureWAMPRawSocketServer(
            configuration: RawSocketConfiguration(ping: Self.ping),
            kind: .rawSocketTCP,
            sessionHandler: { _ in SessionRecorder() }
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0xF1, 0x00, 0x00]))
        #expect(try channel.readOutbound(as: ByteBuffer.self)?.readableBytes == 4)
        return (channel, try channel.pipeline.syncOperations.handler(type: SessionRecorder.self))
    }

    private func outboundBytes(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    @Test func silentWebSocketPeerIsPingedThenClosed() throws {
        let (channel, recorder) = try self.webSocketChannel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(try channel.readOutboundFrame() == nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        let ping = try #require(try channel.readOutboundFrame())
        #expect(ping.opcode == .ping)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        let close = try #require(try channel.readOutboundFrame())
        #expect(close.opcode == .connectionClose)
        #expect(close.data.getInteger(at: close.data.readerIndex, as: UInt16.self) == 1001)
        #expect(!channel.isActive)
        #expect(recorder.transportErrors.map(\.code) == [.peerUnresponsive])
    }

    @Test func webSocketPeerThatAnswersStaysUp() throws {
        let (channel, recorder) = try self.webSocketChannel()
        for _ in 0..<5 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(5))
            #expect(try channel.readOutboundFrame()?.opcode == .ping)
            try channel.writeInbound(self.clientFrame(.pong, []))
            channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        }
        // A peer that keeps sending is never pinged.
        for _ in 0..<5 {
            try channel.writeInbound(self.clientFrame(.text, Array(Fixtures.helloJSON.utf8)))
            channel.embeddedEventLoop.advanceTime(by: .seconds(5))
            #expect(try channel.readInbound(as: TransportInbound.self) != nil)
        }
        #expect(try channel.readOutboundFrame() == nil)
        #expect(channel.isActive)
        #expect(recorder.transportErrors.isEmpty)
        _ = try channel.finish()
    }

    @Test func silentRawSocketPeerIsPingedThenClosed() throws {
        let (channel, recorder) = try self.rawSocketChannel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(try self.outboundBytes(channel) == [0x01, 0, 0, 0])  // PING, empty payload
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(recorder.transportErrors.map(\.code) == [.peerUnresponsive])
    }

    @Test func rawSocketPongKeepsThePeerAlive() throws {
        let (channel, recorder) = try self.rawSocketChannel()
        for _ in 0..<5 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(5))
            #expect(try self.outboundBytes(channel) == [0x01, 0, 0, 0])
            try channel.writeInbound(ByteBuffer(bytes: [0x02, 0, 0, 0]))  // PONG
            channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        }
        #expect(channel.isActive)
        #expect(recorder.transportErrors.isEmpty)
        _ = try channel.finish()
    }

    @Test func pingingCanBeTurnedOff() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureWAMPRawSocketServer(
            configuration: RawSocketConfiguration(ping: nil),
            kind: .rawSocketTCP,
            sessionHandler: { _ in SessionRecorder() }
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0xF1, 0x00, 0x00]))
        _ = try self.outboundBytes(channel)
        channel.embeddedEventLoop.advanceTime(by: .hours(1))
        #expect(try self.outboundBytes(channel).isEmpty)
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test func idleConnectionBeforeTheUpgradeIsClosed() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureWAMPWebSocketServer(
            configuration: WebSocketConfiguration(upgradeTimeout: .seconds(10)),
            sessionHandler: { _ in SessionRecorder() }
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3)).wait()
        // Half a request, then nothing.
        try channel.writeInbound(ByteBuffer(string: "GET /ws HTTP/1.1\r\nHost: x\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func fullWebSocketListenerAnswers503() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureWAMPWebSocketServer(
            configuration: WebSocketConfiguration(),
            connectionLimitReached: true,
            sessionHandler: { _ in SessionRecorder() }
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3)).wait()
        var request = "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        request += "Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n"
        try channel.writeInbound(ByteBuffer(string: request))
        channel.embeddedEventLoop.run()
        let response = String(decoding: try self.outboundBytes(channel), as: UTF8.self)
        #expect(response.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(response.contains("Connection limit reached"))
        #expect(!channel.isActive)
    }
}
