import Foundation
import JunctionRouter
import Logging
import NIOCore
import NIOPosix
import WAMPCore

@testable import JunctionServer

/// A live router on ephemeral ports: WebSocket, RawSocket TCP and RawSocket Unix.
struct TestServer {
    let server: JunctionServer
    let group: MultiThreadedEventLoopGroup
    let unixPath: String

    var webSocket: SocketAddress { self.server.boundAddresses[0] }
    var rawSocket: SocketAddress { self.server.boundAddresses[1] }
    var unix: SocketAddress { self.server.boundAddresses[2] }

    /// Starts a router with `eventLoops` loops (2 by default, so cross-loop routing is exercised).
    static func start(eventLoops: Int = 2, realms: [RealmConfiguration] = [.openRealm(named: "realm1")])
        async throws -> TestServer
    {
        let unixPath = NSTemporaryDirectory() + "junction-test-\(UInt32.random(in: 0...UInt32.max)).sock"
        var configuration = JunctionConfiguration(
            realms: realms,
            transports: [
                .webSocket(.init(host: "127.0.0.1", port: 0, path: "/ws")),
                .rawSocket(.init(endpoint: .tcp(host: "127.0.0.1", port: 0))),
                .rawSocket(.init(endpoint: .unix(path: unixPath))),
            ])
        configuration.eventLoops = eventLoops
        var logger = Logger(label: "test-router")
        logger.logLevel = .critical
        let server = try await JunctionServer.start(configuration: configuration, logger: logger)
        return TestServer(
            server: server, group: MultiThreadedEventLoopGroup(numberOfThreads: 1), unixPath: unixPath)
    }

    func stop() async {
        await self.server.shutdown()
        try? await self.group.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: self.unixPath)
    }
}

/// Runs `body` against a fresh router and always stops it.
func withTestServer(
    eventLoops: Int = 2, _ body: (TestServer) async throws -> Void
) async throws {
    let server = try await TestServer.start(eventLoops: eventLoops)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}
