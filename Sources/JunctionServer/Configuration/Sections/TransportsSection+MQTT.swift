import JunctionMQTT
import JunctionRouter

/// `type: mqtt` transports and the `mqtt` key of a WebSocket transport.
///
/// ```yaml
/// - type: mqtt
///   realm: realm1
///   host: 127.0.0.1
///   port: 1883
///   limits: {max_packet_size: 1048576, receive_maximum: 100, topic_alias_maximum: 32, max_keep_alive: 0,
///            max_session_expiry: 86400, max_queued_messages: 1000, max_queued_bytes: 16777216}
///   payload: {mode: json, prefixes: [{prefix: raw/, mode: passthrough}]}
/// ```
extension TransportsSection {
    static let mqttKeys: Set<String> = [
        "type", "host", "port", "max_connections", "tls", "auth_methods", "realm", "limits", "payload",
    ]

    static func mqtt(
        _ node: inout NodeReader,
        liveness: Liveness,
        tls: TLSListenerConfiguration?,
        authMethods: Set<AuthMethod>?
    ) throws(ConfigurationError) -> MQTTListener {
        try node.allowKeys(self.mqttKeys)
        var listener = MQTTListener(
            host: try node.optionalString("host") ?? "127.0.0.1",
            port: try node.optionalInt("port", range: 0...65535) ?? 1883,
            endpoint: try self.mqttEndpoint(&node)
        )
        listener.liveness = liveness
        listener.tls = tls
        listener.authMethods = authMethods
        return listener
    }

    /// The `mqtt` key of a WebSocket transport: `{realm, path, limits, payload}`.
    static func mqttOverWebSocket(_ node: inout NodeReader) throws(ConfigurationError) -> MQTTWebSocketEndpoint {
        try node.allowKeys(["realm", "path", "limits", "payload"])
        let path = try node.optionalString("path") ?? "/mqtt"
        guard path.hasPrefix("/") else { throw node.error("path", "must start with '/'") }
        return MQTTWebSocketEndpoint(path: path, endpoint: try self.mqttEndpoint(&node))
    }

    static func mqttEndpoint(_ node: inout NodeReader) throws(ConfigurationError) -> MQTTEndpoint {
        var endpoint = MQTTEndpoint(realm: try node.string("realm"))
        if let limits = try node.optionalChild("limits") {
            try limits.allowKeys([
                "max_packet_size", "receive_maximum", "topic_alias_maximum", "max_keep_alive", "max_session_expiry",
                "max_queued_messages", "max_queued_bytes",
            ])
            var session = MQTTSessionConfiguration()
            session.maximumPacketSize =
                try limits.optionalInt("max_packet_size", range: 64...268_435_460) ?? session.maximumPacketSize
            session.receiveMaximum = UInt16(
                try limits.optionalInt("receive_maximum", range: 1...65535) ?? Int(session.receiveMaximum)
            )
            session.topicAliasMaximum = UInt16(
                try limits.optionalInt("topic_alias_maximum", range: 0...65535) ?? Int(session.topicAliasMaximum)
            )
            session.maximumKeepAlive = UInt16(
                try limits.optionalInt("max_keep_alive", range: 0...65535) ?? Int(session.maximumKeepAlive)
            )
            session.maximumSessionExpiry = UInt32(
                try limits.optionalInt("max_session_expiry", range: 0...Int(UInt32.max))
                    ?? Int(session.maximumSessionExpiry)
            )
            session.maxQueuedMessages =
                try limits.optionalInt("max_queued_messages", range: 0...10_000_000) ?? session.maxQueuedMessages
            session.maxQueuedBytes =
                try limits.optionalInt("max_queued_bytes", range: 0...(1 << 40)) ?? session.maxQueuedBytes
            endpoint.session = session
        }
        if let payload = try node.optionalChild("payload") {
            try payload.allowKeys(["mode", "prefixes"])
            let modes = Set(MQTTPayloadMode.allCases.map(\.rawValue))
            if let mode = try payload.optionalString("mode", oneOf: modes) {
                endpoint.payload.defaultMode = MQTTPayloadMode(rawValue: mode)!
            }
            for item in try payload.list("prefixes", nonEmpty: false) {
                try item.allowKeys(["prefix", "mode"])
                let prefix = try item.string("prefix")
                endpoint.payload.prefixes[prefix] = MQTTPayloadMode(rawValue: try item.string("mode", oneOf: modes))!
            }
        }
        return endpoint
    }
}
