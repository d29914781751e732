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

    /// `onListening` is called once the socket is bound, with its address (which resolves port 0).
    public init(
        transport: TransportConfiguration,
        runtime: JunctionRuntime,
        onListening: @escaping @Sendable (SocketAddress?) async -> Void = { _ in }
    ) {
        self.transport = transport
        self.runtime = runtime
        self.onListening = onListening
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
            return "websocket\(listener.tls == nil ? "" : " tls") \(address) path \(listener.path)"
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
