import ArgumentParser
import Foundation
import JunctionServer
import JunctionStorage
import Logging
import ServiceLifecycle

@main
struct Junction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junction",
        abstract: "A fast WAMP v2 router: routed RPC and publish/subscribe over WebSocket and RawSocket.",
        subcommands: [Serve.self, Reload.self, Init.self, Check.self, WebSocketEcho.self, ClusterCommand.self]
            + clientSubcommands,
        defaultSubcommand: Serve.self
    )
}

/// Reads and validates a configuration file, or returns the built-in default.
func loadConfiguration(path: String?) throws -> JunctionConfiguration {
    guard let path else { return .builtInDefault }
    do {
        return try ConfigurationFile.load(path: path)
    } catch {
        throw ValidationError(error.message)
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

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where to write the process id for 'junction reload' (overrides router.pid_file; "
                + "default: \(PIDFile.defaultPath))."))
    var pidFile: String?

    func run() async throws {
        // Until the reloader traps it, a SIGHUP must not end the router (its default action).
        signal(SIGHUP, SIG_IGN)
        var configuration = try loadConfiguration(path: self.config)
        let (eventLoops, logLevel) = (self.eventLoops, self.logLevel)
        let overrides: @Sendable (inout JunctionConfiguration) -> Void = { configuration in
            if let eventLoops { configuration.eventLoops = max(0, eventLoops) }
            if let logLevel { configuration.logLevel = logLevel }
        }
        overrides(&configuration)
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        // StreamLogHandler's lines, formatted for less (see ServerLogHandler).
        LoggingSystem.bootstrap { label in ServerLogHandler(label: label, level: level) }
        let logger = Logger(label: "junction")
        let runtime: JunctionRuntime
        do {
            runtime = try await JunctionRuntime.open(
                configuration: configuration, configurationFile: self.config, overrides: overrides, logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        let pidFile = PIDFile(path: self.pidFile ?? configuration.pidFile ?? PIDFile.defaultPath)
        do {
            try pidFile.write()
        } catch {
            logger.warning("cannot write the pid file; 'junction reload' will not find this router", metadata: [
                "pid_file": "\(pidFile.path)", "error": "\(error)",
            ])
        }
        defer { pidFile.removeIfOurs() }
        // The runtime first, then its listeners, the SIGHUP reloader, forwarders and components:
        // SIGTERM/SIGINT stop the components and listeners first, then the runtime closes the
        // sessions (and the store).
        let group = ServiceGroup(
            services: runtime.services(reloadOnSIGHUP: true), gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
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

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a configuration file (and open its SQLite store, if any, to check it).")

    @Option(name: .long, help: "Configuration file to check.")
    var config: String

    func run() async throws {
        let configuration = try loadConfiguration(path: self.config)
        print(
            "\(self.config): OK (\(configuration.realms.count) realm(s), \(configuration.transports.count) transport(s)"
                + (configuration.components.isEmpty ? ")" : ", \(configuration.components.count) component(s))"))
        if case .sqlite(let path) = configuration.storage.backend {
            guard FileManager.default.fileExists(atPath: path) else {
                print("\(path): does not exist yet; junction serve creates it")
                return
            }
            do {
                print(try await SQLiteStorage.check(path: path, logger: Logger(label: "junction.check")))
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }
}
