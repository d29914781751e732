import ArgumentParser
import Foundation
import JunctionServer
import Logging
import ServiceLifecycle

@main
struct Junction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junction",
        abstract: "A fast WAMP v2 router: routed RPC and publish/subscribe over WebSocket and RawSocket.",
        subcommands: [Serve.self, Init.self, Check.self, WebSocketEcho.self, ClusterCommand.self] + clientSubcommands,
        defaultSubcommand: Serve.self
    )
}

/// Reads and validates a configuration file, or returns the built-in default.
func loadConfiguration(path: String?) throws -> JunctionConfiguration {
    guard let path else { return .builtInDefault }
    let text: String
    do {
        text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw ValidationError("cannot read \(path): \(error.localizedDescription)")
    }
    do {
        return try ConfigurationLoader.load(yaml: text)
    } catch {
        throw ValidationError("\(path): \(error)")
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the router (built-in default: realm1, ws://127.0.0.1:8080/ws, rawsocket 127.0.0.1:8081).")

    @Option(name: .long, help: "Configuration file (YAML or JSON). Without it, the built-in default is served.")
    var config: String?

    @Option(name: .long, help: "Event-loop threads (overrides router.event_loops; 0 = one per core).")
    var eventLoops: Int?

    @Option(name: .long, help: "Log level (overrides router.log_level).")
    var logLevel: String?

    func run() async throws {
        var configuration = try loadConfiguration(path: self.config)
        if let eventLoops = self.eventLoops { configuration.eventLoops = max(0, eventLoops) }
        if let logLevel = self.logLevel { configuration.logLevel = logLevel }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        // StreamLogHandler's lines, formatted for less (see ServerLogHandler).
        LoggingSystem.bootstrap { label in ServerLogHandler(label: label, level: level) }
        let logger = Logger(label: "junction")
        let runtime = JunctionRuntime(configuration: configuration, logger: logger)
        // The runtime first, then a service per listener (and later MQTT/HTTP listeners and
        // workers): SIGTERM/SIGINT stop the listeners first, then the runtime closes the sessions.
        let group = ServiceGroup(
            services: runtime.services(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the default configuration, with comments, to FILE (or standard output).")

    @Argument(help: "Where to write it; '-' or nothing for standard output.")
    var file: String?

    @Flag(name: .long, help: "Overwrite an existing file.")
    var force = false

    func run() throws {
        guard let file = self.file, file != "-" else {
            print(DefaultConfigurationFile.text, terminator: "")
            return
        }
        if FileManager.default.fileExists(atPath: file) && !self.force {
            throw ValidationError("\(file) exists; use --force to overwrite it")
        }
        try DefaultConfigurationFile.text.write(toFile: file, atomically: true, encoding: .utf8)
        print("wrote \(file)")
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a configuration file.")

    @Option(name: .long, help: "Configuration file to check.")
    var config: String

    func run() throws {
        let configuration = try loadConfiguration(path: self.config)
        print(
            "\(self.config): OK (\(configuration.realms.count) realm(s), \(configuration.transports.count) transport(s))")
    }
}
