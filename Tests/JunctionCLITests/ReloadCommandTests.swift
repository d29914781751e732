import Foundation
import Testing

/// `junction serve` as a subprocess, reloaded by a real SIGHUP and by `junction reload` (which
/// finds it through its pid file).
@Suite struct ReloadCommandTests {
    static func configuration(listeners: Int, valid: Bool = true) -> String {
        var yaml = """
            realms:
              - name: realm1
                roles:
                  - name: anonymous
                    permissions: [{uri: "", match: prefix, allow: [call, register, subscribe, publish]}]
            transports:
              - {type: websocket, port: 0}

            """
        for index in 1..<max(1, listeners) {
            yaml += "  - {type: rawsocket, port: 0, max_message_size: \(1024 * index)}\n"
        }
        return valid ? yaml : yaml.replacingOccurrences(of: "roles:", with: "rolez:")
    }

    /// Lines of the router's log that say a listener was bound.
    /// The configured listeners' "listening" lines (not the private components socket, which a
    /// router started from a file always has, so a reload can add components).
    static func listening(_ runner: CommandRunner) -> Int {
        runner.stderr.split(separator: "\n").filter { $0.hasSuffix(" listening") && !$0.contains("[UDS]") }.count
    }

    static func occurrences(_ text: String, in runner: CommandRunner) -> Int {
        runner.stderr.components(separatedBy: text).count - 1
    }

    @Test func sighupAndJunctionReloadReReadTheFile() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-cli-reload-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("junction.yaml").path
        let pidFile = directory.appendingPathComponent("junction.pid").path
        try Self.configuration(listeners: 1).write(toFile: config, atomically: true, encoding: .utf8)

        let serve = try CommandRunner(["serve", "--config", config, "--pid-file", pidFile, "--event-loops", "1"])
        try await serve.waitFor { Self.listening($0) == 1 && $0.stderr.contains("SIGHUP reloads the configuration") }
        #expect(Self.listening(serve) == 1, "\(serve.stderr)")
        let written = try String(contentsOfFile: pidFile, encoding: .utf8)
        #expect(written == "\(serve.process.processIdentifier)\n")

        // A real SIGHUP: the added listener is bound, the running one stays.
        try Self.configuration(listeners: 2).write(toFile: config, atomically: true, encoding: .utf8)
        kill(serve.process.processIdentifier, SIGHUP)
        try await serve.waitFor { Self.listening($0) == 2 && Self.occurrences("configuration reloaded", in: $0) == 1 }
        #expect(Self.listening(serve) == 2, "\(serve.stderr)")
        #expect(Self.occurrences("listener closed", in: serve) == 0)
        #expect(Self.occurrences("needs_restart", in: serve) == 0, "--event-loops applies to reloaded files too")

        // An invalid file: `junction reload --config` refuses it with `junction check`'s message
        // and sends nothing; signalled anyway, the router refuses it and keeps running.
        try Self.configuration(listeners: 3, valid: false).write(toFile: config, atomically: true, encoding: .utf8)
        let check = try await CommandRunner.run(["check", "--config", config])
        let refused = try await CommandRunner.run(["reload", "--config", config, "--pid-file", pidFile])
        #expect(check.status != 0)
        #expect(refused.status != 0)
        #expect(refused.stderr == check.stderr)
        let signalled = try await CommandRunner.run(["reload", "--pid-file", pidFile])
        #expect(signalled.status == 0, "\(signalled.stderr)")
        try await serve.waitFor { Self.occurrences("configuration reload refused", in: $0) == 1 }
        let message = String(check.stderr.split(separator: "\n").first ?? "")
            .replacingOccurrences(of: "Error: ", with: "")
        #expect(message.contains("rolez"))
        #expect(serve.stderr.contains(message), "the router logs the check message: \(serve.stderr)")
        #expect(Self.listening(serve) == 2)

        // `junction reload --config` with a valid file.
        try Self.configuration(listeners: 3).write(toFile: config, atomically: true, encoding: .utf8)
        let reloaded = try await CommandRunner.run(["reload", "--config", config, "--pid-file", pidFile])
        #expect(reloaded.status == 0, "\(reloaded.stderr)")
        #expect(reloaded.stdout.contains("sent SIGHUP"))
        try await serve.waitFor { Self.listening($0) == 3 }
        #expect(Self.listening(serve) == 3, "\(serve.stderr)")

        serve.process.terminate()
        #expect(try await serve.finish() == 0)
        #expect(!FileManager.default.fileExists(atPath: pidFile), "the pid file is removed at exit")
    }

    @Test func reloadWithoutARunningRouterSaysSo() async throws {
        let missing = FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-no-such-\(UInt32.random(in: 0...UInt32.max)).pid").path
        let result = try await CommandRunner.run(["reload", "--pid-file", missing])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot read the pid file"))
    }
}
