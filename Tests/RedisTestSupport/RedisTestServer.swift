import Foundation
import JunctionRedis
import NIOCore
import NIOPosix
import RESPCore

/// A throwaway `redis-server` on a free loopback port, without persistence, for one test: plain,
/// with TLS (`start(tls:)`), as a replica (`start(replicaOf:)`), and restartable on the same port.
/// `scripts/test.sh` installs Debian's `redis-server` when it is missing; without it the suites
/// that need it are skipped with `skipMessage`.
public final class RedisTestServer: @unchecked Sendable {
    public static let binary: String? = {
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

    public static var isAvailable: Bool { Self.binary != nil }
    public static let skipMessage =
        "redis-server not found on PATH (apt-get install -y redis-server, or set REDIS_SERVER_BIN)"

    /// The port clients use: the TLS port for a TLS server (its plain port is closed).
    public let port: Int
    /// The certificates of a TLS server; clients must use `configuration()`'s TLS settings.
    public let tls: RedisTestCertificates?
    private let arguments: [String]
    /// Replaced by `restart()`; tests drive one server from one task at a time.
    private var process: Process

    private init(port: Int, tls: RedisTestCertificates?, arguments: [String], process: Process) {
        self.port = port
        self.tls = tls
        self.arguments = arguments
        self.process = process
    }

    /// Starts a server and waits until it answers PING.
    /// - `tls`: serve TLS only (`--tls-port`), with these certificates; `requireClientCertificate`
    ///   makes it refuse clients without a certificate from the test CA.
    ///   `namedCertificateOnly` serves the certificate that names `localhost` but no IP address.
    /// - `replicaOf`: the port of a master on 127.0.0.1 to replicate.
    public static func start(
        tls: RedisTestCertificates? = nil, requireClientCertificate: Bool = false, namedCertificateOnly: Bool = false,
        replicaOf: Int? = nil
    ) async throws -> RedisTestServer {
        // Tests run in parallel: another test's server may have taken the same free port first
        // (ours then fails to bind); `waitUntilAnswering` notices, and a new port is tried.
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await Self.start(
                    port: try await Self.freePort(), tls: tls, requireClientCertificate: requireClientCertificate,
                    namedCertificateOnly: namedCertificateOnly, replicaOf: replicaOf)
            } catch let error as RedisTestServerFailed where error.someoneElsesServer && attempts < 5 {
                continue
            }
        }
    }

    private static func start(
        port: Int, tls: RedisTestCertificates?, requireClientCertificate: Bool, namedCertificateOnly: Bool,
        replicaOf: Int?
    ) async throws -> RedisTestServer {
        // A directory of its own: redis-server loads `dump.rdb` from its directory at start, and a
        // replica writes the RDB it receives there (the working directory by default: the repo).
        let directory = NSTemporaryDirectory() + "junction-redis-\(port)-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var arguments = [
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no",
            "--loglevel", "warning", "--dir", directory,
        ]
        if let tls {
            arguments += [
                "--port", "0", "--tls-port", "\(port)",
                "--tls-cert-file", namedCertificateOnly ? tls.namedServerCertificatePath : tls.serverCertificatePath,
                "--tls-key-file", namedCertificateOnly ? tls.namedServerKeyPath : tls.serverKeyPath,
                "--tls-ca-cert-file", tls.caPath,
                "--tls-auth-clients", requireClientCertificate ? "yes" : "no",
            ]
        } else {
            arguments += ["--port", "\(port)"]
        }
        if let replicaOf {
            arguments += ["--replicaof", "127.0.0.1", "\(replicaOf)"]
        }
        let server = RedisTestServer(port: port, tls: tls, arguments: arguments, process: try Self.launch(arguments))
        try await server.waitUntilAnswering(
            tls: namedCertificateOnly ? tls?.clientConfiguration(serverName: "localhost") : tls?.clientConfiguration())
        return server
    }

    /// A free loopback port (bound, read and released: another process may take it meanwhile, which
    /// the start-up wait then reports).
    public static func freePort() async throws -> Int {
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress!.port!
        try await probe.close()
        return port
    }

    /// SIGKILL, then a new empty server on the same port (all keys and streams gone).
    public func restart() async throws {
        self.kill()
        self.process = try Self.launch(self.arguments)
        try await self.waitUntilAnswering(tls: self.tls?.clientConfiguration())
    }

    static func launch(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try require(Self.binary))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func waitUntilAnswering(tls: RedisTLSConfiguration?) async throws {
        var configuration = self.configuration()
        configuration.tls = tls
        // Waiting for another process to listen: there is no clock to inject here.
        for _ in 0..<200 {
            if let connection = try? await RedisConnection.connect(configuration) {
                let info = (try? await connection.send("INFO", "server").string) ?? ""
                await connection.close()
                guard info.contains("process_id:\(self.process.processIdentifier)\r\n") else {
                    self.stop()
                    throw RedisTestServerFailed(port: self.port, someoneElsesServer: true)
                }
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        self.stop()
        throw RedisTestServerFailed(port: self.port)
    }

    /// Where this server is, with TLS trusting the test CA (and the test client certificate) for a
    /// TLS server.
    public func configuration(
        _ handshake: RedisHandshakeConfiguration = RedisHandshakeConfiguration()
    ) -> RedisConnectionConfiguration {
        RedisConnectionConfiguration(
            host: "127.0.0.1", port: self.port, handshake: handshake, tls: self.tls?.clientConfiguration())
    }

    public func connect(
        _ handshake: RedisHandshakeConfiguration = RedisHandshakeConfiguration()
    ) async throws -> RedisConnection {
        try await RedisConnection.connect(self.configuration(handshake))
    }

    /// SIGKILL: the server vanishes at once, mid-command if one is running. Also how every test
    /// server ends: a child of the test process may inherit a blocked SIGTERM, and nothing here
    /// needs a clean shutdown.
    public func kill() {
        if self.process.isRunning {
            Foundation.kill(self.process.processIdentifier, SIGKILL)
        }
        self.process.waitUntilExit()
    }

    public func stop() {
        self.kill()
    }
}

public struct RedisTestServerFailed: Error, CustomStringConvertible {
    public var port: Int
    /// Another process's server answered on the port.
    public var someoneElsesServer = false

    public init(port: Int, someoneElsesServer: Bool = false) {
        self.port = port
        self.someoneElsesServer = someoneElsesServer
    }

    public var description: String {
        self.someoneElsesServer
            ? "another redis-server answered on 127.0.0.1:\(self.port)"
            : "redis-server did not answer on 127.0.0.1:\(self.port)"
    }
}

func require<T>(_ value: T?) throws -> T {
    guard let value else { throw RedisTestServerFailed(port: 0) }
    return value
}

/// Runs `body` with a fresh server and stops the server afterwards, whatever happens.
public func withRedis<T>(
    tls: RedisTestCertificates? = nil, _ body: (RedisTestServer) async throws -> T
) async throws -> T {
    let server = try await RedisTestServer.start(tls: tls)
    do {
        let result = try await body(server)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}
