import JunctionTransport
import Logging
import NIOCore
import ServiceLifecycle

/// One listening socket of a `JunctionRuntime` as a `Service`: binds when run, reports where, and
/// stops accepting at graceful shutdown. The connections it accepted stay open: the runtime, shut
/// down after every listener, says GOODBYE to their sessions.
public struct ListenerService: Service {
    public let transport: TransportConfiguration
    let runtime: JunctionRuntime
    let onListening: @Sendable (SocketAddress?) async -> Void
    /// A WebSocket listener's HTTP path map, read per request and upgrade (`nil` for RawSocket).
    let httpTable: HTTPServiceTable?

    /// `onListening` is called once the socket is bound, with its address (which resolves port 0).
    public init(
        transport: TransportConfiguration,
        runtime: JunctionRuntime,
        onListening: @escaping @Sendable (SocketAddress?) async -> Void = { _ in }
    ) {
        self.transport = transport
        self.runtime = runtime
        self.onListening = onListening
        if case .webSocket(let listener) = transport {
            self.httpTable = HTTPServiceTable(
                HTTPRoutes(
                    paths: listener.routes,
                    runtime: runtime,
                    defaultBodyLimit: Self.bodyLimit(listener, runtime: runtime),
                    authMethods: listener.authMethods
                )
            )
        } else {
            self.httpTable = nil
        }
    }

    /// Serves `paths` from the next request on (a configuration reload); connections stay open.
    /// The replaced services' sessions leave their realms, so a bridge request still in flight
    /// on them may get 503. Does nothing for a RawSocket listener.
    public func replaceHTTPPaths(_ paths: [String: HTTPPathService]) async {
        guard let table = self.httpTable, case .webSocket(let listener) = self.transport else { return }
        var updated = listener
        updated.paths = paths
        let previous = table.replace(
            with: HTTPRoutes(
                paths: updated.routes,
                runtime: self.runtime,
                defaultBodyLimit: Self.bodyLimit(updated, runtime: self.runtime),
                authMethods: updated.authMethods
            )
        )
        await previous.retire()
    }

    /// A bridge path's body limit when its `post_body_limit` is 0: the listener's message limit.
    static func bodyLimit(_ listener: WebSocketListener, runtime: JunctionRuntime) -> Int {
        listener.maxMessageSize ?? runtime.configuration.limits.maxMessageSize
    }

    public func run() async throws {
        let channel = try await self.bind()
        self.runtime.logger.info("listening", metadata: ["transport": "\(self.describe(channel))"])
        await self.onListening(channel.localAddress)
        try? await gracefulShutdown()
        try? await channel.close()
    }

    private func describe(_ channel: any Channel) -> String {
        self.describe(address: channel.localAddress.map { "\($0)" } ?? "?")
    }

    private func describe(address: String) -> String {
        switch self.transport {
        case .webSocket(let listener):
            let paths = listener.routes.map { "\($0.key) \($0.value.typeName)" }.sorted().joined(separator: ", ")
            return "websocket\(listener.tls == nil ? "" : " tls") \(address) paths \(paths)"
        case .rawSocket(let listener):
            return "rawsocket\(listener.tls == nil ? "" : " tls") \(address)"
        case .mqtt(let listener):
            return "mqtt\(listener.tls == nil ? "" : " tls") \(address) realm \(listener.endpoint.realm)"
        }
    }
}

/// How `ServiceGroup` names the service in its logs.
extension ListenerService: CustomStringConvertible {
    public var description: String {
        let address: String
        switch self.transport {
        case .webSocket(let listener): address = "\(listener.host):\(listener.port)"
        case .rawSocket(let listener):
            switch listener.endpoint {
            case .tcp(let host, let port): address = "\(host):\(port)"
            case .unix(let path): address = path
            }
        case .mqtt(let listener): address = "\(listener.host):\(listener.port)"
        }
        return "ListenerService(\(self.describe(address: address)))"
    }
}
