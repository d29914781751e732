import JunctionRouter
import Logging
import MQTTCore
import NIOCore
import WAMPCore

/// One MQTT connection: parses packets, runs `MQTTSessionStateMachine`, and is the session's
/// `DeliveryTarget` on the realm (it joins like a WAMP session, through `SessionStateMachine`'s
/// establishment, so tickets, JWTs, TLS certificates and dynamic authenticators work as they do
/// for WAMP). Below it: bytes (TCP, TLS, or WebSocket binary frames unwrapped by
/// `MQTTWebSocketFrameHandler`).
///
/// A persistent session outlives its connection: the handler stays joined to the realm,
/// detached, queueing QoS ≥ 1 deliveries, until a new connection with the same client id takes
/// the session over (`MQTTBroker`) or it expires.
public final class MQTTConnectionHandler: ChannelInboundHandler, DeliveryTarget {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// The broker's handle on a connection's session, usable from any loop.
    final class Owner: Sendable {
        let bound: NIOLoopBound<MQTTConnectionHandler>

        init(_ bound: NIOLoopBound<MQTTConnectionHandler>) {
            self.bound = bound
        }
    }

    let shared: MQTTConnectionContext
    var machine: MQTTSessionStateMachine
    var parser: MQTTPacketParser
    var cumulation: ByteBuffer?
    /// The WAMP establishment (HELLO → WELCOME) the CONNECT is translated into.
    var wamp: SessionStateMachine
    var context: ChannelHandlerContext?
    var loopBoundSelf: NIOLoopBound<MQTTConnectionHandler>?
    var loop: LoopMailbox?
    var peer: PeerHandle?
    var realm: Realm?
    var realmMailbox: LoopMailbox?
    /// The realm session, from WELCOME until the session ends.
    var sessionID: UInt64?
    var connect: MQTTConnect?
    var owner: Owner?
    var nextRequest: UInt64 = 0
    /// WAMP PUBLISH request → MQTT packet id (0: QoS 0, nothing to acknowledge).
    var pendingPublishes: [UInt64: UInt16] = [:]
    var pendingSubscribes: [UInt64: (MQTTSessionStateMachine.SubscribeToken, MQTTTopicMapping.RealmSubscription)] = [:]
    /// URIs of exact realm subscriptions (their EVENTs do not name the topic).
    var exactURIs: [UInt64: String] = [:]
    /// Shared-subscription groups joined, by subscription key.
    var groups: [String: String] = [:]
    let memberToken: UInt64
    var keepAliveTimer: RepeatedTask?
    var connectTimer: Scheduled<Void>?
    var willTimer: Scheduled<Void>?
    var expiryTimer: Scheduled<Void>?
    var reading = false
    var flushDue = false
    var peerAddress = "?"
    /// This loop's memo of the publication being fanned out.
    var deliveries: MQTTDeliveryMemo?
    /// The publication whose EVENT is being delivered (its PUBLISH comes from `deliveries`).
    var delivering: UInt64?
    /// What of a persistent session is on disk (with durable storage only).
    var persisted: MQTTPersistedSession?
    /// Who the realm admitted (stored with a persistent session, which rejoins under it at start).
    var identity: MQTTSessionIdentity?

    public init(context shared: MQTTConnectionContext) {
        self.shared = shared
        self.machine = MQTTSessionStateMachine(configuration: shared.endpoint.session)
        self.parser = MQTTPacketParser(maximumPacketSize: shared.endpoint.session.maximumPacketSize)
        self.wamp = SessionStateMachine(environment: shared.establishment)
        self.memberToken = shared.broker.newMemberToken()
    }

    var logger: Logger {
        var logger = self.shared.logger
        logger[metadataKey: "peer"] = .string(self.peerAddress)
        logger[metadataKey: "transport"] = "mqtt"
        if !self.machine.clientIdentifier.isEmpty {
            logger[metadataKey: "client_id"] = .string(self.machine.clientIdentifier)
        }
        if let session = self.sessionID { logger[metadataKey: "session"] = "\(session)" }
        return logger
    }

    static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    // MARK: Channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.peerAddress = context.channel.remoteAddress.map { "\($0)" } ?? "?"
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.loopBoundSelf = bound
        let loop = self.shared.mailboxes.mailbox(for: context.eventLoop) ?? LoopMailbox(eventLoop: context.eventLoop)
        self.loop = loop
        self.deliveries = self.shared.deliveries.memo(for: context.eventLoop)
        self.peer = PeerHandle(target: self, mailbox: loop)
        self.connectTimer = context.eventLoop.scheduleTask(in: self.shared.establishment.helloTimeout) {
            let handler = bound.value
            guard handler.sessionID == nil, handler.context != nil else { return }
            handler.logger.info("no MQTT session established in time; closing")
            handler.context?.close(promise: nil)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.connectionGone()
        self.context = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        self.connectionGone()
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.info("MQTT connection error, closing", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        if self.cumulation == nil || self.cumulation!.readableBytes == 0 {
            self.cumulation = buffer
        } else {
            self.cumulation!.writeBuffer(&buffer)
        }
        self.reading = true
        defer { self.reading = false }
        while self.context != nil, var bytes = self.cumulation {
            var parser = self.parser
            var consumed = 0
            let result: Result<MQTTPacketParser.ParseResult, MQTTDecodingError> = bytes.withUnsafeReadableBytes { raw in
                do throws(MQTTDecodingError) {
                    return .success(try parser.parseStep(raw, readerIndex: &consumed))
                } catch {
                    return .failure(error)
                }
            }
            self.parser = parser
            bytes.moveReaderIndex(forwardBy: consumed)
            self.cumulation = bytes
            switch result {
            case .failure(let error):
                self.cumulation = nil
                self.logger.warning("bad MQTT input, closing", metadata: ["error": "\(error)"])
                self.run(self.machine.decodingFailed(error, version: self.parser.version))
                return
            case .success(.insufficientData):
                if bytes.readableBytes == 0 {
                    self.cumulation = nil
                } else if bytes.readerIndex > 4096 {
                    self.cumulation!.discardReadBytes()
                }
                return
            case .success(.continueParsing):
                continue
            case .success(.result(let packet)):
                self.shared.packets.count(.inbound, packet.type)
                self.received(packet)
            }
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if self.flushDue {
            self.flushDue = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    private func received(_ packet: MQTTPacket) {
        let now = Self.now
        if case .connect(let connect) = packet, self.connect == nil {
            self.run(self.machine.connectReceived(connect, assignedIdentifier: Self.makeClientID(), now: now))
            return
        }
        self.run(self.machine.packetReceived(packet, now: now))
        if case .unsubscribe = packet { self.leaveUnusedGroups() }
    }

    static func makeClientID() -> String {
        "junction-" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
    }

    // MARK: Actions

    func run(_ actions: [MQTTSessionStateMachine.Action]) {
        for action in actions { self.run(action) }
        self.persistSession()
    }

    func run(_ action: MQTTSessionStateMachine.Action) {
        switch action {
        case .send(let packet):
            self.write(packet)
        case .authenticate(let connect):
            self.authenticate(connect)
        case .publish(let message, let packetIdentifier):
            self.publishInRealm(message, packetIdentifier: packetIdentifier)
        case .subscribe(let request):
            self.subscribeInRealm(request)
        case .unsubscribe(let subscription):
            self.exactURIs[subscription] = nil
            self.route(.unsubscribe(.init(request: self.makeRequestID(), subscription: subscription)))
        case .dropped(let topic, let reason):
            self.logger.info("MQTT message not delivered", metadata: ["topic": "\(topic)", "reason": "\(reason)"])
        case .close(let reason):
            self.logger.info("closing MQTT connection", metadata: ["reason": "\(reason)"])
            guard let context = self.context else { return }
            context.flush()
            self.flushDue = false
            context.close(promise: nil)
        case .ended(let end):
            self.sessionEnded(end)
        case .armWill(let will):
            self.armWill(will)
        case .discardWill:
            self.changeTestament(.flush)
        }
    }

    func write(_ packet: MQTTPacket) {
        guard let context = self.context else { return }
        if case .publish(let publish) = packet, publish.qos == .atMostOnce, !context.channel.isWritable {
            self.logger.debug(
                "QoS 0 message dropped: the client does not keep up",
                metadata: ["topic": "\(publish.topicName)"]
            )
            return
        }
        self.shared.packets.count(.outbound, packet.type)
        let buffer: ByteBuffer
        if case .publish(let publish) = packet, let publication = self.delivering, let memo = self.deliveries {
            buffer = memo.encoded(
                publish,
                version: self.machine.version,
                publication: publication,
                allocator: context.channel.allocator
            )
        } else {
            var bytes: [UInt8] = []
            packet.encode(version: self.machine.version, into: &bytes)
            var encoded = context.channel.allocator.buffer(capacity: bytes.count)
            encoded.writeBytes(bytes)
            buffer = encoded
        }
        context.write(self.wrapOutboundOut(buffer), promise: nil)
        if !self.flushDue {
            self.flushDue = true
            if !self.reading { self.loop?.flushes.add(self) }
        }
    }

    public func flushIfPending() {
        guard self.flushDue else { return }
        self.flushDue = false
        self.context?.flush()
    }

    /// The channel closed: end the session (will, persistence) or the establishment.
    private func connectionGone() {
        guard self.context != nil else { return }
        self.context = nil
        self.connectTimer?.cancel()
        self.keepAliveTimer?.cancel()
        self.keepAliveTimer = nil
        if self.machine.isConnected {
            self.run(self.machine.connectionClosed())
        } else if self.sessionID == nil || !self.machine.isDetached {
            // Not (or no longer) connected: an establishment in flight ends here; a session
            // handed over or refused has nothing left.
            _ = self.machine.connectionClosed()
            self.runEstablishment(self.wamp.transportClosed())
        }
    }

    /// After CONNACK: the keep-alive check runs every half period.
    func startKeepAlive() {
        guard let context = self.context, self.machine.keepAlive > 0, let bound = self.loopBoundSelf else { return }
        let period = TimeAmount.milliseconds(max(500, Int64(self.machine.keepAlive) * 500))
        self.keepAliveTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            let handler = bound.value
            handler.run(handler.machine.keepAliveCheck(now: Self.now))
        }
    }

    func makeRequestID() -> UInt64 {
        self.nextRequest += 1
        return self.nextRequest
    }
}

@available(*, unavailable)
extension MQTTConnectionHandler: Sendable {}
