import JunctionRouter
import JunctionTransport
import Logging
import NIOCore
import WAMPCore

/// The outbound half of a session's connection: encodes what the router sends (a shared message
/// once per `EncodingKey`, through the loop's memo), writes it past the transport handler when it
/// may, queues it within limits while the channel is not writable, and batches flushes per read
/// and per loop tick.
///
/// Owned by the connection's handler, which passes its context in; used on its event loop only.
/// A class, not a struct held in the handler: a write or a flush can call back into the handler
/// (writability changes, the channel closing) while a struct's mutating method still holds
/// exclusive access to it.
final class SessionOutbound {
    /// What the handler does after a message was sent.
    enum Outcome {
        /// Nothing: queued, dropped (counted and logged here), or written with a flush already due.
        case done
        /// Written: register for the loop tick's flush (`PendingFlushes`).
        case flushDue
        /// The queue cannot take it: the session must end (ABORT past the queue).
        case overflowed
    }

    /// The ABORT that ends a session whose queue overflowed.
    static let overflowAbort = WAMPMessage.Abort(
        reason: "junction.error.slow_consumer", message: "the session could not keep up with its messages")

    private var queue: OutboundQueue<TransportOutbound>
    private let statistics: ServerStatistics
    /// The loop's counters (messages out by type); set when the handler is added.
    var counters: RouterCounters?
    /// The serializer's kind rather than the serializer: the serializers are stateless, and an
    /// existential kept per connection cost 40 bytes.
    private let serializer: SerializerKind
    /// How this transport frames a message, when the session layer may frame it itself.
    private let framing: TransportFraming?
    /// The shared encoding this connection writes (nil: batched WebSocket, which takes bytes).
    private let encodingKey: EncodingKey?
    /// Where messages framed here are written once the session is established (past the
    /// transport handler; see `FrameOutlet`).
    var outlet: FrameOutlet?
    /// The channel's allocator, fetched once (`channel.allocator` checks the thread and retains
    /// on every call).
    var allocator = ByteBufferAllocator()
    /// A flush is due at the end of this connection's read or of the loop tick (see
    /// `PendingFlushes`): many messages for one peer leave in one system call.
    private var flushPending = false
    /// Between `channelRead` and `channelReadComplete`: the read's end flushes.
    var reading = false

    /// The transport flushes on close (`TransportInfo.flushesOnClose`): `sendFinal` need not.
    private let flushesOnClose: Bool

    init(info: TransportInfo, limits: Limits, statistics: ServerStatistics) {
        self.statistics = statistics
        self.serializer = info.serializer
        self.framing = info.framing
        self.flushesOnClose = info.flushesOnClose
        self.encodingKey = info.framing.map { TransportEncodings.key(serializer: info.serializer, framing: $0) }
        self.queue = OutboundQueue(
            maxMessages: limits.outboundQueueMessages, maxBytes: limits.outboundQueueBytes, policy: .drop)
    }

    /// Applies the joined realm's slow-consumer policy (before anything is queued).
    func limit(_ limits: Limits, policy: SlowConsumerPolicy) {
        self.queue = OutboundQueue(
            maxMessages: limits.outboundQueueMessages, maxBytes: limits.outboundQueueBytes, policy: policy)
    }

    /// Sends a message for this peer alone. `logger`: evaluated only to log a slow consumer.
    func send(_ message: WAMPMessage, context: ChannelHandlerContext, logger: @autoclosure () -> Logger) -> Outcome {
        self.counters?.messagesOut.count(message.type)
        let (outbound, bytes) = self.encode(message)
        return self.send(outbound, bytes: bytes, importance: .essential, context: context, logger: logger)
    }

    /// Sends a message shared with other receivers. `fromOtherLoop`: it came through the mailbox
    /// from a realm on another loop, so this loop frames its own copy of the bytes.
    func send(
        _ message: SharedMessage, fromOtherLoop: Bool, memo: SharedEncodingMemo, context: ChannelHandlerContext,
        logger: @autoclosure () -> Logger
    ) -> Outcome {
        self.counters?.messagesOut.count(message.message.type)
        let allocator = self.allocator
        let outbound: TransportOutbound
        let bytes: Int
        if let framing = self.framing, let key = self.encodingKey {
            // Encoded and framed once per encoding key, then shared; the loop's memo saves every
            // later receiver on this loop the message's lock.
            let framed: FramedMessage = memo.encoded(message, key: key) {
                let shared = message.encoded(for: key, allocator: allocator) {
                    FramedMessage(framing: framing, payload: $0, allocator: allocator)
                }
                // A loop's own copy keeps reference counting on its core; for a large message the
                // copy would cost more than it saves.
                let size = shared.frame.readableBytes
                guard fromOtherLoop, size <= SharedEncodingMemo.largestRemembered else { return (shared, size) }
                return (shared.copy(allocator: allocator), size)
            }
            outbound = .framed(framed)
            bytes = framed.payloadLength
        } else {
            let buffer = message.buffer(for: self.serializer, allocator: allocator)
            outbound = .serialized(buffer)
            bytes = buffer.readableBytes
        }
        if case .event = message.message {
            return self.send(outbound, bytes: bytes, importance: .event, context: context, logger: logger)
        }
        return self.send(outbound, bytes: bytes, importance: .essential, context: context, logger: logger)
    }

    /// Encodes a message for this peer alone, reusing the event loop's scratch array; with a
    /// known framing the prefix goes in front in the same buffer (one buffer, one write).
    private func encode(_ message: WAMPMessage) -> (TransportOutbound, bytes: Int) {
        let scratch = EncodingScratch.current
        scratch.bytes.removeAll(keepingCapacity: true)
        self.serializer.serializer.encode(message.wireValue, into: &scratch.bytes)
        guard let framing = self.framing else {
            var buffer = self.allocator.buffer(capacity: scratch.bytes.count)
            buffer.writeBytes(scratch.bytes)
            return (.serialized(buffer), scratch.bytes.count)
        }
        var buffer = self.allocator.buffer(capacity: TransportFraming.maxPrefixLength + scratch.bytes.count)
        framing.writePrefix(length: scratch.bytes.count, into: &buffer)
        buffer.writeBytes(scratch.bytes)
        return (.prefixed(buffer), scratch.bytes.count)
    }

    /// Writes now if the channel can take it, otherwise queues within the limits and applies the
    /// realm's slow-consumer policy.
    private func send(
        _ outbound: TransportOutbound, bytes: Int, importance: OutboundQueue<TransportOutbound>.Importance,
        context: ChannelHandlerContext, logger: () -> Logger
    ) -> Outcome {
        switch self.queue.offer(
            outbound, bytes: bytes, importance: importance, channelWritable: context.channel.isWritable)
        {
        case .write:
            if !self.writeThroughOutlet(outbound, bytes: bytes) {
                context.write(NIOAny(outbound), promise: nil)
            }
            return self.requestFlush() ? .flushDue : .done
        case .queued:
            return .done
        case .dropped:
            self.statistics.eventDropped()
            if self.queue.droppedSinceDrained == 1 {
                logger().warning(
                    "slow consumer: dropping events until it catches up",
                    metadata: ["queued": "\(self.queue.count)", "queued_bytes": "\(self.queue.queuedBytes)"])
            }
            return .done
        case .disconnect:
            self.statistics.slowConsumerDisconnected()
            logger().warning(
                "slow consumer: disconnecting",
                metadata: ["queued": "\(self.queue.count)", "queued_bytes": "\(self.queue.queuedBytes)"])
            return .overflowed
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

    /// Marks a flush as due; true if the caller must register with the loop's `PendingFlushes`
    /// (while reading, the read's end flushes).
    private func requestFlush() -> Bool {
        guard !self.flushPending else { return false }
        self.flushPending = true
        return !self.reading
    }

    /// Moves queued messages to the channel while it is writable.
    func drain(context: ChannelHandlerContext, logger: @autoclosure () -> Logger) {
        var wrote = false
        while let queued = self.queue.next(channelWritable: context.channel.isWritable) {
            context.write(NIOAny(queued), promise: nil)
            wrote = true
        }
        if wrote { context.flush() }
        guard self.queue.isEmpty else { return }
        let dropped = self.queue.takeDroppedCount()
        if dropped > 0 { logger().warning("slow consumer caught up", metadata: ["dropped_events": "\(dropped)"]) }
    }

    /// Flushes what was written since the last flush.
    func flushIfPending(context: ChannelHandlerContext?) {
        guard self.flushPending else { return }
        self.flushPending = false
        context?.flush()
    }

    /// Writes the session's last message and closes: whatever is still queued goes first
    /// (unless `bypassQueue`: the queue itself is the problem).
    func sendFinal(_ message: WAMPMessage, bypassQueue: Bool, context: ChannelHandlerContext) {
        self.counters?.messagesOut.count(message.type)
        if !bypassQueue {
            while let queued = self.queue.next(channelWritable: true) {
                context.write(NIOAny(queued), promise: nil)
            }
        }
        if self.flushesOnClose {
            // One system call for the message and the transport's closing frame.
            context.write(NIOAny(TransportOutbound.message(message)), promise: nil)
        } else {
            context.writeAndFlush(NIOAny(TransportOutbound.message(message)), promise: nil)
        }
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension SessionOutbound: Sendable {}
