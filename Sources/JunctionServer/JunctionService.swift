import JunctionComponents
import Logging
import ServiceLifecycle

/// The whole router as one `Service`, for embedders that add Junction to their own `ServiceGroup`:
/// it runs `JunctionRuntime.services()` in a nested group, which follows the parent's graceful
/// shutdown (every session gets GOODBYE `wamp.close.system_shutdown`).
public struct JunctionService: Service {
    public let configuration: JunctionConfiguration
    public let logger: Logger
    /// In-process components, joined after the listeners (next to `configuration.components`).
    public let components: [any Component]

    public init(configuration: JunctionConfiguration, components: [any Component] = [], logger: Logger) {
        self.configuration = configuration
        self.components = components
        self.logger = logger
    }

    public func run() async throws {
        let runtime = JunctionRuntime(configuration: self.configuration, logger: self.logger)
        try await ServiceGroup(services: runtime.services(components: self.components), logger: self.logger).run()
    }
}
