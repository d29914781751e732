import Foundation
import JunctionRouter
import NIOPosix

extension HTTPRoutes {
    /// The routes of a listener's `paths`, each service wired to the runtime: bridge paths get an
    /// in-process session on their realm, `metrics` the runtime's registry, `ready` its listener
    /// readiness.
    ///
    /// - Parameter defaultBodyLimit: a bridge path's body limit when `post_body_limit` is 0 (the
    ///   listener's message size limit).
    init(
        paths: [String: HTTPPathService],
        runtime: JunctionRuntime,
        defaultBodyLimit: Int,
        authMethods: Set<AuthMethod>? = nil,
        clock: @escaping @Sendable () -> Double = HTTPRoutes.systemClock
    ) {
        var exact: [String: Route] = [:]
        var subtrees: [String: any HTTPService] = [:]
        let fileIO = NonBlockingFileIO(threadPool: .singleton)
        for (path, service) in paths {
            func bridge(_ kind: BridgeService.Kind, _ configuration: BridgePath) -> BridgeService {
                let rules = runtime.configuration.realms.first { $0.name == configuration.realm }?.uriRules ?? .loose
                return BridgeService(
                    kind: kind,
                    path: configuration,
                    session: BridgeSession(
                        router: runtime.router,
                        realm: configuration.realm,
                        role: configuration.role,
                        authid: "http:\(path)"
                    ),
                    uriRules: rules,
                    defaultBodyLimit: defaultBodyLimit,
                    clock: clock
                )
            }
            switch service {
            case .wamp: exact[path] = .wamp
            case .mqtt(let endpoint):
                let settings = MQTTWebSocketEndpoint(path: path, endpoint: endpoint)
                exact[path] = .mqtt(runtime.mqttOverWebSocket(settings, authMethods: authMethods))
            case .publisher(let configuration): exact[path] = .service(bridge(.publisher, configuration))
            case .caller(let configuration): exact[path] = .service(bridge(.caller, configuration))
            case .webhook(let configuration):
                exact[path] = .service(bridge(.webhook(configuration), configuration.bridge))
            case .metrics: exact[path] = .service(MetricsService(metrics: runtime.metrics))
            case .health: exact[path] = .service(ProbeService(kind: .health))
            case .ready:
                var joined: (@Sendable () -> Bool)?
                if let cluster = runtime.cluster { joined = { cluster.isReady } }
                exact[path] = .service(ProbeService(kind: .ready(runtime.readiness, clusterJoined: joined)))
            case .dashboard(nil): subtrees[path] = DashboardService()
            case .dashboard(let directory?): subtrees[path] = StaticFileService(directory: directory, fileIO: fileIO)
            case .static(let directory): subtrees[path] = StaticFileService(directory: directory, fileIO: fileIO)
            }
        }
        self.init(exact: exact, subtrees: subtrees)
    }

    /// Seconds since the epoch from the system clock.
    static let systemClock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
}
