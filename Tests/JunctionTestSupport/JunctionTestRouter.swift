import Foundation
import JunctionRouter
import JunctionServer
import Logging
import NIOCore

/// A Junction router in this process on fixed-after-first-bind ports, which can be stopped and
/// started again on the same ports (the reconnect tests need that).
public final class JunctionTestRouter: @unchecked Sendable {
    public private(set) var server: JunctionServer?
    public private(set) var webSocketPort = 0
    public private(set) var rawSocketPort = 0
    public let unixPath: String

    private init() {
        self.unixPath = NSTemporaryDirectory() + "junction-client-\(UInt32.random(in: 0...UInt32.max)).sock"
    }

    /// Starts a router serving `realm1` (open to anonymous) on WebSocket, RawSocket TCP and Unix.
    public static func start() async throws -> JunctionTestRouter {
        let router = JunctionTestRouter()
        try await router.startServer()
        return router
    }

    public func url(_ transport: TestTransport) -> String {
        switch transport {
        case .webSocket: return "ws://127.0.0.1:\(self.webSocketPort)/ws"
        case .rawSocket: return "rs://127.0.0.1:\(self.rawSocketPort)"
        case .unix: return "unix://\(self.unixPath)"
        }
    }

    /// Starts the server again on the ports of the first start (after `stop()`).
    public func startServer() async throws {
        let configuration = JunctionConfiguration(
            realms: [.openRealm(named: "realm1")],
            transports: [
                .webSocket(.init(host: "127.0.0.1", port: self.webSocketPort, path: "/ws")),
                .rawSocket(.init(endpoint: .tcp(host: "127.0.0.1", port: self.rawSocketPort))),
                .rawSocket(.init(endpoint: .unix(path: self.unixPath))),
            ])
        var logger = Logger(label: "client-test-router")
        logger.logLevel = .critical
        var lastError: (any Error)?
        for _ in 0..<50 {  // the old listener's port may take a moment to free up
            do {
                let server = try await JunctionServer.start(configuration: configuration, logger: logger)
                self.server = server
                self.webSocketPort = server.boundAddresses[0].port ?? 0
                self.rawSocketPort = server.boundAddresses[1].port ?? 0
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw lastError!
    }

    public func stop() async {
        await self.server?.shutdown()
        self.server = nil
    }

    public func shutdown() async {
        await self.stop()
        try? FileManager.default.removeItem(atPath: self.unixPath)
    }
}

public enum TestTransport: String, CaseIterable, Sendable, CustomStringConvertible {
    case webSocket, rawSocket, unix
    public var description: String { self.rawValue }
}

/// Runs `body` against a fresh in-process Junction router and always shuts it down.
public func withJunction(_ body: (JunctionTestRouter) async throws -> Void) async throws {
    let router = try await JunctionTestRouter.start()
    do {
        try await body(router)
    } catch {
        await router.shutdown()
        throw error
    }
    await router.shutdown()
}
