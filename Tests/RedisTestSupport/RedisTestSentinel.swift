import Foundation
import JunctionRedis
import RESPCore

/// A master, a replica and one `redis-server --sentinel` watching them as `mymaster` (quorum 1),
/// all on free loopback ports, for tests that follow a failover.
public final class RedisTestSentinel: @unchecked Sendable {
    public static let masterName = "mymaster"
    public let master: RedisTestServer
    public let replica: RedisTestServer
    /// The sentinel's port.
    public let port: Int
    private let process: Process
    private let directory: String

    private init(master: RedisTestServer, replica: RedisTestServer, port: Int, process: Process, directory: String) {
        self.master = master
        self.replica = replica
        self.port = port
        self.process = process
        self.directory = directory
    }

    public static func start() async throws -> RedisTestSentinel {
        let master = try await RedisTestServer.start()
        let replica: RedisTestServer
        do {
            replica = try await RedisTestServer.start(replicaOf: master.port)
        } catch {
            master.stop()
            throw error
        }
        let port = try await RedisTestServer.freePort()
        let directory = NSTemporaryDirectory() + "junction-sentinel-\(UInt32.random(in: 0...UInt32.max))"
        let configuration = directory + "/sentinel.conf"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // The sentinel rewrites its file (what it learnt, the epochs), so it is its own copy.
            let text = """
                port \(port)
                bind 127.0.0.1
                protected-mode no
                dir \(directory)
                sentinel monitor \(Self.masterName) 127.0.0.1 \(master.port) 1
                sentinel down-after-milliseconds \(Self.masterName) 1000
                sentinel failover-timeout \(Self.masterName) 4000

                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: configuration))
            let process = try RedisTestServer.launch([configuration, "--sentinel"])
            let sentinel = RedisTestSentinel(
                master: master, replica: replica, port: port, process: process, directory: directory)
            try await sentinel.waitUntilWatching()
            return sentinel
        } catch {
            master.stop()
            replica.stop()
            throw error
        }
    }

    /// A connection to the sentinel itself.
    public func connectToSentinel() async throws -> RedisConnection {
        try await RedisConnection.connect(RedisConnectionConfiguration(host: "127.0.0.1", port: self.port))
    }

    /// The master's port as the sentinel reports it now.
    public func masterPort() async throws -> Int? {
        let connection = try await self.connectToSentinel()
        defer { Task { await connection.close() } }
        let reply = try await connection.send("SENTINEL", "get-master-addr-by-name", Self.masterName)
        guard let parts = reply.elements, parts.count == 2, let port = parts[1].string else { return nil }
        return Int(port)
    }

    /// Until the sentinel answers and knows the replica (a failover needs one to promote).
    private func waitUntilWatching() async throws {
        // Waiting for other processes to find each other: there is no clock to inject here.
        for _ in 0..<400 {
            if let connection = try? await self.connectToSentinel() {
                let replicas = try? await connection.send("SENTINEL", "replicas", Self.masterName)
                await connection.close()
                if let replicas, !(replicas.elements ?? []).isEmpty { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        self.stop()
        throw RedisTestServerFailed(port: self.port)
    }

    /// `SENTINEL FAILOVER` (retried while the replica is not yet eligible), then waits until the
    /// sentinel reports the replica as the master.
    public func failover() async throws {
        let connection = try await self.connectToSentinel()
        defer { Task { await connection.close() } }
        var started = false
        for _ in 0..<400 where !started {
            do {
                _ = try await connection.send("SENTINEL", "FAILOVER", Self.masterName)
                started = true
            } catch let error as RedisError where error.code == .server {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard started else { throw RedisTestServerFailed(port: self.port) }
        for _ in 0..<400 {
            if try await self.masterPort() == self.replica.port { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RedisTestServerFailed(port: self.replica.port)
    }

    public func stop() {
        if self.process.isRunning {
            Foundation.kill(self.process.processIdentifier, SIGKILL)
        }
        self.process.waitUntilExit()
        self.master.stop()
        self.replica.stop()
        try? FileManager.default.removeItem(atPath: self.directory)
    }
}
