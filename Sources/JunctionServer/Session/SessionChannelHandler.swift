import JunctionRouter
import JunctionTransport
import Logging
import NIOCore
import NIOPosix
import Synchronization
import WAMPCore

/// Connects one transport to the router: runs the session state machine on the connection's event
/// loop and executes its actions (join a realm, route to it, send, close).
///
/// Sits at the end of a WebSocket or RawSocket pipeline; below it the transport turns bytes into
/// `TransportInbound` and `TransportOutbound` into bytes.
final class SessionChannelHandler: ChannelInboundHandler {
    typealias InboundIn = TransportInbound
    typealias OutboundOut = TransportOutbound

    /// How long the router waits for the peer's GOODBYE reply before closing.
    static let goodbyeTimeout: TimeAmount = .seconds(2)

    let info: TransportInfo
    let limits: Limits
    let security: SessionSecurity
    private let statistics: ServerStatistics
    let mailboxes: LoopMailboxes
    /// This connection's loop: its mailbox (messages from realms on other loops) and the
    /// connections waiting for a flush.
    var loop: LoopMailbox?
    /// The mailbox of the joined realm's loop, when that is another loop.
    var realmMailbox: LoopMailbox?
    /// The shared logger: this connection's metadata is added per log statement (`logger`), so an
    /// idle session keeps no logger copy of its own (with its metadata, ~750 bytes).
    private let baseLogger: Logger
    /// The established session's id, for log metadata (0 before WELCOME).
    var loggedSessionID: UInt64 = 0
    var state: SessionStateMachine
    var realm: Realm?
    var context: ChannelHandlerContext?
    /// The channel's allocator, fetched once (`channel.allocator` checks the thread and retains
    /// on every call).
    private var allocator = ByteBufferAllocator()
    var loopBoundSelf: NIOLoopBound<SessionChannelHandler>?
    var peer: ChannelPeer?
    private var goodbyeTimer: Scheduled<Void>?
    var outbound: OutboundQueue<TransportOutbound>
    /// How this transport frames a message, when the session layer may frame it itself.
    private let framing: TransportFraming?
    /// Where messages framed here are written once the session is established (past the
    /// transport handler; see `FrameOutlet`).
    private var outlet: FrameOutlet?
    /// A flush is due at the end of this connection's read or of the loop tick (see
    /// `PendingFlushes`): many messages for one peer leave in one system call.
    private var flushPending = false
    /// Between `channelRead` and `channelReadComplete`.
    private var reading = false
    private let serializer: any WAMPSerializer
    /// Runs from the transport handshake to WELCOME.
    var establishmentTimer: Scheduled<Void>?
    /// Whether this connection holds a place in `security.pendingSessions`.
    var holdsPendingPlace = false

    init(
        info: TransportInfo, limits: Limits, security: SessionSecurity, statistics: ServerStatistics,
        mailboxes: LoopMailboxes, logger: Logger
    ) {
        self.state = SessionStateMachine(environment: security.establishment)
        self.info = info
        self.limits = limits
        self.security = security
        self.statistics = statistics
        self.mailboxes = mailboxes
        self.serializer = info.serializer.serializer
        self.framing = info.framing
        self.baseLogger = logger
        self.outbound = OutboundQueue(
            maxMessages: limits.outboundQueueMessages, maxBytes: limits.outboundQueueBytes, policy: .drop)
    }

    /// The logger with this connection's metadata (peer, transport, session once established).
    var logger: Logger {
        var logger = self.baseLogger
        logger[metadataKey: "peer"] = .string(self.info.peer)
        logger[metadataKey: "transport"] = .string("\(self.info.kind.rawValue)/\(self.info.serializer)")
        if self.loggedSessionID != 0 { logger[metadataKey: "session"] = "\(self.loggedSessionID)" }
        return logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.allocator = context.channel.allocator
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.loopBoundSelf = loopBound
        // A loop outside the server's group (none in practice) gets a mailbox of its own.
        let loop = self.mailboxes.mailbox(for: context.eventLoop) ?? LoopMailbox(eventLoop: context.eventLoop)
        self.loop = loop
        self.peer = ChannelPeer(handler: loopBound, mailbox: loop, serializer: self.info.serializer)
        self.holdsPendingPlace = self.security.pendingSessions.enter()
        if !self.holdsPendingPlace {
            self.logger.warning(
                "too many connections without an established session; closing",
                metadata: ["limit": "\(self.security.pendingSessions.limit)"])
        }
        self.run(self.state.connectionOpened(pendingPlaceGranted: self.holdsPendingPlace))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.releasePendingPlace()
        self.run(self.state.transportClosed())
        self.context = nil
        self.outlet = nil
        self.loopBoundSelf = nil
        self.peer = nil
        self.goodbyeTimer?.cancel()
    }

    func releasePendingPlace() {
        self.establishmentTimer?.cancel()
        self.establishmentTimer = nil
        guard self.holdsPendingPlace else { return }
        self.holdsPendingPlace = false
        self.security.pendingSessions.leave()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.reading = true
        switch self.unwrapInboundIn(data) {
        case .message(let message):
            self.run(self.state.received(message, from: self))
        case .violation(let violation):
            self.logger.warning("protocol violation", metadata: ["error": "\(violation.message)"])
            self.run(self.state.receivedViolation(violation))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.reading = false
        self.flushIfPending()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? FrameOutletEvent {
            self.outlet = event.outlet
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.drainOutbound()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.run(self.state.transportClosed())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TransportError, !error.closesConnection {
            // The transport dropped one outgoing message (e.g. larger than the peer accepts) and
            // keeps the connection.
            self.logger.warning("message not delivered", metadata: ["error": "\(error)"])
            return
        }
        self.logger.warning("transport error, closing", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Called by the realm through `ChannelPeer`, on this channel's event loop.

    func deliver(_ message: WAMPMessage) {
        guard self.context != nil, self.state.sessionID != nil else { return }
        let (outbound, bytes) = self.encode(message, allocator: self.allocator)
        self.send(outbound, bytes: bytes, importance: .essential)
    }

    /// Delivers a message shared with other receivers. `fromOtherLoop`: it came through the
    /// mailbox from a realm on another loop, so this loop frames its own copy of the bytes.
    func deliver(_ message: SharedMessage, fromOtherLoop: Bool = false) {
        guard self.context != nil, let loop = self.loop, self.state.sessionID != nil else { return }
        let allocator = self.allocator
        let outbound: TransportOutbound
        let bytes: Int
        if let framing = self.framing {
            // Encoded and framed once per serializer and transport kind, then shared; the loop's
            // memo saves every later receiver on this loop the message's lock.
            let serializer = self.info.serializer
            let framed = loop.sharedFramings.framed(message, serializer: serializer, framing: framing) {
                let shared = message.framed(
                    for: serializer, slot: framing.index, slots: TransportFraming.count, allocator: allocator
                ) { FramedMessage(framing: framing, payload: $0, allocator: allocator) }
                // A loop's own copy keeps reference counting on its core; for a large message the
                // copy would cost more than it saves.
                guard fromOtherLoop, shared.frame.readableBytes <= SharedFramingMemo.largestRemembered else {
                    return shared
                }
                return shared.copy(allocator: allocator)
            }
            outbound = .framed(framed)
            bytes = framed.payloadLength
        } else {
            let buffer = message.buffer(for: self.info.serializer, allocator: allocator)
            outbound = .serialized(buffer)
            bytes = buffer.readableBytes
        }
        if case .event = message.message {
            self.send(outbound, bytes: bytes, importance: .event)
        } else {
            self.send(outbound, bytes: bytes, importance: .essential)
        }
    }

    // MARK: Outbound path

    /// Encodes a message for this peer alone, reusing the event loop's scratch array; with a
    /// known framing the prefix goes in front in the same buffer (one buffer, one write).
    private func encode(_ message: WAMPMessage, allocator: ByteBufferAllocator) -> (TransportOutbound, bytes: Int) {
        let scratch = EncodingScratch.current
        scratch.bytes.removeAll(keepingCapacity: true)
        self.serializer.encode(message.wireValue, into: &scratch.bytes)
        guard let framing = self.framing else {
            var buffer = allocator.buffer(capacity: scratch.bytes.count)
            buffer.writeBytes(scratch.bytes)
            return (.serialized(buffer), scratch.bytes.count)
        }
        var buffer = allocator.buffer(capacity: TransportFraming.maxPrefixLength + scratch.bytes.count)
        framing.writePrefix(length: scratch.bytes.count, into: &buffer)
        buffer.writeBytes(scratch.bytes)
        return (.prefixed(buffer), scratch.bytes.count)
    }

    /// Writes now if the channel can take it, otherwise queues within the limits and applies the
    /// realm's slow-consumer policy.
    private func send(
        _ outbound: TransportOutbound, bytes: Int, importance: OutboundQueue<TransportOutbound>.Importance
    ) {
        guard let context = self.context else { return }
        switch self.outbound.offer(
            outbound, bytes: bytes, importance: importance, channelWritable: context.channel.isWritable)
        {
        case .write:
            if !self.writeThroughOutlet(outbound, bytes: bytes) {
                context.write(self.wrapOutboundOut(outbound), promise: nil)
            }
            self.requestFlush()
        case .queued:
            self.peer?.setOverloaded(self.outbound.isFull)
        case .dropped:
            self.statistics.eventDropped()
            if self.outbound.droppedSinceDrained == 1 {
                self.logger.warning(
                    "slow consumer: dropping events until it catches up",
                    metadata: ["queued": "\(self.outbound.count)", "queued_bytes": "\(self.outbound.queuedBytes)"])
            }
        case .disconnect:
            self.statistics.slowConsumerDisconnected()
            self.logger.warning(
                "slow consumer: disconnecting",
                metadata: ["queued": "\(self.outbound.count)", "queued_bytes": "\(self.outbound.queuedBytes)"])
            let abort = WAMPMessage.Abort(
                reason: "junction.error.slow_consumer", message: "the session could not keep up with its messages")
            self.run(self.state.routerAbort(abort), bypassQueue: true)
        }
    }

    /// Writes a message framed here past the transport handler; false if it must take the
    /// pipeline (not framed here, no outlet yet, or refused by the transport).
    private func writeThroughOutlet(_ outbound: TransportOutbound, bytes: Int) -> Bool {
        guard let outlet = self.outlet else { return false }
        switch outbound {
        case .framed(let framed): return outlet.write(framed.frame, payloadLength: bytes)
        case .prefixed(let frame): return outlet.write(frame, payloadLength: bytes)
        case .message, .serialized: return false
        }
    }

    /// Moves queued messages to the channel while it is writable.
    private func drainOutbound() {
        guard let context = self.context else { return }
        var wrote = false
        while let queued = self.outbound.next(channelWritable: context.channel.isWritable) {
            context.write(self.wrapOutboundOut(queued), promise: nil)
            wrote = true
        }
        if wrote { context.flush() }
        if self.outbound.isEmpty {
            self.peer?.setOverloaded(false)
            let dropped = self.outbound.takeDroppedCount()
            if dropped > 0 {
                self.logger.warning("slow consumer caught up", metadata: ["dropped_events": "\(dropped)"])
            }
        }
    }

    private func requestFlush() {
        guard !self.flushPending else { return }
        self.flushPending = true
        // While reading, this connection's own `channelReadComplete` flushes it.
        if !self.reading { self.loop?.flushes.add(self) }
    }

    /// Flushes what was written since the last flush (called by `PendingFlushes`).
    func flushIfPending() {
        guard self.flushPending else { return }
        self.flushPending = false
        self.context?.flush()
    }

    func routerGoodbye(reason: String, message: String?) {
        self.run(self.state.routerGoodbye(reason: reason, message: message))
        if case .closing = self.state.state, let context = self.context {
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            self.goodbyeTimer = context.eventLoop.scheduleTask(in: Self.goodbyeTimeout) {
                loopBound.value.run(loopBound.value.state.closingTimedOut())
            }
        }
    }

    func routerAbort(_ abort: WAMPMessage.Abort) {
        self.logger.warning("session aborted by the router", metadata: ["reason": "\(abort.reason)"])
        self.run(self.state.routerAbort(abort))
    }

    // MARK: Executing actions

    func run(_ action: SessionStateMachine.Action, bypassQueue: Bool = false) {
        switch action {
        case .none:
            break
        case .route(let message, let session):
            guard let realm = self.realm else { return }
            if let mailbox = self.realmMailbox {
                mailbox.post(.route(realm, message, session: session))
            } else {
                realm.receive(message, from: session)
            }
        case .send(let message):
            guard self.context != nil else { return }
            let (outbound, bytes) = self.encode(message, allocator: self.allocator)
            self.send(outbound, bytes: bytes, importance: .essential)
        case .sendAndClose(let message, let leave):
            self.leaveRealm(leave)
            guard let context = self.context else { return }
            // The session is over: whatever is still queued goes first (unless the queue itself is
            // the problem), then the final message, then the transport closes.
            if !bypassQueue {
                while let queued = self.outbound.next(channelWritable: true) {
                    context.write(self.wrapOutboundOut(queued), promise: nil)
                }
            }
            context.writeAndFlush(self.wrapOutboundOut(.message(message)), promise: nil)
            context.close(promise: nil)
        case .close(let leave):
            self.leaveRealm(leave)
            self.context?.close(promise: nil)
        case .leave(let session):
            self.leaveRealm(session)
        case .scheduleHelloTimeout, .welcome, .lookUpLoginFailures, .verifyJWT, .callAuthenticator, .join, .refuse:
            self.runEstablishment(action)
        }
    }

    private func leaveRealm(_ session: UInt64?) {
        guard let session, let realm = self.realm else { return }
        if let mailbox = self.realmMailbox {
            mailbox.post(.leave(realm, session: session))
        } else {
            realm.leave(session: session)
        }
    }
}

@available(*, unavailable)
extension SessionChannelHandler: Sendable {}

/// The array messages for one peer are encoded into before they are copied into a `ByteBuffer`:
/// one per thread (i.e. per event loop), shared by all its connections. A per-connection array
/// kept the capacity of the largest message the connection ever got (WELCOME alone is ~1 KB of
/// JSON) for as long as the session lived.
final class EncodingScratch: @unchecked Sendable {  // only ever used by the thread that owns it
    var bytes: [UInt8] = []

    private static let perThread = ThreadSpecificVariable<EncodingScratch>()

    /// This thread's scratch array.
    static var current: EncodingScratch {
        if let scratch = Self.perThread.currentValue { return scratch }
        let scratch = EncodingScratch()
        Self.perThread.currentValue = scratch
        return scratch
    }
}

/// The realm's thread-safe handle on a `SessionChannelHandler`: hops to the connection's loop.
final class ChannelPeer: PeerConnection {
    private let handler: NIOLoopBound<SessionChannelHandler>
    /// The mailbox of the connection's loop, for messages from realms on other loops.
    private let mailbox: LoopMailbox
    let serializer: SerializerKind
    private let overloaded = Atomic<Bool>(false)

    /// Whether the peer's outbound queue is full; the realm stops sending it new invocations.
    var isOverloaded: Bool { self.overloaded.load(ordering: .relaxed) }

    func setOverloaded(_ value: Bool) {
        self.overloaded.store(value, ordering: .relaxed)
    }

    init(handler: NIOLoopBound<SessionChannelHandler>, mailbox: LoopMailbox, serializer: SerializerKind) {
        self.handler = handler
        self.mailbox = mailbox
        self.serializer = serializer
    }

    func send(_ message: WAMPMessage) {
        self.onLoop({ $0.deliver(message) }, else: .deliver(self.handler, message))
    }

    func send(_ message: SharedMessage) {
        if self.handler.eventLoop.inEventLoop {
            self.handler.value.deliver(message)
        } else {
            self.mailbox.post(message, to: self.handler)
        }
    }

    func goodbye(reason: String, message: String?) {
        self.onLoop(
            { $0.routerGoodbye(reason: reason, message: message) },
            else: .goodbye(self.handler, reason: reason, message: message))
    }

    func abort(_ abort: WAMPMessage.Abort) {
        self.onLoop({ $0.routerAbort(abort) }, else: .abort(self.handler, abort))
    }

    /// Calls straight through on the connection's own loop (with one event loop, or a realm on
    /// the connection's loop, that is every message: nothing allocated); posts to the loop's
    /// mailbox otherwise.
    private func onLoop(_ direct: (SessionChannelHandler) -> Void, else item: @autoclosure () -> LoopMailbox.Item) {
        if self.handler.eventLoop.inEventLoop {
            direct(self.handler.value)
        } else {
            self.mailbox.post(item())
        }
    }
}
