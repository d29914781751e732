import NIOCore
import NIOPosix
import WAMPCore

/// A minimal RFC 6455 client written from the RFC for end-to-end tests: it sends the upgrade by
/// hand and masks its frames, so it exercises the router's real HTTP and WebSocket handling.
final class WebSocketTestClient: Sendable {
    let raw: RawBytesClient
    let serializer: SerializerKind

    init(raw: RawBytesClient, serializer: SerializerKind) {
        self.raw = raw
        self.serializer = serializer
    }

    /// Sends an upgrade request and returns the HTTP response head.
    static func upgrade(
        to address: SocketAddress, path: String = "/ws", protocols: String?, group: any EventLoopGroup
    ) async throws -> (RawBytesClient, String) {
        let raw = try await RawBytesClient.connect(to: address, group: group)
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if let protocols { request += "Sec-WebSocket-Protocol: \(protocols)\r\n" }
        request += "\r\n"
        try await raw.write(Array(request.utf8))
        let head = try await raw.readHTTPHead()
        return (raw, head)
    }

    static func connect(
        to address: SocketAddress, serializer: SerializerKind, group: any EventLoopGroup
    ) async throws -> WebSocketTestClient {
        let (raw, head) = try await Self.upgrade(
            to: address, protocols: serializer.webSocketSubprotocol, group: group)
        guard head.hasPrefix("HTTP/1.1 101"), head.lowercased().contains(serializer.webSocketSubprotocol) else {
            throw TestClientFailure.unexpected(head)
        }
        return WebSocketTestClient(raw: raw, serializer: serializer)
    }

    func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true) async throws {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> ($0 * 8)) }
        }
        frame += mask
        frame += payload.enumerated().map { $1 ^ mask[$0 % 4] }
        try await self.raw.write(frame)
    }

    func send(_ message: WAMPMessage) async throws {
        try await self.sendFrame(
            opcode: self.serializer == .json ? 0x1 : 0x2, payload: message.encoded(with: self.serializer.serializer))
    }

    /// The next frame as (opcode, payload); the server's frames are unmasked.
    func receiveFrame(timeout: Duration = .seconds(5)) async throws -> (UInt8, [UInt8]) {
        let head = try await self.raw.take(2, timeout: timeout)
        var length = Int(head[1] & 0x7F)
        if length == 126 {
            let ext = try await self.raw.take(2, timeout: timeout)
            length = Int(ext[0]) << 8 | Int(ext[1])
        } else if length == 127 {
            let ext = try await self.raw.take(8, timeout: timeout)
            length = ext.reduce(0) { $0 << 8 | Int($1) }
        }
        return (head[0] & 0x0F, try await self.raw.take(length, timeout: timeout))
    }

    func receive(timeout: Duration = .seconds(5)) async throws -> WAMPMessage {
        while true {
            let (opcode, payload) = try await self.receiveFrame(timeout: timeout)
            if opcode == 0x1 || opcode == 0x2 {
                return try WAMPMessage(bytes: payload, serializer: self.serializer.serializer)
            }
            if opcode == 0x8 { throw TestClientFailure.unexpected("close frame \(payload)") }
        }
    }

    func join(realm: String = "realm1") async throws -> UInt64 {
        try await self.send(
            .hello(.init(realm: realm, details: ["roles": ["caller": [:], "callee": [:], "publisher": [:], "subscriber": [:]]])))
        let reply = try await self.receive()
        guard case .welcome(let welcome) = reply else { throw TestClientFailure.unexpected("\(reply)") }
        return welcome.session
    }
}

/// Raw TCP bytes in and out, for hand-written protocol clients.
final class RawBytesClient: Sendable {
    let channel: any Channel
    let collector: ByteCollector

    private init(channel: any Channel, collector: ByteCollector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(to address: SocketAddress, group: any EventLoopGroup) async throws -> RawBytesClient {
        let collector = ByteCollector()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(to: address).get()
        return RawBytesClient(channel: channel, collector: collector)
    }

    func write(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    func take(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let result: [UInt8]? = self.collector.state.withLockedValue { state in
                guard state.bytes.count >= count else { return nil }
                defer { state.bytes.removeFirst(count) }
                return Array(state.bytes.prefix(count))
            }
            if let result { return result }
            if self.collector.state.withLockedValue({ $0.closed }) { throw TestClientFailure.closed }
            guard ContinuousClock.now < deadline else { throw TestClientFailure.timeout("waiting for \(count) bytes") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Reads up to and including the blank line that ends an HTTP head.
    func readHTTPHead(timeout: Duration = .seconds(5)) async throws -> String {
        var head: [UInt8] = []
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            head += try await self.take(1, timeout: timeout)
        }
        return String(decoding: head, as: UTF8.self)
    }

    /// Everything received until the peer closes.
    func readUntilClosed(timeout: Duration = .seconds(5)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while !self.collector.state.withLockedValue({ $0.closed }) {
            guard ContinuousClock.now < deadline else { throw TestClientFailure.timeout("waiting for close") }
            try await Task.sleep(for: .milliseconds(5))
        }
        return self.collector.state.withLockedValue { state in
            defer { state.bytes = [] }
            return state.bytes
        }
    }

    func close() async {
        try? await self.channel.close()
    }
}
