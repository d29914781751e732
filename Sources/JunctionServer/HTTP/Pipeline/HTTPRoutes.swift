import JunctionTransport
import NIOConcurrencyHelpers

/// An HTTP listener's path map, frozen: what each request path is routed to. Exact paths first,
/// then the longest subtree (`static`, `dashboard`) whose path is a prefix at a `/` boundary.
struct HTTPRoutes: Sendable {
    enum Route: Sendable {
        /// WAMP over WebSocket: upgrades go to the WAMP pipeline, plain requests get the
        /// WebSocket endpoint's refusal (426 and friends).
        case wamp
        /// MQTT over WebSocket: upgrades offering `mqtt`/`mqttv3.1` get the MQTT pipeline.
        case mqtt(WebSocketAlternateEndpoint)
        case service(any HTTPService)
    }

    private var exact: [String: Route] = [:]
    /// Longest path first.
    private var subtrees: [(path: String, service: any HTTPService)] = []

    init(exact: [String: Route], subtrees: [String: any HTTPService]) {
        self.exact = exact
        self.subtrees = subtrees.map { ($0.key, $0.value) }.sorted { $0.path.count > $1.path.count }
    }

    /// The route of a request path (the request target without its query), and the path below
    /// the route's own (`/` for the route itself).
    func route(forPath path: Substring) -> (route: Route, subpath: Substring)? {
        if let route = self.exact[String(path)] {
            return (route, "/")
        }
        for subtree in self.subtrees {
            if subtree.path == "/" {
                return (.service(subtree.service), path)
            }
            guard path.hasPrefix(subtree.path) else { continue }
            let rest = path.dropFirst(subtree.path.count)
            if rest.isEmpty { return (.service(subtree.service), "/") }
            if rest.first == "/" { return (.service(subtree.service), rest) }
        }
        return nil
    }

    /// Lets every service release what it holds in the router (bridge sessions leave their realm).
    func retire() async {
        for route in self.exact.values {
            if case .service(let service) = route { await service.retire() }
        }
        for subtree in self.subtrees { await subtree.service.retire() }
    }

    /// The path part of a request target.
    static func path(ofTarget target: String) -> Substring {
        let end = target.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? target.endIndex
        return target[..<end]
    }
}

/// The path map a running listener reads for every request and upgrade: one value behind a lock,
/// so a configuration reload swaps every path's service at once while connections stay open.
final class HTTPServiceTable: Sendable {
    private let routes: NIOLockedValueBox<HTTPRoutes>

    init(_ routes: HTTPRoutes) {
        self.routes = NIOLockedValueBox(routes)
    }

    var current: HTTPRoutes { self.routes.withLockedValue { $0 } }

    /// Installs `routes` for every request from now on; returns the previous map (whose services
    /// may still finish requests in flight).
    @discardableResult
    func replace(with routes: HTTPRoutes) -> HTTPRoutes {
        self.routes.withLockedValue { current in
            defer { current = routes }
            return current
        }
    }
}
