#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import WAMPCore

/// A bare SwiftNIO WebSocket server that speaks just enough WAMP for the load generator: the
/// ceiling any NIO-based router could reach on this machine, i.e. the transport's own cost.
///
/// What it does: upgrades on any path, echoing the first of `wamp.2.json`, `wamp.2.msgpack`,
/// `wamp.2.cbor` the client offers; answers HELLO with a canned WELCOME, REGISTER/SUBSCRIBE with
/// canned REGISTERED/SUBSCRIBED, CALL with a RESULT carrying the call's own arguments, PUBLISH
/// with an EVENT carrying the publication's arguments to every subscriber (one topic for all,
/// framed once) plus PUBLISHED if `acknowledge` is set, GOODBYE with GOODBYE.
/// What it does not: validate anything beyond the message type and request id, route CALLs to
/// callees (a CALL is answered directly, so an RPC costs it 2 frames instead of a router's 4),
/// topics, realms, authorization, batched WebSocket. With `rawSocketPort` it also serves the
/// same over RawSocket (any serializer the client asks for).
struct BaselineServer {
    var host: String
    var port: Int
    var rawSocketPort: Int?
    var threads: Int

    func run() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, self.threads))
        defer { try? group.syncShutdownGracefully() }
        var entries: [BaselineHubs.Entry] = []
        for loop in group.makeIterator() {
            entries.append(
                try loop.submit { BaselineHubs.Entry(loop: loop, hub: NIOLoopBound(BaselineHub(), eventLoop: loop)) }
                    .wait())
        }
        let hubs = BaselineHubs(entries: entries)
        let address = try SocketAddress.makeAddressResolvingHost(self.host, port: self.port)
        guard BenchTarget.isLoopback(address) else {
            throw BenchTargetError("the baseline server only listens on loopback, not \(address)")
        }
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [Self.upgrader(hubs: hubs)], completionHandler: { _ in }))
                }
            }
            .bind(to: address).wait()
        print("baseline-server listening on ws://\(self.host):\(channel.localAddress?.port ?? self.port)/ (any path)")
        var rawChannel: (any Channel)?
        if let rawSocketPort = self.rawSocketPort {
            let rawAddress = try SocketAddress.makeAddressResolvingHost(self.host, port: rawSocketPort)
            let raw = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 4096)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(BaselineRawSocketHandler(hubs: hubs))
                    }
                }
                .bind(to: rawAddress).wait()
            print("baseline-server listening on rs://\(self.host):\(raw.localAddress?.port ?? rawSocketPort)")
            rawChannel = raw
        }
        fflush(nil)
        try channel.closeFuture.wait()
        try rawChannel?.close().wait()
    }

    private static func upgrader(hubs: BaselineHubs) -> NIOWebSocketServerUpgrader {
        NIOWebSocketServerUpgrader(
            maxFrameSize: 16 << 20,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                guard let kind = Self.negotiate(head) else { return channel.eventLoop.makeSucceededFuture(nil) }
                return channel.eventLoop.makeSucceededFuture(
                    HTTPHeaders([("Sec-WebSocket-Protocol", kind.webSocketSubprotocol)]))
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    guard let kind = Self.negotiate(head) else { throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget }
                    let sync = channel.pipeline.syncOperations
                    // Replies are pre-framed: they are written below the frame encoder.
                    let outlet = RawOutlet()
                    try sync.addHandler(outlet, position: .first)
                    let outletContext = try sync.context(handler: outlet)
                    try sync.addHandlers([
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64,
                            maxAccumulatedFrameSize: 16 << 20),
                        BaselineWebSocketAdapter(outlet: outletContext),
                        BaselineHandler(
                            serializer: kind, framing: .webSocket(opcode: kind == .json ? 0x1 : 0x2), hubs: hubs,
                            outlet: outletContext),
                    ])
                }
            })
    }

    /// The first WAMP subprotocol (unbatched) among those the client offers.
    private static func negotiate(_ head: HTTPRequestHead) -> SerializerKind? {
        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map { $0.lowercased() }
        for name in offered {
            if let kind = SerializerKind.allCases.first(where: { $0.webSocketSubprotocol == name }) { return kind }
        }
        return nil
    }
}

/// A do-nothing handler at the socket end of the pipeline: writing through its context sends
/// bytes that skip the WebSocket frame encoder (the baseline frames its replies itself).
final class RawOutlet: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
}

@available(*, unavailable)
extension RawOutlet: Sendable {}
