import ServiceLifecycle
import UnixSignals

/// Reloads the runtime's configuration file on SIGHUP (what `junction reload` sends), until
/// graceful shutdown. A refused file is logged by the reload and changes nothing.
public struct ReloadSignalService: Service {
    let runtime: JunctionRuntime

    public init(runtime: JunctionRuntime) {
        self.runtime = runtime
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            self.runtime.logger.info("SIGHUP: reloading the configuration")
            _ = try? await self.runtime.reload()
        }
    }
}

extension ReloadSignalService: CustomStringConvertible {
    public var description: String { "ReloadSignalService" }
}
