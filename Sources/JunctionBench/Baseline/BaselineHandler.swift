import NIOCore
import WAMPCore

/// One baseline connection (WebSocket or RawSocket): answers just enough WAMP for the load
/// generator's scenarios, reading only the message type and request id of each message.
///
/// Replies are written as complete, pre-framed frames through `outlet` (below any NIO encoder),
/// so an EVENT is framed once and the same bytes are shared by all subscribers.
///
/// With `relays` (`--rpc relay`) a CALL is forwarded to a callee and its YIELD back to the
/// caller (see `BaselineRelays`); without, a CALL is answered at once with a RESULT (`echo`).
final class BaselineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let replies: BaselineReplies
    private let framing: BaselineFraming
    private let hubs: BaselineHubs
    private var hub: BaselineHub?
    /// Set in relay mode only.
    private let relays: BaselineRelays?
    private var relay: BaselineRelay?
    /// This connection as other loops' relays hold it; set in relay mode while the connection is
    /// open (it refers back to this handler, so it is cleared on close).
    private var relayAddress: RelayPeer.Address?
    private var isCallee = false
    private var hasCalled = false
    private var context: ChannelHandlerContext?
    /// Where replies are written: below the frame encoder (see `RawOutlet`).
    private var outlet: ChannelHandlerContext?
    private var pendingFlush = false
    private var lastPublication: UInt64 = 0
    private static let sessionIDs = SessionIDSource()

    init(
        serializer: SerializerKind, framing: BaselineFraming, hubs: BaselineHubs, relays: BaselineRelays?,
        outlet: ChannelHandlerContext
    ) {
        self.replies = BaselineReplies.all[serializer]!
        self.framing = framing
        self.hubs = hubs
        self.relays = relays
        self.outlet = outlet
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.hub = self.hubs.hub(for: context.eventLoop)
        if let relays = self.relays, let index = relays.index(of: context.eventLoop) {
            self.relay = relays.entries[index].relay.value
            self.relayAddress = RelayPeer.Address(
                id: ObjectIdentifier(self), loopIndex: index, kind: self.replies.kind, framing: self.framing,
                handler: NIOLoopBound(self, eventLoop: context.eventLoop))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.hub?.remove(self)
        self.context = nil
        self.outlet = nil
        if let relays = self.relays, let address = self.relayAddress {
            if self.isCallee { relays.removeCallee(address) }
            if self.hasCalled { relays.dropCalls(from: address) }
        }
        self.relayAddress = nil
        context.fireChannelInactive()
    }

    /// False once the connection closed (relay tasks from other loops check it).
    var isOpen: Bool { self.outlet != nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = self.unwrapInboundIn(data)
        do {
            try message.withUnsafeReadableBytes { bytes throws(ScanError) in
                try self.handle(bytes, context: context)
            }
        } catch {
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.hub?.flush()
        self.relay?.flush()
        self.flushNow()
    }

    private func handle(_ bytes: UnsafeRawBufferPointer, context: ChannelHandlerContext) throws(ScanError) {
        var scanner = WireScanner(self.replies.kind, bytes)
        let count = try scanner.enterList() ?? 0
        let type = try scanner.uint()
        switch type {
        case MessageType.hello.rawValue:
            let session = Self.sessionIDs.next()
            self.write(template: self.replies.welcome, session, context: context)
        case MessageType.register.rawValue:
            let request = try scanner.uint()
            if let relays = self.relays, let address = self.relayAddress, !self.isCallee {
                self.isCallee = true
                relays.addCallee(address)
            }
            self.write(template: self.replies.registered, request, context: context)
        case MessageType.subscribe.rawValue:
            self.hub?.add(self)
            self.write(template: self.replies.subscribed, try scanner.uint(), context: context)
        case MessageType.call.rawValue:
            // [CALL, Request, Options, Procedure, Args?, KwArgs?] → [RESULT, Request, {}, Args?, KwArgs?]
            let request = try scanner.uint()
            try scanner.skip()
            try scanner.skip()
            let tail = scanner.remainder
            if let relay = self.relay {
                self.relayCall(
                    request: request, tail: tail, tailCount: max(0, count - 4), relay: relay, context: context)
                break
            }
            self.write(context: context) { buffer in
                self.replies.withTail(
                    type: MessageType.result.rawValue, id: request, extra: nil, tail: tail,
                    tailCount: max(0, count - 4), into: &buffer)
            }
        case MessageType.publish.rawValue:
            // [PUBLISH, Request, Options, Topic, Args?, KwArgs?] → [EVENT, 1, Publication, {}, Args?, KwArgs?]
            let request = try scanner.uint()
            let acknowledge = try scanner.dictHasTrue("acknowledge")
            try scanner.skip()
            self.lastPublication += 1
            let publication = self.lastPublication
            let tail = scanner.remainder
            let event = self.framing.frame(allocator: context.channel.allocator) { buffer in
                self.replies.withTail(
                    type: MessageType.event.rawValue, id: 1, extra: publication, tail: tail,
                    tailCount: max(0, count - 4), into: &buffer)
            }
            self.hubs.publish(event, from: context.eventLoop)
            if acknowledge {
                self.write(template: self.replies.published, request, publication, context: context)
            }
        case MessageType.yield.rawValue:
            // [YIELD, Invocation, Options, Args?, KwArgs?] → [RESULT, Request, {}, Args?, KwArgs?] to the caller
            guard let relays = self.relays, let relay = self.relay else { break }
            let invocation = try scanner.uint()
            try scanner.skip()
            relays.yield(
                invocation: invocation, tail: scanner.remainder, tailCount: max(0, count - 3),
                from: ObjectIdentifier(self), replies: self.replies, relay: relay, allocator: context.channel.allocator)
        case MessageType.goodbye.rawValue:
            self.write(context: context) { $0.writeBytes(self.replies.goodbye) }
        default:
            break  // UNSUBSCRIBE, UNREGISTER, ...: not needed by the scenarios
        }
    }

    /// [CALL, Request, Options, Procedure, Args?, KwArgs?] → [INVOCATION, Invocation, 1, {}, Args?, KwArgs?]
    /// to the next callee; with none, ERROR `wamp.error.no_such_procedure` to the caller.
    private func relayCall(
        request: UInt64, tail: UnsafeRawBufferPointer, tailCount: Int, relay: BaselineRelay,
        context: ChannelHandlerContext
    ) {
        guard let relays = self.relays, let address = self.relayAddress else { return }
        self.hasCalled = true
        let forwarded = relays.call(
            request: request, tail: tail, tailCount: tailCount, from: RelayPeer(local: self, address: address),
            replies: self.replies, relay: relay, allocator: context.channel.allocator)
        if !forwarded {
            self.write(template: self.replies.noSuchProcedure, request, context: context)
        }
    }

    /// Queues a frame for this connection; true if the connection now needs a flush.
    func writeWithoutFlush(_ frame: ByteBuffer) -> Bool {
        guard let outlet = self.outlet else { return false }
        outlet.write(self.wrapOutboundOut(frame), promise: nil)
        defer { self.pendingFlush = true }
        return !self.pendingFlush
    }

    func flushNow() {
        guard self.pendingFlush, let outlet = self.outlet else { return }
        self.pendingFlush = false
        outlet.flush()
    }

    private func write(template: MessageTemplate, _ s0: UInt64, _ s1: UInt64 = 0, context: ChannelHandlerContext) {
        self.write(context: context) { template.write(into: &$0, s0, s1) }
    }

    private func write(context: ChannelHandlerContext, _ body: (inout ByteBuffer) -> Void) {
        _ = self.writeWithoutFlush(self.framing.frame(allocator: context.channel.allocator, body))
    }
}

@available(*, unavailable)
extension BaselineHandler: Sendable {}
