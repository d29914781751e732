import MQTTCore

/// An application message as a session sees it: what a client published, or what is delivered
/// to a subscriber. `properties` holds the message's own 5.0 properties (payload format, message
/// expiry, content type, response topic, correlation data, user properties), never a topic alias
/// or subscription identifier, which belong to one connection.
public struct MQTTApplicationMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool
    public var properties: MQTTProperties

    public init(
        topic: String,
        payload: [UInt8],
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }

    /// The message part of a PUBLISH's properties.
    static func messageProperties(of properties: MQTTProperties) -> MQTTProperties {
        var result = MQTTProperties()
        guard !properties.isEmpty else { return result }
        result.payloadFormatIndicator = properties.payloadFormatIndicator
        result.messageExpiryInterval = properties.messageExpiryInterval
        result.contentType = properties.contentType
        result.responseTopic = properties.responseTopic
        result.correlationData = properties.correlationData
        result.userProperties = properties.userProperties
        return result
    }
}

/// A shared subscription (`$share/{shareName}/{filter}`) a message was delivered through.
public struct MQTTShare: Sendable, Hashable {
    public var shareName: String
    public var filter: String

    public init(shareName: String, filter: String) {
        self.shareName = shareName
        self.filter = filter
    }
}

/// A message waiting for, or in, delivery to one subscriber.
public struct MQTTOutboundMessage: Sendable, Hashable {
    public var message: MQTTApplicationMessage
    public var subscriptionIdentifiers: [Int]
    /// When it was queued (nanoseconds, the machine's clock): message expiry counts from here.
    public var queuedAt: UInt64
    /// Set when it came through a shared subscription: if this session ends before the client
    /// acknowledged it, another member of the group gets it.
    public var share: MQTTShare?

    public init(
        message: MQTTApplicationMessage,
        subscriptionIdentifiers: [Int] = [],
        queuedAt: UInt64 = 0,
        share: MQTTShare? = nil
    ) {
        self.message = message
        self.subscriptionIdentifiers = subscriptionIdentifiers
        self.queuedAt = queuedAt
        self.share = share
    }

    /// What the message costs against `max_queued_bytes`.
    var size: Int { self.message.topic.utf8.count + self.message.payload.count }
}

/// One topic filter a session subscribed to.
public struct MQTTSubscriptionEntry: Sendable, Hashable {
    /// The filter as matched (for `$share/g/f`, `f`).
    public var filter: String
    /// The share name of a `$share/` subscription.
    public var shareName: String?
    public var options: MQTTSubscriptionOptions
    public var identifier: Int?
    /// The realm subscription serving it, once the realm confirmed it.
    public var realmSubscription: UInt64?

    public init(
        filter: String,
        shareName: String? = nil,
        options: MQTTSubscriptionOptions,
        identifier: Int? = nil,
        realmSubscription: UInt64? = nil
    ) {
        self.filter = filter
        self.shareName = shareName
        self.options = options
        self.identifier = identifier
        self.realmSubscription = realmSubscription
    }
}

/// A QoS 1 or 2 message sent to the client and not yet acknowledged.
public struct MQTTInflightMessage: Sendable, Hashable {
    public var outbound: MQTTOutboundMessage
    /// The QoS 2 message was PUBREC'd: PUBREL sent, PUBCOMP awaited.
    public var released: Bool
    /// Order of sending, kept for redelivery.
    public var sequence: UInt64
}

/// What outlives a connection when the session is persistent (3.1.1 `clean session = 0`, 5.0
/// session expiry > 0): subscriptions, un-acknowledged and queued QoS ≥ 1 messages, the QoS 2
/// messages received and not yet released. A new connection of the same client id takes it
/// over; `MQTTSessionStore` keeps the ones without a connection.
public struct MQTTSessionState: Sendable, Hashable {
    /// By the filter as subscribed (`$share/g/f` included).
    public var subscriptions: [String: MQTTSubscriptionEntry] = [:]
    public var inflight: [UInt16: MQTTInflightMessage] = [:]
    public var queue: [MQTTOutboundMessage] = []
    public var queuedBytes = 0
    /// Inbound QoS 2 packet ids PUBREC'd and not yet PUBREL'd: a re-sent PUBLISH with one of
    /// them is not published again (exactly once).
    public var inboundQoS2: Set<UInt16> = []
    var nextPacketIdentifier: UInt16 = 1
    var nextSequence: UInt64 = 0

    public init() {}

    /// The next packet id not in flight.
    mutating func allocatePacketIdentifier() -> UInt16 {
        while true {
            let id = self.nextPacketIdentifier
            self.nextPacketIdentifier = id == .max ? 1 : id + 1
            if self.inflight[id] == nil { return id }
        }
    }
}

/// How the machine is configured by its listener (`limits` of an `mqtt` transport).
public struct MQTTSessionConfiguration: Sendable, Hashable {
    /// QoS ≥ 1 publications a client may have un-acknowledged (5.0 Receive Maximum we announce).
    public var receiveMaximum: UInt16 = 100
    /// Topic aliases a client may use towards us.
    public var topicAliasMaximum: UInt16 = 32
    /// Largest packet accepted (announced as Maximum Packet Size).
    public var maximumPacketSize: Int = 1024 * 1024
    /// Longest keep-alive granted (seconds); a longer or zero one is replaced and announced as
    /// Server Keep Alive (5.0). `0`: whatever the client asks.
    public var maximumKeepAlive: UInt16 = 0
    /// Longest session expiry granted (seconds); 3.1.1 persistent sessions get this.
    public var maximumSessionExpiry: UInt32 = 86_400
    /// Messages and bytes queued per session (offline, or beyond the client's receive maximum).
    public var maxQueuedMessages: Int = 1000
    public var maxQueuedBytes: Int = 16 * 1024 * 1024
    /// Whether `$share/` subscriptions are available.
    public var sharedSubscriptions = true

    public init() {}
}

/// Why a session ended and what the connection's owner does next.
public struct MQTTSessionEnd: Sendable, Hashable {
    /// The will to publish, after `willDelay` seconds (unless the session is resumed first).
    public var will: MQTTWill?
    public var willDelay: UInt32
    /// Seconds the session is kept without a connection; 0: it ends now (leave the realm).
    public var sessionExpiry: UInt32
}
