import Foundation
import JunctionRedis
import NIOCore
import NIOPosix
import RESPCore

/// A throwaway `redis-server` on a free loopback port, without persistence, for one test (the
/// JunctionRedisTests helper, plus a restart on the same port).
/// `scripts/test.sh` installs Debian's `redis-server` when it is missing; without it the interop
/// suite is skipped with `skipMessage`.
final class RedisTestServer: @unchecked Sendable {
    static let binary: String? = {
        if let explicit = ProcessInfo.processInfo.environment["REDIS_SERVER_BIN"] {
            return explicit
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/bin"] {
            let candidate = directory + "/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }()

    static var isAvailable: Bool { Self.binary != nil }
    static let skipMessage = "redis-server not found on PATH (apt-get install -y redis-server, or set REDIS_SERVER_BIN)"

    let port: Int
    /// Replaced by `restart()`; tests drive one server from one task at a time.
    private var process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Starts a server and waits until it answers PING.
    static func start() async throws -> RedisTestServer {
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress!.port!
        try await probe.close()
        let server = RedisTestServer(port: port, process: try Self.launch(port: port))
        try await server.waitUntilAnswering()
        return server
    }

    /// SIGKILL, then a new empty server on the same port (all keys and streams gone).
    func restart() async throws {
        self.kill()
        self.process = try Self.launch(port: self.port)
        try await self.waitUntilAnswering()
    }

    private static func launch(port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try require(Self.binary))
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--loglevel", "warning",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func waitUntilAnswering() async throws {
        // Waiting for another process to listen: there is no clock to inject here.
        for _ in 0..<200 {
            if let connection = try? await self.connect() {
                await connection.close()
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        self.stop()
        throw RedisTestServerFailed(port: self.port)
    }

    func configuration(
        _ handshake: RedisHandshakeConfiguration = RedisHandshakeConfiguration()
    ) -> RedisConnectionConfiguration {
        RedisConnectionConfiguration(host: "127.0.0.1", port: self.port, handshake: handshake)
    }

    func connect(
        _ handshake: RedisHandshakeConfiguration = RedisHandshakeConfiguration()
    ) async throws -> RedisConnection {
        try await RedisConnection.connect(self.configuration(handshake))
    }

    /// SIGKILL: the server vanishes at once, mid-command if one is running. Also how every test
    /// server ends: a child of the test process may inherit a blocked SIGTERM, and nothing here
    /// needs a clean shutdown.
    func kill() {
        if self.process.isRunning {
            Foundation.kill(self.process.processIdentifier, SIGKILL)
        }
        self.process.waitUntilExit()
    }

    func stop() {
        self.kill()
    }
}

struct RedisTestServerFailed: Error, CustomStringConvertible {
    var port: Int
    var description: String { "redis-server did not answer on 127.0.0.1:\(self.port)" }
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw RedisTestServerFailed(port: 0) }
    return value
}

/// Runs `body` with a fresh server and stops the server afterwards, whatever happens.
func withRedis<T>(_ body: (RedisTestServer) async throws -> T) async throws -> T {
    let server = try await RedisTestServer.start()
    do {
        let result = try await body(server)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}
