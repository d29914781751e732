import JunctionRouter
import Logging

/// Runs in-process `Component`s: `onStart`, join, `onJoin`; at shutdown leave, `onLeave`,
/// `onShutdown`. A component that fails is logged and left out; the others and the router go on.
public actor InProcessComponentHost {
    private let router: Router
    private let components: [any Component]
    private let logger: Logger
    private var sessions: [(any Component, LocalSession)] = []

    public init(router: Router, components: [any Component], logger: Logger) {
        self.router = router
        self.components = components
        self.logger = logger
    }

    public func start() async {
        for component in self.components {
            let metadata: Logger.Metadata = ["component": "\(component.name)", "realm": "\(component.realm)"]
            var joined: LocalSession?
            do {
                guard let realm = self.router.realm(named: component.realm) else {
                    self.logger.error("in-process component names a realm that does not exist", metadata: metadata)
                    continue
                }
                try await component.onStart()
                let session = try await LocalSession.join(realm, authid: component.name, authrole: component.role)
                joined = session
                try await component.onJoin(session)
                self.sessions.append((component, session))
                Task {
                    let ending = await session.ended()
                    await component.onLeave(ending)
                }
                self.logger.info("in-process component joined", metadata: metadata)
            } catch {
                // Half-started: what it registered before failing goes away with its session.
                await joined?.leave()
                self.logger.error(
                    "in-process component failed to start", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
    }

    public func shutdown() async {
        for (_, session) in self.sessions.reversed() { await session.leave() }
        for component in self.components.reversed() { await component.onShutdown() }
        self.sessions = []
    }
}
