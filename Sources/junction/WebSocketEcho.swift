import ArgumentParser
import Foundation
import JunctionTransport
import NIOCore
import NIOPosix

/// `junction ws-echo`: a WebSocket echo server built from the WAMP pipeline's own WebSocket code,
/// for Autobahn|Testsuite (`scripts/wstest.sh`). Hidden from `--help`: it is a test fixture.
///
/// It differs from the WAMP listener only in what a message means (`WebSocketEchoCodec` sends it
/// back) and in limits Autobahn needs: case 9 sends 16 MiB messages and up to 65 536 fragments.
struct WebSocketEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ws-echo",
        abstract: "WebSocket echo server on the WAMP pipeline's WebSocket code (for conformance tests).",
        shouldDisplay: false
    )

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "TCP port (0 picks a free one; the bound port is printed).")
    var port = 9001

    @Option(name: .long, help: "HTTP path that upgrades.")
    var path = "/"

    @Option(name: .long, help: "Largest message accepted, bytes.")
    var maxMessageSize = 32 << 20

    @Option(name: .long, help: "Most fragments one message may have.")
    var maxFragments = 1 << 20

    func run() async throws {
        let configuration = WebSocketConfiguration(
            path: self.path,
            maxMessageSize: self.maxMessageSize,
            maxFragmentsPerMessage: self.maxFragments
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureWebSocketEchoServer(configuration: configuration)
                }
            }
            .bind(host: self.host, port: self.port).get()
        let line = "ws-echo listening on ws://\(self.host):\(channel.localAddress?.port ?? self.port)\(self.path)\n"
        // Unbuffered: scripts wait for this line on a redirected stdout, where `print` would buffer it.
        FileHandle.standardOutput.write(Data(line.utf8))
        try await channel.closeFuture.get()
    }
}
