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
/// canned REGISTERED/SUBSCRIBED, PUBLISH with an EVENT carrying the publication's arguments to
/// every subscriber (one topic for all, framed once) plus PUBLISHED if `acknowledge` is set,
/// GOODBYE with GOODBYE. A CALL depends on `rpc`:
/// - `echo` (default): answered at once with a RESULT carrying the call's own arguments — 2
///   frames per call where a router handles 4, so the RPC ceiling is not comparable to a router's.
/// - `relay`: forwarded as INVOCATION to a registered callee (round robin over every connection
///   that sent REGISTER, whatever the procedure), whose YIELD goes back to the caller as RESULT —
///   the same 4 frames a router handles, argument bytes copied, not decoded. No callee of the
///   caller's serializer → ERROR `wamp.error.no_such_procedure`. The only state is the callee
///   list and the invocation table (`RelayTable`); calls in flight to a callee that closes are
///   dropped, not answered with an ERROR.
///
/// What it does not: validate anything beyond the message type and the ids it reads, match URIs
/// (procedures or topics), realms, authorization, registration options, progressive results,
/// cancellation, timeouts, batched WebSocket. With `rawSocketPort` it also serves the same over
/// RawSocket (any serializer the client asks for).
struct BaselineServer {
    var host: String
    var port: Int
    var rawSocketPort: Int?
    var threads: Int
    var rpc: BaselineRPCMode = .echo

    func run() throws {
        let server = try self.start()
        defer { server.shutdown() }
        print("baseline-server listening on ws://\(self.host):\(server.webSocketPort)/ (any path), rpc \(self.rpc)")
        if let port = server.rawSocketPort { print("baseline-server listening on rs://\(self.host):\(port)") }
        fflush(nil)
        try server.webSocket.closeFuture.wait()
    }

    /// Binds the listeners and returns at once; port 0 picks a free port (tests read it back).
    func start() throws -> RunningBaselineServer {
        let address = try SocketAddress.makeAddressResolvingHost(self.host, port: self.port)
        guard BenchTarget.isLoopback(address) else {
            throw BenchTargetError("the baseline server only listens on loopback, not \(address)")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, self.threads))
        do {
            return try self.start(on: group, address: address)
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    private func start(on group: MultiThreadedEventLoopGroup, address: SocketAddress) throws -> RunningBaselineServer {
        let loops = Array(group.makeIterator())
        var entries: [BaselineHubs.Entry] = []
        var relayEntries: [BaselineRelays.Entry] = []
        for (index, loop) in loops.enumerated() {
            entries.append(
                try loop.submit { BaselineHubs.Entry(loop: loop, hub: NIOLoopBound(BaselineHub(), eventLoop: loop)) }
                    .wait())
            guard self.rpc == .relay else { continue }
            relayEntries.append(
                try loop.submit {
                    BaselineRelays.Entry(
                        loop: loop,
                        relay: NIOLoopBound(BaselineRelay(loopIndex: index, loopCount: loops.count), eventLoop: loop))
                }.wait())
        }
        let hubs = BaselineHubs(entries: entries)
        let relays = self.rpc == .relay ? BaselineRelays(entries: relayEntries) : nil
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (
                            upgraders: [Self.upgrader(hubs: hubs, relays: relays)], completionHandler: { _ in }
                        ))
                }
            }
            .bind(to: address).wait()
        var rawChannel: (any Channel)?
        if let rawSocketPort = self.rawSocketPort {
            let rawAddress = try SocketAddress.makeAddressResolvingHost(self.host, port: rawSocketPort)
            let raw = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 4096)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            BaselineRawSocketHandler(hubs: hubs, relays: relays))
                    }
                }
                .bind(to: rawAddress).wait()
            rawChannel = raw
        }
        return RunningBaselineServer(
            group: group, webSocket: channel, rawSocket: rawChannel,
            webSocketPort: channel.localAddress?.port ?? self.port,
            rawSocketPort: rawChannel.map { $0.localAddress?.port ?? self.rawSocketPort ?? 0 }, relays: relays)
    }

    private static func upgrader(hubs: BaselineHubs, relays: BaselineRelays?) -> NIOWebSocketServerUpgrader {
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
                            relays: relays, outlet: outletContext),
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

/// How the baseline answers a CALL (`--rpc`); see `BaselineServer`.
enum BaselineRPCMode: String, CaseIterable, Sendable {
    /// CALL → RESULT at once (2 frames per call).
    case echo
    /// CALL → INVOCATION to a callee, YIELD → RESULT to the caller (4 frames per call, like a router).
    case relay
}

/// A started baseline server: its bound ports (the real ones when asked for port 0).
struct RunningBaselineServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let webSocket: any Channel
    let rawSocket: (any Channel)?
    let webSocketPort: Int
    let rawSocketPort: Int?
    /// The relay state in relay mode (tests look into it), nil in echo mode.
    let relays: BaselineRelays?

    /// Closes the listeners and stops the event loops (open connections are closed with them).
    func shutdown() {
        try? self.webSocket.close().wait()
        try? self.rawSocket?.close().wait()
        try? self.group.syncShutdownGracefully()
    }
}

/// A do-nothing handler at the socket end of the pipeline: writing through its context sends
/// bytes that skip the WebSocket frame encoder (the baseline frames its replies itself).
final class RawOutlet: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
}

@available(*, unavailable)
extension RawOutlet: Sendable {}
