import Foundation
import NIOCore
import NIOPosix

/// A throwaway `mosquitto` broker on a free loopback port, for the MQTT scenarios' live tests.
/// `Tests/MQTTInterop/run.sh` and `bench/compare-mqtt.sh` install Debian's `mosquitto` when it
/// is missing; without it these tests are skipped with `skipMessage`.
final class MosquittoTestServer: Sendable {
    static let binary: String? = {
        if let explicit = ProcessInfo.processInfo.environment["MOSQUITTO_BIN"] {
            return explicit
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"] {
            let candidate = directory + "/mosquitto"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }()

    static var isAvailable: Bool { Self.binary != nil }
    static let skipMessage = "mosquitto not found (apt-get install -y mosquitto, or set MOSQUITTO_BIN)"

    let port: Int
    let directory: URL
    private let process: Process

    var url: String { "mqtt://127.0.0.1:\(self.port)" }
    var pid: Int32 { self.process.processIdentifier }

    private init(port: Int, directory: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// Starts a broker and waits until it accepts connections.
    static func start() throws -> MosquittoTestServer {
        let group = MultiThreadedEventLoopGroup.singleton
        let probe = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        let port = probe.localAddress!.port!
        try probe.close().wait()

        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-bench-mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("mosquitto.conf")
        try """
        allow_anonymous true
        persistence false
        log_dest none
        listener \(port) 127.0.0.1

        """.write(to: config, atomically: true, encoding: .utf8)

        guard let binary = Self.binary else { throw MosquittoTestServerFailed(port: port) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-c", config.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = MosquittoTestServer(port: port, directory: directory, process: process)
        // Waiting for another process to listen: there is no clock to inject here.
        for _ in 0..<200 {
            if let channel = try? ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).wait() {
                try? channel.close().wait()
                return server
            }
            Thread.sleep(forTimeInterval: 0.025)
        }
        server.stop()
        throw MosquittoTestServerFailed(port: port)
    }

    /// SIGKILL, as the Redis test server does: nothing here needs a clean shutdown.
    func stop() {
        if self.process.isRunning {
            Foundation.kill(self.process.processIdentifier, SIGKILL)
        }
        self.process.waitUntilExit()
        try? FileManager.default.removeItem(at: self.directory)
    }
}

struct MosquittoTestServerFailed: Error, CustomStringConvertible {
    var port: Int
    var description: String { "mosquitto did not accept connections on 127.0.0.1:\(self.port)" }
}

/// Runs `body` with a fresh broker and stops it afterwards, whatever happens.
func withMosquitto<T>(_ body: (MosquittoTestServer) throws -> T) throws -> T {
    let server = try MosquittoTestServer.start()
    defer { server.stop() }
    return try body(server)
}
