import NIOCore
import RESPCore

/// What `RedisConnection` asks of its channel; written into the pipeline from any thread.
enum RedisTask {
    case command(RESPCommand, EventLoopPromise<RESPValue>)
    /// Route messages for `names` (patterns if `pattern`) to `continuation` and subscribe to them.
    case subscribe(
        id: UInt64,
        pattern: Bool,
        names: [ByteBuffer],
        AsyncStream<RedisPubSubMessage>.Continuation,
        EventLoopPromise<RESPValue>
    )
    /// Stop routing to subscriber `id`; unsubscribe from names no other subscriber wants.
    case unsubscribe(id: UInt64)
}

/// Who waits for a reply: a caller, or nobody (an unsubscribe the handler sent on its own).
enum RedisRequest: Sendable {
    case promise(EventLoopPromise<RESPValue>)
    case ignored
}

/// The handshake's outcome, for `RedisConnection.connect`.
struct RedisConnectionReady: Sendable {
    var protocolVersion: RedisHandshakeConfiguration.ProtocolVersion
    var hello: RESPValue?
}

/// Runs `RedisConnectionStateMachine` on a channel: feeds it values and tasks, performs its actions,
/// and keeps the table of pub/sub subscribers (which stream gets which channel's messages).
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisTask
    typealias OutboundOut = ByteBuffer

    private struct Subscriber {
        var pattern: Bool
        var names: [ByteBuffer]
        var continuation: AsyncStream<RedisPubSubMessage>.Continuation
    }

    private var state: RedisConnectionStateMachine<RedisRequest>
    private let ready: EventLoopPromise<RedisConnectionReady>
    private var subscribers: [UInt64: Subscriber] = [:]
    private var channelSubscribers: [ByteBuffer: [UInt64]] = [:]
    private var patternSubscribers: [ByteBuffer: [UInt64]] = [:]

    init(handshake: RedisHandshakeConfiguration, ready: EventLoopPromise<RedisConnectionReady>) {
        self.state = RedisConnectionStateMachine(configuration: handshake)
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        self.run(self.state.connected(), context: context, flush: true)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.run(self.state.receivedValue(self.unwrapInboundIn(data)), context: context, flush: true)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parsing = error as? RESPParsingError {
            self.run(self.state.parsingFailed(parsing), context: context, flush: false)
        } else {
            // A TLS or socket error during the handshake is the reason `connect` reports (a no-op
            // once the handshake completed).
            self.ready.fail(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.run(self.state.connectionClosed(), context: context, flush: false)
        self.ready.fail(RedisError(.connectionClosed, "the connection closed during the handshake"))
        let subscribers = self.subscribers.values
        self.subscribers.removeAll()
        self.channelSubscribers.removeAll()
        self.patternSubscribers.removeAll()
        for subscriber in subscribers {
            subscriber.continuation.finish()
        }
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        promise?.succeed()
        switch self.unwrapOutboundIn(data) {
        case .command(let command, let reply):
            self.run(self.state.sendCommand(command, request: .promise(reply)), context: context, flush: false)
        case .subscribe(let id, let pattern, let names, let continuation, let reply):
            self.subscribers[id] = Subscriber(pattern: pattern, names: names, continuation: continuation)
            for name in names {
                self.modifyIndex(pattern: pattern) { $0[name, default: []].append(id) }
            }
            let command = RESPCommand(arguments: [ByteBuffer(string: pattern ? "PSUBSCRIBE" : "SUBSCRIBE")] + names)
            self.run(self.state.sendCommand(command, request: .promise(reply)), context: context, flush: false)
        case .unsubscribe(let id):
            guard let subscriber = self.subscribers.removeValue(forKey: id) else {
                return
            }
            var orphaned: [ByteBuffer] = []
            for name in subscriber.names {
                self.modifyIndex(pattern: subscriber.pattern) { index in
                    index[name]?.removeAll(where: { $0 == id })
                    if index[name]?.isEmpty == true {
                        index[name] = nil
                        orphaned.append(name)
                    }
                }
            }
            guard !orphaned.isEmpty, self.state.protocolVersion != nil else {
                return
            }
            let name = ByteBuffer(string: subscriber.pattern ? "PUNSUBSCRIBE" : "UNSUBSCRIBE")
            self.run(
                self.state.sendCommand(RESPCommand(arguments: [name] + orphaned), request: .ignored),
                context: context,
                flush: true
            )
        }
    }

    private func modifyIndex(pattern: Bool, _ body: (inout [ByteBuffer: [UInt64]]) -> Void) {
        if pattern {
            body(&self.patternSubscribers)
        } else {
            body(&self.channelSubscribers)
        }
    }

    private func run(
        _ action: RedisConnectionStateMachine<RedisRequest>.Action,
        context: ChannelHandlerContext,
        flush: Bool
    ) {
        switch action {
        case .none:
            break
        case .write(let command):
            var buffer = context.channel.allocator.buffer(capacity: 64)
            buffer.writeRESPCommand(command)
            context.write(self.wrapOutboundOut(buffer), promise: nil)
            if flush {
                context.flush()
            }
        case .ready(let version, let hello):
            self.ready.succeed(RedisConnectionReady(protocolVersion: version, hello: hello))
        case .succeed(let request, let value):
            if case .promise(let promise) = request {
                promise.succeed(value)
            }
        case .fail(let request, let error):
            if case .promise(let promise) = request {
                promise.fail(error)
            }
        case .deliver(let message):
            let ids =
                message.pattern.map { self.patternSubscribers[$0] ?? [] } ?? self.channelSubscribers[message.channel]
                ?? []
            for id in ids {
                self.subscribers[id]?.continuation.yield(message)
            }
        case .closeAndFail(let requests, let error):
            self.ready.fail(error)
            for case .promise(let promise) in requests {
                promise.fail(error)
            }
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension RedisChannelHandler: Sendable {}
