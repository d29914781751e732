import Foundation
import JunctionTestSupport
import NIOCore
import NIOPosix

/// A Crossbar.io router in a child process, with a configuration this file writes: realm
/// `realm1`, roles `anonymous` and `authenticated` allowed everything, WebSocket (with anonymous,
/// ticket, wampcra plain and salted, and cryptosign principals), RawSocket TCP and Unix.
///
/// Found at `$CROSSBAR_BIN`, else `<repo>/.venv-crossbar/bin/crossbar`; tests using it are
/// skipped (with a message) when neither exists. `Tests/ClientInterop/run.sh` installs it.
final class CrossbarTestRouter: @unchecked Sendable {
    static let binary: String? = {
        if let path = ProcessInfo.processInfo.environment["CROSSBAR_BIN"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = repo.appendingPathComponent(".venv-crossbar/bin/crossbar").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    static var isAvailable: Bool { Self.binary != nil }
    static let skipMessage = "Crossbar not found: set CROSSBAR_BIN or run Tests/ClientInterop/run.sh (installs .venv-crossbar)"

    // Credentials the configuration accepts.
    static let ticketUser = ("joe", "joe-ticket")
    static let craUser = ("peter", "peter-secret")
    static let saltedCraUser = ("salty", "salty-secret")
    static let cryptosignUser = "alice"

    let directory: URL
    let webSocketPort: Int
    let rawSocketPort: Int
    var unixPath: String { self.directory.appendingPathComponent("cb.sock").path }
    private var process: Process?

    private init(directory: URL, webSocketPort: Int, rawSocketPort: Int) {
        self.directory = directory
        self.webSocketPort = webSocketPort
        self.rawSocketPort = rawSocketPort
    }

    /// The one Crossbar shared by the Crossbar suites (started on first use, stopped at exit).
    static let shared = SharedCrossbar()

    actor SharedCrossbar {
        private var router: CrossbarTestRouter?
        func get() async throws -> CrossbarTestRouter {
            if let router = self.router { return router }
            let router = try await CrossbarTestRouter.start()
            self.router = router
            return router
        }
    }

    /// Writes a configuration on fresh ports and starts Crossbar; returns once it accepts connections.
    static func start(publicKeyHex: String) async throws -> CrossbarTestRouter {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "junction-client-crossbar-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let router = CrossbarTestRouter(
            directory: directory, webSocketPort: try await freePort(), rawSocketPort: try await freePort())
        let config = router.configuration(publicKeyHex: publicKeyHex)
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted])
        try data.write(to: directory.appendingPathComponent("config.json"))
        try await router.launch()
        return router
    }

    static func start() async throws -> CrossbarTestRouter {
        try await Self.start(publicKeyHex: TestKeys.cryptosignPublicKeyHex)
    }

    func url(_ transport: TestTransport) -> String {
        switch transport {
        case .webSocket: return "ws://127.0.0.1:\(self.webSocketPort)/ws"
        case .rawSocket: return "rs://127.0.0.1:\(self.rawSocketPort)"
        case .unix: return "unix://\(self.unixPath)"
        }
    }

    /// Starts the Crossbar process and waits until every listener accepts.
    func launch() async throws {
        guard let binary = Self.binary else { throw CrossbarUnavailable() }
        try? FileManager.default.removeItem(atPath: self.unixPath)
        let process = Process()
        // Foundation starts it as a process group leader, so `stop()` can signal Crossbar's workers too.
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["start", "--cbdir", self.directory.path, "--loglevel", "warn"]
        process.currentDirectoryURL = self.directory
        let log = FileHandle(forWritingAtPath: self.logPath) ?? {
            _ = FileManager.default.createFile(atPath: self.logPath, contents: nil)
            return FileHandle(forWritingAtPath: self.logPath)!
        }()
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        CrossbarProcesses.track(process.processIdentifier)
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw CrossbarStartFailed(log: (try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? "")
            }
            if await Self.accepts(port: self.webSocketPort), await Self.accepts(port: self.rawSocketPort),
                FileManager.default.fileExists(atPath: self.unixPath)
            {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        await self.stop()
        throw CrossbarStartFailed(log: "timeout\n" + ((try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? ""))
    }

    var logPath: String { self.directory.appendingPathComponent("crossbar.log").path }

    /// Stops Crossbar and its workers (SIGTERM to the process group, SIGKILL after 10 s) and
    /// waits until its ports are free.
    func stop() async {
        guard let process = self.process else { return }
        self.process = nil
        let group = process.processIdentifier
        kill(-group, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        kill(-group, SIGKILL)
        CrossbarProcesses.untrack(group)
        let portsDeadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < portsDeadline {
            let webSocketBusy = await Self.accepts(port: self.webSocketPort)
            let rawSocketBusy = await Self.accepts(port: self.rawSocketPort)
            if !webSocketBusy && !rawSocketBusy { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func configuration(publicKeyHex: String) -> [String: Any] {
        let allow: [String: Any] = ["call": true, "register": true, "publish": true, "subscribe": true]
        let permissions: [[String: Any]] = [
            ["uri": "", "match": "prefix", "allow": allow, "disclose": ["caller": true, "publisher": true], "cache": true]
        ]
        let auth: [String: Any] = [
            "anonymous": ["type": "static", "role": "anonymous"],
            "ticket": ["type": "static", "principals": [Self.ticketUser.0: ["ticket": Self.ticketUser.1, "role": "authenticated"]]],
            "wampcra": [
                "type": "static",
                "users": [
                    Self.craUser.0: ["secret": Self.craUser.1, "role": "authenticated"],
                    Self.saltedCraUser.0: [
                        "secret": Self.saltedCraUser.1, "role": "authenticated", "salt": "salt123", "iterations": 100,
                        "keylen": 32,
                    ],
                ],
            ],
            "cryptosign": [
                "type": "static",
                "principals": [
                    Self.cryptosignUser: ["realm": "realm1", "role": "authenticated", "authorized_keys": [publicKeyHex]]
                ],
            ],
        ]
        let serializers = ["json", "msgpack", "cbor"]
        return [
            "version": 2,
            "controller": [:] as [String: Any],
            "workers": [
                [
                    "type": "router",
                    "realms": [
                        [
                            "name": "realm1",
                            "roles": [
                                ["name": "anonymous", "permissions": permissions],
                                ["name": "authenticated", "permissions": permissions],
                            ],
                        ]
                    ],
                    "transports": [
                        [
                            "type": "web",
                            "endpoint": ["type": "tcp", "interface": "127.0.0.1", "port": self.webSocketPort],
                            "paths": [
                                "ws": [
                                    "type": "websocket", "serializers": serializers, "auth": auth,
                                    "options": ["enable_webstatus": false],
                                ]
                            ],
                        ],
                        [
                            "type": "rawsocket", "serializers": serializers,
                            "endpoint": ["type": "tcp", "interface": "127.0.0.1", "port": self.rawSocketPort],
                        ],
                        [
                            "type": "rawsocket", "serializers": serializers,
                            "endpoint": ["type": "unix", "path": self.unixPath],
                        ],
                    ],
                ] as [String: Any]
            ],
        ]
    }

    private static func accepts(port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}

struct CrossbarUnavailable: Error, CustomStringConvertible {
    var description: String { CrossbarTestRouter.skipMessage }
}

struct CrossbarStartFailed: Error, CustomStringConvertible {
    var log: String
    var description: String { "crossbar did not start:\n\(self.log.suffix(4000))" }
}

/// Kills Crossbar processes left running when the test process exits.
enum CrossbarProcesses {
    nonisolated(unsafe) private static var pids: Set<Int32> = []
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    static func track(_ pid: Int32) {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.pids.insert(pid)
        if !self.installed {
            self.installed = true
            atexit {
                CrossbarProcesses.killAll()
            }
        }
    }

    static func untrack(_ pid: Int32) {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.pids.remove(pid)
    }

    static func killAll() {
        self.lock.lock()
        let pids = self.pids
        self.lock.unlock()
        for pid in pids { kill(-pid, SIGTERM) }
        usleep(500_000)
        for pid in pids { kill(-pid, SIGKILL) }
    }
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}
