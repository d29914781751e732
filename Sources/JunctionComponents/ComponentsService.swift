import JunctionRouter
import Logging
import ServiceLifecycle

/// The hosted components as one `Service`, placed after the runtime and the listeners in the
/// router's `ServiceGroup`: it is shut down first, so every component stops (within its
/// `stop_timeout`) while the router still serves the others' goodbyes.
public final class ComponentsService: Service, Sendable {
    public let supervisor: ComponentSupervisor
    private let host: InProcessComponentHost
    private let components: [ComponentConfiguration]
    private let whenListening: @Sendable () async -> Void

    /// `url` is every instance's `JUNCTION_URL`; `whenListening` returns once it accepts
    /// connections (instances are started only then).
    public init(
        router: Router, url: String, components: [ComponentConfiguration], inProcess: [any Component] = [],
        launcher: any ProcessLauncher = SubprocessLauncher(), logger: Logger,
        whenListening: @escaping @Sendable () async -> Void = {}
    ) {
        self.supervisor = ComponentSupervisor(router: router, url: url, launcher: launcher, logger: logger)
        self.host = InProcessComponentHost(router: router, components: inProcess, logger: logger)
        self.components = components
        self.whenListening = whenListening
    }

    public func run() async throws {
        // A listener that fails to bind shuts the group down: do not wait for it forever.
        let listening = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.whenListening()
                return !Task.isCancelled
            }
            group.addTask {
                try? await gracefulShutdown()
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard listening else { return }
        await self.host.start()
        await self.supervisor.start(self.components)
        try? await gracefulShutdown()
        await self.supervisor.shutdown()
        await self.host.shutdown()
    }
}

extension ComponentsService: CustomStringConvertible {
    public var description: String { "ComponentsService" }
}
