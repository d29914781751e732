import ServiceLifecycle
import UnixSignals

/// Reloads the runtime's configuration file on SIGHUP (what `junction reload` sends), until
/// graceful shutdown. A refused file is logged by the reload and changes nothing; without a file
/// (the built-in default) SIGHUP is logged and ignored rather than ending the process.
public struct ReloadSignalService: Service {
    let runtime: JunctionRuntime

    public init(runtime: JunctionRuntime) {
        self.runtime = runtime
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        self.runtime.logger.info(
            "SIGHUP reloads the configuration", metadata: ["file": "\(self.runtime.configurationFile ?? "(none)")"])
        for await _ in signals.cancelOnGracefulShutdown() {
            guard self.runtime.configurationFile != nil else {
                self.runtime.logger.warning("SIGHUP ignored: the router was not started from a configuration file")
                continue
            }
            self.runtime.logger.info("SIGHUP: reloading the configuration")
            _ = try? await self.runtime.reload()
        }
    }
}

extension ReloadSignalService: CustomStringConvertible {
    public var description: String { "ReloadSignalService" }
}
