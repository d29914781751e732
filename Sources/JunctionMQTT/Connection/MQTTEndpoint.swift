import JunctionRouter
import Logging
import NIOCore

/// One MQTT listener's settings: the realm its clients join, the session limits, the payload
/// mapping.
public struct MQTTEndpoint: Sendable, Hashable {
    public var realm: String
    public var session: MQTTSessionConfiguration
    public var payload: MQTTPayloadMapping

    public init(
        realm: String,
        session: MQTTSessionConfiguration = MQTTSessionConfiguration(),
        payload: MQTTPayloadMapping = MQTTPayloadMapping()
    ) {
        self.realm = realm
        self.session = session
        self.payload = payload
    }
}

/// What every connection of one MQTT listener shares: its settings, the router's MQTT broker
/// state, the loops' mailboxes and what authentication needs from the server (the
/// establishment environment, the failed-login table, the TLS client certificate).
public struct MQTTConnectionContext: Sendable {
    public let endpoint: MQTTEndpoint
    public let broker: MQTTBroker
    public let mailboxes: LoopMailboxes
    public let establishment: EstablishmentEnvironment
    public let loginFailures: @Sendable (String) -> LoginFailureHistory
    public let recordLoginFailure: @Sendable (String, Int64) -> Void
    public let clientCertificate: @Sendable (any Channel) -> ClientCertificate?
    public let isTLS: @Sendable (any Channel) -> Bool
    public let logger: Logger
    /// Counts every packet read and written (`junction_mqtt_packets_total`).
    public var packets = MQTTPacketCounting.none
    /// Per event loop: the publication being fanned out, converted and encoded once.
    public let deliveries = MQTTDeliveryMemos()

    public init(
        endpoint: MQTTEndpoint,
        broker: MQTTBroker,
        mailboxes: LoopMailboxes,
        establishment: EstablishmentEnvironment,
        loginFailures: @escaping @Sendable (String) -> LoginFailureHistory,
        recordLoginFailure: @escaping @Sendable (String, Int64) -> Void,
        clientCertificate: @escaping @Sendable (any Channel) -> ClientCertificate?,
        isTLS: @escaping @Sendable (any Channel) -> Bool,
        logger: Logger
    ) {
        self.endpoint = endpoint
        self.broker = broker
        self.mailboxes = mailboxes
        self.establishment = establishment
        self.loginFailures = loginFailures
        self.recordLoginFailure = recordLoginFailure
        self.clientCertificate = clientCertificate
        self.isTLS = isTLS
        self.logger = logger
    }
}
