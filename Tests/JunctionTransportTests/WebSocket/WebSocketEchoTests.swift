import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionTransport

/// The echo endpoint Autobahn|Testsuite runs against: same upgrade and WebSocket code as WAMP.
@Suite struct WebSocketEchoTests {
    private func upgradedChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureWebSocketEchoServer(
            configuration: .init(path: "/")
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4)).wait()
        var request =
            "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try channel.writeInbound(ByteBuffer(string: request))
        channel.embeddedEventLoop.run()
        let response = String(decoding: try self.outboundBytes(channel), as: UTF8.self)
        #expect(response.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(!response.lowercased().contains("sec-websocket-protocol"))
        return channel
    }

    private func outboundBytes(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    /// A masked client frame on the wire (payload < 126 bytes).
    private func clientFrame(_ firstByte: UInt8, _ payload: [UInt8]) -> ByteBuffer {
        let key: [UInt8] = [0x0A, 0x0B, 0x0C, 0x0D]
        let masked = payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return ByteBuffer(bytes: [firstByte, 0x80 | UInt8(payload.count)] + key + masked)
    }

    @Test func textAndFragmentedBinaryAreEchoed() throws {
        let channel = try self.upgradedChannel()
        try channel.writeInbound(self.clientFrame(0x81, Array("héllo".utf8)))
        #expect(try self.outboundBytes(channel) == [0x81, 6] + Array("héllo".utf8))
        try channel.writeInbound(self.clientFrame(0x02, [1, 2]))
        try channel.writeInbound(self.clientFrame(0x80, [3]))
        #expect(try self.outboundBytes(channel) == [0x82, 3, 1, 2, 3])
    }

    @Test func invalidUTF8ClosesWith1007() throws {
        let channel = try self.upgradedChannel()
        // The failure is also reported up the pipeline (here: to EmbeddedChannel, which rethrows it).
        #expect(throws: TransportError.self) {
            try channel.writeInbound(
                self.clientFrame(0x81, [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xED, 0xA0, 0x80])
            )
        }
        #expect(try self.outboundBytes(channel) == [0x88, 2, 0x03, 0xEF])
        #expect(!channel.isActive)
    }

    @Test func closeIsEchoed() throws {
        let channel = try self.upgradedChannel()
        try channel.writeInbound(self.clientFrame(0x88, [0x03, 0xE8]))
        #expect(try self.outboundBytes(channel) == [0x88, 2, 0x03, 0xE8])
        #expect(!channel.isActive)
    }
}
