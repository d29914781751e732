import MQTTCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A small MQTT client for end-to-end tests, made of MQTTCore's codec and a raw TCP channel: it
/// sends exactly the packets a test builds and returns every packet the router sends.
final class MQTTTestClient: @unchecked Sendable {
    let channel: any Channel
    let collector: ByteCollector
    let version: MQTTProtocolVersion
    // Only the test task touches these.
    private var parser: MQTTPacketParser
    private var pending: [UInt8] = []

    private init(channel: any Channel, collector: ByteCollector, version: MQTTProtocolVersion) {
        self.channel = channel
        self.collector = collector
        self.version = version
        self.parser = MQTTPacketParser(version: version)
    }

    static func open(
        to address: SocketAddress,
        version: MQTTProtocolVersion = .v5,
        group: any EventLoopGroup,
        tls: TLSConfiguration? = nil
    ) async throws -> MQTTTestClient {
        let collector = ByteCollector()
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: nil)
                        )
                    }
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(to: address).get()
        return MQTTTestClient(channel: channel, collector: collector, version: version)
    }

    /// Opens a connection and sends CONNECT; returns the client and the CONNACK.
    static func connect(
        to address: SocketAddress,
        version: MQTTProtocolVersion = .v5,
        group: any EventLoopGroup,
        clientID: String = "",
        cleanStart: Bool = true,
        keepAlive: UInt16 = 60,
        username: String? = nil,
        password: String? = nil,
        will: MQTTWill? = nil,
        properties: MQTTProperties = MQTTProperties(),
        tls: TLSConfiguration? = nil
    ) async throws -> (MQTTTestClient, MQTTConnAck) {
        let client = try await Self.open(to: address, version: version, group: group, tls: tls)
        try await client.send(
            .connect(
                MQTTConnect(
                    protocolVersion: version,
                    cleanStart: cleanStart,
                    keepAlive: keepAlive,
                    clientIdentifier: clientID,
                    will: will,
                    username: username,
                    password: password.map { Array($0.utf8) },
                    properties: properties
                )
            )
        )
        guard case .connack(let connack) = try await client.receive() else {
            throw TestClientFailure.unexpected("no CONNACK")
        }
        return (client, connack)
    }

    func send(_ packet: MQTTPacket) async throws {
        try await self.writeRaw(packet.encoded(version: self.version))
    }

    func writeRaw(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// The next packet from the router.
    func receive(timeout: Duration = .seconds(5)) async throws -> MQTTPacket {
        let deadline = ContinuousClock.now + timeout
        while true {
            self.pending += self.collector.state.withLockedValue { state in
                defer { state.bytes.removeAll() }
                return state.bytes
            }
            while true {
                switch try self.parser.parseStep(&self.pending) {
                case .result(let packet): return packet
                case .continueParsing: continue
                case .insufficientData: break
                }
                break
            }
            if self.collector.state.withLockedValue({ $0.closed && $0.bytes.isEmpty }) {
                throw TestClientFailure.closed
            }
            guard ContinuousClock.now < deadline else { throw TestClientFailure.timeout("waiting for a packet") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// The next PUBLISH, acknowledging QoS 1 and 2 as a client does.
    func receivePublish(timeout: Duration = .seconds(5)) async throws -> MQTTPublish {
        while true {
            let packet = try await self.receive(timeout: timeout)
            switch packet {
            case .publish(let publish):
                if let id = publish.packetIdentifier {
                    try await self.send(
                        publish.qos == .atLeastOnce
                            ? .puback(.init(packetIdentifier: id)) : .pubrec(.init(packetIdentifier: id))
                    )
                }
                return publish
            case .pubrel(let ack):
                try await self.send(.pubcomp(.init(packetIdentifier: ack.packetIdentifier)))
            default:
                throw TestClientFailure.unexpected("\(packet)")
            }
        }
    }

    /// Expects no packet within `window`.
    func expectSilence(_ window: Duration = .milliseconds(200)) async throws {
        do {
            let packet = try await self.receive(timeout: window)
            throw TestClientFailure.unexpected("expected nothing, got \(packet)")
        } catch TestClientFailure.timeout {
            return
        }
    }

    func subscribe(
        _ filter: String,
        qos: MQTTQoS = .atMostOnce,
        id: UInt16 = 1,
        options: MQTTSubscriptionOptions? = nil,
        properties: MQTTProperties = MQTTProperties()
    ) async throws -> [MQTTReasonCode] {
        try await self.send(
            .subscribe(
                MQTTSubscribe(
                    packetIdentifier: id,
                    subscriptions: [MQTTSubscription(topicFilter: filter, options: options ?? .init(maximumQoS: qos))],
                    properties: properties
                )
            )
        )
        guard case .suback(let suback) = try await self.receive() else {
            throw TestClientFailure.unexpected("no SUBACK")
        }
        return suback.reasonCodes
    }

    /// Publishes and completes the QoS handshake; returns the ack's reason code (success for QoS 0).
    @discardableResult
    func publish(
        _ topic: String,
        _ payload: [UInt8],
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        id: UInt16 = 10,
        properties: MQTTProperties = MQTTProperties()
    ) async throws -> MQTTReasonCode {
        try await self.send(
            .publish(
                MQTTPublish(
                    topicName: topic,
                    payload: payload,
                    qos: qos,
                    retain: retain,
                    packetIdentifier: qos == .atMostOnce ? nil : id,
                    properties: properties
                )
            )
        )
        switch qos {
        case .atMostOnce:
            return .success
        case .atLeastOnce:
            guard case .puback(let ack) = try await self.receive() else {
                throw TestClientFailure.unexpected("no PUBACK")
            }
            return ack.reasonCode
        case .exactlyOnce:
            guard case .pubrec(let ack) = try await self.receive() else {
                throw TestClientFailure.unexpected("no PUBREC")
            }
            guard !ack.reasonCode.isFailure else { return ack.reasonCode }
            try await self.send(.pubrel(.init(packetIdentifier: id)))
            guard case .pubcomp = try await self.receive() else { throw TestClientFailure.unexpected("no PUBCOMP") }
            return ack.reasonCode
        }
    }

    func waitUntilClosed(timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !self.collector.state.withLockedValue({ $0.closed }) {
            guard ContinuousClock.now < deadline else { throw TestClientFailure.timeout("waiting for close") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func disconnect() async throws {
        try await self.send(.disconnect(MQTTDisconnect()))
        try await self.waitUntilClosed()
    }

    func close() async {
        try? await self.channel.close()
    }
}
