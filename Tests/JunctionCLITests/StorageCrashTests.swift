import Foundation
import JunctionClient
import Testing

/// `junction serve` killed with SIGKILL and started again on the same store: with `sqlite` and
/// `sync: always`, every acknowledged publication's history and the retained event are there
/// (the epoch changes: a crash may have lost events delivered but not yet written); with memory,
/// nothing is kept and the epoch changes too.
@Suite(.serialized) struct StorageCrashTests {
    static let history = "com.durable.log"

    static func configuration(storage: String) -> String {
        """
        realms:
          - name: realm1
            event_history:
              - {uri: com.durable., match: prefix, limit: 1000}
            roles:
              - name: anonymous
                permissions:
                  - {uri: "", match: prefix, allow: [call, register, publish, subscribe]}
        transports:
          - {type: rawsocket, host: 127.0.0.1, port: 0}
        storage: \(storage)
        """
    }

    /// Starts `junction serve` and returns it with the port it listens on.
    static func serve(_ configPath: String) async throws -> (CommandRunner, Int) {
        let runner = try CommandRunner(["serve", "--config", configPath])
        var port: Int?
        try await runner.waitFor { runner in
            port = Self.listeningPort(runner.stdout + runner.stderr)
            return port != nil || !runner.process.isRunning
        }
        guard let port else {
            runner.process.terminate()
            _ = try await runner.finish()
            throw CrashTestError("junction serve did not start: \(runner.stderr)")
        }
        return (runner, port)
    }

    static func listeningPort(_ log: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("listening") && !$0.contains("[UDS]") }),
            let colon = line.lastIndex(of: ":")
        else { return nil }
        return Int(line[line.index(after: colon)...].prefix { $0.isNumber })
    }

    static func kill9(_ runner: CommandRunner) async throws {
        kill(runner.process.processIdentifier, SIGKILL)
        _ = try await runner.finish()
        #expect(runner.process.terminationReason == .uncaughtSignal)
    }

    static func client(_ port: Int) async throws -> WAMPClient {
        try await WAMPClient.connect(
            try ClientConfiguration(url: "rs://127.0.0.1:\(port)", realm: "realm1", reconnect: .disabled))
    }

    /// The kept events of `topic` as `wamp.subscription.get_events` returns them (with a
    /// subscription of the caller's own to name).
    static func keptEvents(_ client: WAMPClient, after offset: UInt64? = nil) async throws -> [WAMPValue] {
        let subscription = try await client.subscribe(Self.history)
        let id = try await client.call("wamp.subscription.lookup", args: [.string(Self.history)]).args.first
        var kwargs: WAMPDict = [:]
        if let offset { kwargs["after_offset"] = .uint(offset) }
        let result = try await client.call("wamp.subscription.get_events", args: [id ?? .null], kwargs: kwargs)
        try await subscription.unsubscribe()
        return result.args.first?.listValue ?? []
    }

    static func withConfig(_ storage: String, _ body: (String) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "junction-crash-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/junction.yaml"
        try Self.configuration(storage: storage.replacingOccurrences(of: "DIR", with: directory))
            .write(toFile: config, atomically: true, encoding: .utf8)
        try await body(config)
    }

    @Test func sqliteWithSyncAlwaysKeepsEveryAcknowledgedPublicationAcrossKillNine() async throws {
        try await Self.withConfig("{type: sqlite, path: DIR/store.sqlite, sync: always}") { config in
            let (first, port) = try await Self.serve(config)
            let publisher = try await Self.client(port)
            var epoch: String?
            let watcher = try await Self.client(port)
            var watched = try await watcher.subscribe(Self.history).makeAsyncIterator()
            for n in 1...50 {
                try await publisher.publish(Self.history, args: [.int(Int64(n))], options: PublishOptions(acknowledge: true))
            }
            try await publisher.publish(
                "com.durable.state", args: ["last"], options: PublishOptions(acknowledge: true, extra: ["retain": true]))
            epoch = await watched.next()?.streamPosition?.epoch
            // Acknowledged: on disk. Now the hard way down.
            try await Self.kill9(first)
            await publisher.close()
            await watcher.close()

            let check = try await CommandRunner.run(["check", "--config", config])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.contains("previous shutdown not clean"))

            let (second, secondPort) = try await Self.serve(config)
            let client = try await Self.client(secondPort)
            let kept = try await Self.keptEvents(client)
            #expect(kept.map { $0["args"]?.listValue?.first?.signedInteger } == (1...50).map { Int64($0) })
            #expect(try await Self.keptEvents(client, after: 45).count == 5)
            let retained = try await client.subscribe("com.durable.state", options: SubscribeOptions(extra: ["get_retained": true]))
            var retainedEvents = retained.makeAsyncIterator()
            #expect(await retainedEvents.next()?.args == ["last"])
            // A crash starts a new epoch: resuming from before it is refused, not silently gapped.
            let resumed = try await client.subscribe(
                Self.history, options: SubscribeOptions(recoverFrom: [Self.history: StreamPosition(offset: 50, epoch: epoch ?? "")]))
            var resumedEvents = resumed.makeAsyncIterator()
            let marker = await resumedEvents.next()
            #expect(marker?.recoveryIncomplete?.current[Self.history]?.offset == 50)
            #expect(marker?.recoveryIncomplete?.current[Self.history]?.epoch != epoch)
            await client.close()
            second.process.interrupt()
            #expect(try await second.finish() == 0)
        }
    }

    @Test func memoryStorageLosesHistoryAndChangesTheEpoch() async throws {
        try await Self.withConfig("memory") { config in
            let (first, port) = try await Self.serve(config)
            let publisher = try await Self.client(port)
            let watcher = try await Self.client(port)
            var watched = try await watcher.subscribe(Self.history).makeAsyncIterator()
            for n in 1...5 {
                try await publisher.publish(Self.history, args: [.int(Int64(n))], options: PublishOptions(acknowledge: true))
            }
            let epoch = await watched.next()?.streamPosition?.epoch
            try await Self.kill9(first)
            await publisher.close()
            await watcher.close()

            let (second, secondPort) = try await Self.serve(config)
            let client = try await Self.client(secondPort)
            #expect(try await Self.keptEvents(client).isEmpty)
            let resumed = try await client.subscribe(
                Self.history, options: SubscribeOptions(recoverFrom: [Self.history: StreamPosition(offset: 5, epoch: epoch ?? "")]))
            var resumedEvents = resumed.makeAsyncIterator()
            let marker = await resumedEvents.next()
            #expect(marker?.recoveryIncomplete != nil)
            #expect(marker?.recoveryIncomplete?.current[Self.history]?.epoch != epoch)
            await client.close()
            second.process.interrupt()
            #expect(try await second.finish() == 0)
        }
    }

    @Test func checkNamesACorruptStore() async throws {
        try await Self.withConfig("{type: sqlite, path: DIR/store.sqlite}") { config in
            let store = (config as NSString).deletingLastPathComponent + "/store.sqlite"
            try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: store))
            let check = try await CommandRunner.run(["check", "--config", config])
            #expect(check.status != 0)
            #expect(check.stderr.contains(store))
            let serve = try await CommandRunner.run(["serve", "--config", config])
            #expect(serve.status != 0)
            #expect(serve.stderr.contains(store))
        }
    }
}

struct CrashTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
