import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import WAMPCore

/// Collects every byte a connection receives, and whether it closed.
final class ByteCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    struct State {
        var bytes: [UInt8] = []
        var closed = false
    }

    let state = NIOLockedValueBox(State())

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        self.state.withLockedValue { $0.bytes += buffer.readableBytesView }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state.withLockedValue { $0.closed = true }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

enum TestClientFailure: Error { case timeout(String), closed, unexpected(String) }

/// A deliberately simple RawSocket client written from the spec, independent of the router's own
/// transport code, so end-to-end tests check the wire format rather than agree with themselves.
final class RawSocketTestClient: Sendable {
    let channel: any Channel
    let collector: ByteCollector
    let serializer: SerializerKind

    private init(channel: any Channel, collector: ByteCollector, serializer: SerializerKind) {
        self.channel = channel
        self.collector = collector
        self.serializer = serializer
    }

    /// Connects and sends the 4-byte handshake (default: max length exponent 0xF, 16 MiB).
    static func connect(
        to address: SocketAddress, serializer: SerializerKind = .json, group: any EventLoopGroup,
        handshake: [UInt8]? = nil
    ) async throws -> RawSocketTestClient {
        let collector = ByteCollector()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(to: address).get()
        let client = RawSocketTestClient(channel: channel, collector: collector, serializer: serializer)
        try await client.writeRaw(handshake ?? [0x7F, 0xF0 | serializer.rawValue, 0, 0])
        return client
    }

    /// Connects, shakes hands and joins `realm1`.
    static func joined(
        to address: SocketAddress, serializer: SerializerKind = .json, group: any EventLoopGroup
    ) async throws -> (RawSocketTestClient, UInt64) {
        let client = try await Self.connect(to: address, serializer: serializer, group: group)
        let reply = try await client.readHandshake()
        guard reply == [0x7F, reply[1] & 0xF0 | serializer.rawValue, 0, 0], reply[1] & 0xF0 != 0 else {
            throw TestClientFailure.unexpected("handshake reply \(reply)")
        }
        return (client, try await client.join())
    }

    func writeRaw(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    func readHandshake() async throws -> [UInt8] {
        try await self.take(4)
    }

    func sendFrame(_ payload: [UInt8], type: UInt8 = 0) async throws {
        let n = payload.count
        try await self.writeRaw([type, UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload)
    }

    func send(_ message: WAMPMessage) async throws {
        try await self.sendFrame(message.encoded(with: self.serializer.serializer))
    }

    func send(value: WAMPValue) async throws {
        try await self.sendFrame(self.serializer.serializer.encode(value))
    }

    /// The next frame as (type, payload).
    func receiveFrame(timeout: Duration = .seconds(5)) async throws -> (UInt8, [UInt8]) {
        let header = try await self.take(4, timeout: timeout)
        let length = Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        return (header[0] & 0x07, try await self.take(length, timeout: timeout))
    }

    /// The next WAMP message, skipping PING/PONG frames.
    func receive(timeout: Duration = .seconds(5)) async throws -> WAMPMessage {
        while true {
            let (type, payload) = try await self.receiveFrame(timeout: timeout)
            if type == 0 { return try WAMPMessage(bytes: payload, serializer: self.serializer.serializer) }
        }
    }

    /// Waits until the router closes the connection.
    func waitUntilClosed(timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !self.collector.state.withLockedValue({ $0.closed }) {
            guard ContinuousClock.now < deadline else { throw TestClientFailure.timeout("waiting for close") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func join(realm: String = "realm1") async throws -> UInt64 {
        try await self.send(
            .hello(
                .init(
                    realm: realm,
                    details: ["roles": ["caller": [:], "callee": [:], "publisher": [:], "subscriber": [:]]])))
        let reply = try await self.receive()
        guard case .welcome(let welcome) = reply else { throw TestClientFailure.unexpected("\(reply)") }
        return welcome.session
    }

    func close() async {
        try? await self.channel.close()
    }

    private func take(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [UInt8] {
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
}
