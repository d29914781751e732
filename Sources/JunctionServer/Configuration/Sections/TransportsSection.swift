import JunctionRouter
import WAMPCore

/// `transports`: one listener per entry, `websocket`, `rawsocket` (TCP or Unix) or `mqtt`
/// (`TransportsSection+MQTT`), each with its serializers, size limit, liveness, TLS
/// (`TransportsSection+TLS`) and allowed auth methods; a `websocket` listener's HTTP `paths` are
/// read by `TransportsSection+Paths`.
enum TransportsSection: ConfigurationSection {
    static let key = "transports"
    static let isRequired = true

    /// The keys every transport type accepts; each type adds its own.
    private static let commonKeys: Set<String> = [
        "type", "host", "port", "serializers", "max_message_size", "ping_interval", "ping_timeout", "max_connections",
        "tls", "auth_methods",
    ]

    static func read(_ reader: inout NodeReader, into draft: inout ConfigurationDraft) throws(ConfigurationError) {
        var transports: [TransportConfiguration] = []
        for var transport in try reader.items(nonEmpty: true) {
            transports.append(try self.transport(&transport, realms: draft.configuration.realms))
        }
        draft.configuration.transports = transports
    }

    private static func transport(
        _ node: inout NodeReader,
        realms: [RealmConfiguration]
    ) throws(ConfigurationError) -> TransportConfiguration {
        let type = try node.string("type", oneOf: ["websocket", "rawsocket", "mqtt"])
        let serializerNames = try node.optionalStringList("serializers", oneOf: ["json", "msgpack", "cbor"])
        let serializers = serializerNames?.compactMap(SerializerKind.init(name:)) ?? SerializerKind.allCases
        let maxMessageSize = try node.optionalInt("max_message_size", range: 512...(1 << 30))
        var liveness = Liveness()
        liveness.pingInterval = try node.optionalInt("ping_interval", range: 0...86400) ?? liveness.pingInterval
        liveness.pingTimeout = try node.optionalInt("ping_timeout", range: 1...86400) ?? liveness.pingTimeout
        liveness.maxConnections =
            try node.optionalInt("max_connections", range: 1...10_000_000) ?? liveness.maxConnections
        let authMethods = try node.optionalStringList("auth_methods", oneOf: Set(AuthMethod.allCases.map(\.rawValue)))
            .map { Set($0.compactMap(AuthMethod.init(rawValue:))) }
        var tls: TLSListenerConfiguration?
        if var tlsNode = try node.optionalChild("tls") {
            tls = try self.tls(&tlsNode, of: node)
        }
        switch type {
        case "mqtt":
            return .mqtt(try self.mqtt(&node, liveness: liveness, tls: tls, authMethods: authMethods))
        case "websocket":
            try node.allowKeys(self.commonKeys.union(["path", "paths", "mqtt"]))
            let path = try node.optionalString("path") ?? "/ws"
            guard path.hasPrefix("/") else { throw node.error("path", "must start with '/'") }
            let paths = try self.paths(node, realms: realms)
            if !paths.isEmpty, try node.optionalString("path") != nil {
                throw node.error("path", "give either 'path' (WAMP only) or 'paths', not both")
            }
            var listener = WebSocketListener(
                host: try node.optionalString("host") ?? "127.0.0.1",
                port: try node.int("port", range: 0...65535),
                path: path,
                serializers: serializers,
                maxMessageSize: maxMessageSize
            )
            listener.paths = paths
            listener.liveness = liveness
            listener.tls = tls
            listener.authMethods = authMethods
            // `mqtt: {realm, path, ...}` is shorthand for one more path of type `mqtt`.
            if var mqtt = try node.optionalChild("mqtt") {
                let endpoint = try self.mqttOverWebSocket(&mqtt)
                if listener.paths.isEmpty { listener.paths = [path: .wamp] }
                guard listener.paths[endpoint.path] == nil else {
                    throw mqtt.error("path", "path \(endpoint.path) is already served")
                }
                listener.paths[endpoint.path] = .mqtt(endpoint.endpoint)
            }
            return .webSocket(listener)
        default:
            try node.allowKeys(self.commonKeys.union(["unix"]))
            let endpoint: RawSocketListener.Endpoint
            if let path = try node.optionalString("unix") {
                guard try node.optionalInt("port", range: 0...65535) == nil else {
                    throw node.error("unix", "a rawsocket transport has either 'unix' or 'port', not both")
                }
                endpoint = .unix(path: path)
                guard tls == nil else { throw node.error("tls", "TLS needs a TCP endpoint (host/port), not 'unix'") }
            } else {
                endpoint = .tcp(
                    host: try node.optionalString("host") ?? "127.0.0.1",
                    port: try node.int("port", range: 0...65535)
                )
            }
            var listener = RawSocketListener(
                endpoint: endpoint,
                serializers: serializers,
                maxMessageSize: maxMessageSize
            )
            listener.liveness = liveness
            listener.tls = tls
            listener.authMethods = authMethods
            return .rawSocket(listener)
        }
    }
}
