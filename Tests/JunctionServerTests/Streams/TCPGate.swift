import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP forwarder between a client and the router that a test can shut: `close()` drops every
/// forwarded connection and refuses new ones until `open()`, so "the subscriber is offline" lasts
/// exactly as long as the test wants, while the router keeps running.
final class TCPGate: Sendable {
    let group: MultiThreadedEventLoopGroup
    private let listener: any Channel
    private let state = NIOLockedValueBox<(open: Bool, channels: [any Channel])>((true, []))

    var port: Int { self.listener.localAddress?.port ?? 0 }

    init(forwardingTo target: SocketAddress) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        let state = self.state
        self.listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                let admitted = state.withLockedValue { state -> Bool in
                    guard state.open else { return false }
                    state.channels.append(inbound)
                    return true
                }
                guard admitted else { return inbound.close() }
                // The accepted channel is registered (and starts reading) only once this future
                // completes, so nothing it receives can arrive before the forwarder is in place.
                return ClientBootstrap(group: inbound.eventLoop).connect(to: target).flatMap { outbound in
                    state.withLockedValue { $0.channels.append(outbound) }
                    return outbound.pipeline.addHandler(Forward(to: inbound)).flatMap {
                        inbound.pipeline.addHandler(Forward(to: outbound))
                    }
                }.flatMapError { _ in inbound.close() }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Drops every connection and refuses new ones.
    func close() async {
        let channels = self.state.withLockedValue { state -> [any Channel] in
            state.open = false
            defer { state.channels = [] }
            return state.channels
        }
        for channel in channels { try? await channel.close() }
    }

    func open() {
        self.state.withLockedValue { $0.open = true }
    }

    func shutdown() async {
        await self.close()
        try? await self.listener.close()
        try? await self.group.shutdownGracefully()
    }

    /// Writes what one side reads to the other; closing one closes both.
    private final class Forward: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let peer: any Channel

        init(to peer: any Channel) {
            self.peer = peer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = Self.unwrapInboundIn(data)
            self.peer.writeAndFlush(buffer, promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.peer.close(promise: nil)
            context.fireChannelInactive()
        }
    }
}
