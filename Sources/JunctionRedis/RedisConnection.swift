import NIOCore
import NIOPosix
import NIOSSL
import RESPCore
import Synchronization

/// One connection to a Redis server: commands answered in order, pub/sub as async streams.
///
/// Safe to use from any task; every call hops onto the connection's event loop, where
/// `RedisChannelHandler` runs the pure `RedisConnectionStateMachine`. Commands may be issued
/// concurrently: they are pipelined, and each gets its own reply.
public final class RedisConnection: Sendable {
    private let channel: any Channel
    private let nextSubscriberID = Atomic<UInt64>(0)
    /// The protocol the handshake settled on.
    public let protocolVersion: RedisHandshakeConfiguration.ProtocolVersion
    /// The server's answer to `HELLO 3` (a map with `server`, `version`, `proto`, `id`, ...), if sent.
    public let hello: RESPValue?

    private init(channel: any Channel, ready: RedisConnectionReady) {
        self.channel = channel
        self.protocolVersion = ready.protocolVersion
        self.hello = ready.hello
    }

    /// Opens a TCP connection (with TLS when `configuration.tls` is set) and completes the
    /// handshake (HELLO/AUTH/SELECT) before returning.
    public static func connect(
        _ configuration: RedisConnectionConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RedisConnection {
        let tls = try configuration.tls.map { (try $0.makeContext(), $0.sniName(dialling: configuration.host)) }
        let eventLoop = eventLoopGroup.next()
        let ready = eventLoop.makePromise(of: RedisConnectionReady.self)
        let limits = configuration.limits
        let handshake = configuration.handshake
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(configuration.connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let (context, serverName) = tls {
                            try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        }
                        try sync.addHandler(ByteToMessageHandler(RESPValueDecoder(limits: limits)))
                        try sync.addHandler(RedisChannelHandler(handshake: handshake, ready: ready))
                    }
                }
                .connect(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            ready.fail(error)
            throw error
        }
        do {
            return RedisConnection(channel: channel, ready: try await ready.futureResult.get())
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    /// Sends `command` and returns its reply. An error reply throws `RedisError` with code `.server`;
    /// a connection lost before the reply throws `.connectionClosed`.
    public func send(_ command: RESPCommand) async throws -> RESPValue {
        let reply = self.channel.eventLoop.makePromise(of: RESPValue.self)
        self.channel.writeAndFlush(RedisTask.command(command, reply)).whenFailure { _ in
            reply.fail(RedisError(.connectionClosed, "the connection is closed"))
        }
        return try await reply.futureResult.get()
    }

    /// Writes `command` now and returns its reply's future without suspending. Commands written
    /// one after another from one thread (or under one lock) reach Redis in that order, which an
    /// ordered stream of writes (the cluster's per-node publication path) relies on.
    /// The write is always queued on the connection's loop, also when called on that loop, so
    /// callers on several loops that serialize their calls get that order on the wire.
    public func sendWithoutWaiting(_ command: RESPCommand) -> EventLoopFuture<RESPValue> {
        let reply = self.channel.eventLoop.makePromise(of: RESPValue.self)
        let channel = self.channel
        channel.eventLoop.execute {
            channel.writeAndFlush(RedisTask.command(command, reply)).whenFailure { _ in
                reply.fail(RedisError(.connectionClosed, "the connection is closed"))
            }
        }
        return reply.futureResult
    }

    /// `send(RESPCommand(name, arguments...))`.
    @discardableResult
    public func send(_ name: String, _ arguments: String...) async throws -> RESPValue {
        try await self.send(RESPCommand(name, arguments: arguments))
    }

    /// Subscribes to `channels` and returns their messages once Redis has confirmed every one.
    /// Ending the iteration (or dropping the stream) unsubscribes from channels no other stream
    /// wants; the stream finishes when the connection closes. Messages are buffered without bound
    /// until read.
    public func subscribe(to channels: [String]) async throws -> AsyncStream<RedisPubSubMessage> {
        try await self.subscribe(pattern: false, names: channels)
    }

    /// Like `subscribe(to:)` for glob-style patterns (`PSUBSCRIBE`); messages carry the pattern.
    public func subscribe(toPatterns patterns: [String]) async throws -> AsyncStream<RedisPubSubMessage> {
        try await self.subscribe(pattern: true, names: patterns)
    }

    private func subscribe(pattern: Bool, names: [String]) async throws -> AsyncStream<RedisPubSubMessage> {
        let id = self.nextSubscriberID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: RedisPubSubMessage.self)
        let channel = self.channel
        continuation.onTermination = { _ in
            channel.writeAndFlush(RedisTask.unsubscribe(id: id), promise: nil)
        }
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        let task = RedisTask.subscribe(
            id: id,
            pattern: pattern,
            names: names.map { ByteBuffer(string: $0) },
            continuation,
            reply
        )
        channel.writeAndFlush(task).whenFailure { _ in
            reply.fail(RedisError(.connectionClosed, "the connection is closed"))
        }
        do {
            _ = try await reply.futureResult.get()
        } catch {
            continuation.finish()
            throw error
        }
        return stream
    }

    /// Closes the connection; commands still waiting fail with `.connectionClosed`.
    public func close() async {
        try? await self.channel.close()
    }

    /// Completes when the connection has closed, for whatever reason.
    public var closeFuture: EventLoopFuture<Void> {
        self.channel.closeFuture
    }
}
