import JunctionMQTT
import MQTTCore
import Prometheus
import JunctionRouter
import JunctionTransport
import NIOCore
import NIOWebSocket

/// What MQTT listeners get from the runtime: the shared connection context (realms, security,
/// mailboxes, the MQTT broker state) and MQTT over WebSocket.
extension JunctionRuntime {
    func mqttContext(_ endpoint: MQTTEndpoint, authMethods: Set<AuthMethod>?) -> MQTTConnectionContext {
        let limits = self.configuration.limits
        let security = self.security.forListener(authMethods: authMethods, limits: limits, router: self.router)
        let failures = security.failures
        var context = MQTTConnectionContext(
            endpoint: endpoint,
            broker: self.mqttBroker,
            mailboxes: self.mailboxes,
            establishment: security.establishment,
            loginFailures: { failures.history(of: $0) },
            recordLoginFailure: { failures.recordFailure($0, at: $1) },
            clientCertificate: { $0.tlsClientCertificate() },
            isTLS: { $0.isTLSProtected() },
            logger: self.logger
        )
        context.packets = self.mqttPacketCounting()
        return context
    }

    /// `junction_mqtt_packets_total{direction, type}`: every counter resolved once (per listener),
    /// so a packet costs one atomic increment.
    func mqttPacketCounting() -> MQTTPacketCounting {
        let types = MQTTPacketType.allCases
        let slots = Int(types.map(\.rawValue).max() ?? 0) + 1
        var inbound = [Counter?](repeating: nil, count: slots)
        var outbound = [Counter?](repeating: nil, count: slots)
        for type in types {
            let name = "\(type)".lowercased()
            inbound[Int(type.rawValue)] = self.metrics.mqttPacketCounter(direction: "in", type: name)
            outbound[Int(type.rawValue)] = self.metrics.mqttPacketCounter(direction: "out", type: name)
        }
        return MQTTPacketCounting { [inbound, outbound] direction, type in
            switch direction {
            case .inbound: inbound[Int(type.rawValue)]?.increment()
            case .outbound: outbound[Int(type.rawValue)]?.increment()
            }
        }
    }

    /// The `/mqtt` endpoint of a WebSocket listener.
    func mqttOverWebSocket(
        _ settings: MQTTWebSocketEndpoint,
        authMethods: Set<AuthMethod>?
    ) -> WebSocketAlternateEndpoint {
        let context = self.mqttContext(settings.endpoint, authMethods: authMethods)
        // Not waited for (routes are built synchronously): a client connecting in the moment
        // before its stored session owns its client id starts afresh, and the log says so.
        self.rejoinStoredMQTTSessions(context)
        let maxFrameSize = settings.endpoint.session.maximumPacketSize
        return WebSocketAlternateEndpoint(
            path: settings.path,
            selectSubprotocol: { offered in MQTTWebSocketFrameHandler.subprotocol(offered: offered) },
            configurePipeline: { pipeline in
                // The upgrader's decoder has the WAMP pre-session limit; MQTT packets may be larger.
                if let old = try? pipeline.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self) {
                    try pipeline.addHandler(
                        ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)),
                        position: .after(old)
                    )
                    pipeline.removeHandler(old, promise: nil)
                }
                try pipeline.addHandlers([MQTTWebSocketFrameHandler(), MQTTConnectionHandler(context: context)])
            }
        )
    }
}
