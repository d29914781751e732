import Logging
import ServiceLifecycle

/// Runs a `JunctionServer` as a `Service`, so SIGINT/SIGTERM shut it down gracefully: every
/// session gets GOODBYE `wamp.close.system_shutdown` before the process exits.
public struct JunctionService: Service {
    public let configuration: JunctionConfiguration
    public let logger: Logger

    public init(configuration: JunctionConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let server = try await JunctionServer.start(configuration: self.configuration, logger: self.logger)
        try? await gracefulShutdown()
        await server.shutdown()
    }
}
