/// One MQTT 5.0 property list, decoded into typed fields.
///
/// Every property the spec defines has a field; `nil` (or empty) means absent, which for most
/// properties means "the default applies", so absence and the default are kept apart. User
/// properties keep their order and repeats (§3.1.2.11.8); a PUBLISH to a subscriber carries one
/// subscription identifier per matching subscription (§3.3.4). In 3.1.1 packets the list is
/// always empty and never encoded.
public struct MQTTProperties: Sendable, Hashable {
    /// The fields, behind one copy-on-write box so a packet without properties (most of them)
    /// carries a nil reference instead of a few hundred bytes, and allocates nothing for them.
    struct Values: Hashable {
        var payloadFormatIndicator: MQTTPayloadFormat?
        var messageExpiryInterval: UInt32?
        var contentType: String?
        var responseTopic: String?
        var correlationData: [UInt8]?
        var subscriptionIdentifiers: [Int] = []
        var sessionExpiryInterval: UInt32?
        var assignedClientIdentifier: String?
        var serverKeepAlive: UInt16?
        var authenticationMethod: String?
        var authenticationData: [UInt8]?
        var requestProblemInformation: Bool?
        var willDelayInterval: UInt32?
        var requestResponseInformation: Bool?
        var responseInformation: String?
        var serverReference: String?
        var reasonString: String?
        var receiveMaximum: UInt16?
        var topicAliasMaximum: UInt16?
        var topicAlias: UInt16?
        var maximumQoS: MQTTQoS?
        var retainAvailable: Bool?
        var userProperties: [MQTTUserProperty] = []
        var maximumPacketSize: UInt32?
        var wildcardSubscriptionAvailable: Bool?
        var subscriptionIdentifierAvailable: Bool?
        var sharedSubscriptionAvailable: Bool?
    }

    final class Storage: @unchecked Sendable {
        // Mutated only through `modify`, which copies first unless this value is the sole owner.
        var values: Values

        init(_ values: Values) {
            self.values = values
        }
    }

    /// `nil` when no property was ever set. Read in place by the encoder.
    private(set) var storage: Storage?

    public init() {}

    init(_ values: Values) {
        self.storage = values == Values() ? nil : Storage(values)
    }

    /// No property present: the list encodes as the single byte 0.
    public var isEmpty: Bool {
        guard let storage = self.storage else { return true }
        return storage.values == Values()
    }

    private mutating func makeUnique() {
        if self.storage == nil {
            self.storage = Storage(Values())
        } else if !isKnownUniquelyReferenced(&self.storage!) {
            self.storage = Storage(self.storage!.values)
        }
    }

    private mutating func modify(_ body: (inout Values) -> Void) {
        self.makeUnique()
        body(&self.storage!.values)
    }

    public static func == (lhs: MQTTProperties, rhs: MQTTProperties) -> Bool {
        if lhs.storage === rhs.storage { return true }
        return (lhs.storage?.values ?? Values()) == (rhs.storage?.values ?? Values())
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.storage?.values ?? Values())
    }

    public var payloadFormatIndicator: MQTTPayloadFormat? {
        get { self.storage?.values.payloadFormatIndicator ?? nil }
        set { self.modify { $0.payloadFormatIndicator = newValue } }
    }

    public var messageExpiryInterval: UInt32? {
        get { self.storage?.values.messageExpiryInterval ?? nil }
        set { self.modify { $0.messageExpiryInterval = newValue } }
    }

    public var contentType: String? {
        get { self.storage?.values.contentType ?? nil }
        set { self.modify { $0.contentType = newValue } }
    }

    public var responseTopic: String? {
        get { self.storage?.values.responseTopic ?? nil }
        set { self.modify { $0.responseTopic = newValue } }
    }

    public var correlationData: [UInt8]? {
        get { self.storage?.values.correlationData ?? nil }
        set { self.modify { $0.correlationData = newValue } }
    }

    /// 1...268,435,455; several only in a PUBLISH sent to a client.
    public var subscriptionIdentifiers: [Int] {
        get { self.storage?.values.subscriptionIdentifiers ?? [] }
        set { self.modify { $0.subscriptionIdentifiers = newValue } }
        // In place, so appending many (a decoder's user properties) stays linear.
        _modify {
            self.makeUnique()
            yield &self.storage!.values.subscriptionIdentifiers
        }
    }

    public var sessionExpiryInterval: UInt32? {
        get { self.storage?.values.sessionExpiryInterval ?? nil }
        set { self.modify { $0.sessionExpiryInterval = newValue } }
    }

    public var assignedClientIdentifier: String? {
        get { self.storage?.values.assignedClientIdentifier ?? nil }
        set { self.modify { $0.assignedClientIdentifier = newValue } }
    }

    public var serverKeepAlive: UInt16? {
        get { self.storage?.values.serverKeepAlive ?? nil }
        set { self.modify { $0.serverKeepAlive = newValue } }
    }

    public var authenticationMethod: String? {
        get { self.storage?.values.authenticationMethod ?? nil }
        set { self.modify { $0.authenticationMethod = newValue } }
    }

    public var authenticationData: [UInt8]? {
        get { self.storage?.values.authenticationData ?? nil }
        set { self.modify { $0.authenticationData = newValue } }
    }

    public var requestProblemInformation: Bool? {
        get { self.storage?.values.requestProblemInformation ?? nil }
        set { self.modify { $0.requestProblemInformation = newValue } }
    }

    public var willDelayInterval: UInt32? {
        get { self.storage?.values.willDelayInterval ?? nil }
        set { self.modify { $0.willDelayInterval = newValue } }
    }

    public var requestResponseInformation: Bool? {
        get { self.storage?.values.requestResponseInformation ?? nil }
        set { self.modify { $0.requestResponseInformation = newValue } }
    }

    public var responseInformation: String? {
        get { self.storage?.values.responseInformation ?? nil }
        set { self.modify { $0.responseInformation = newValue } }
    }

    public var serverReference: String? {
        get { self.storage?.values.serverReference ?? nil }
        set { self.modify { $0.serverReference = newValue } }
    }

    public var reasonString: String? {
        get { self.storage?.values.reasonString ?? nil }
        set { self.modify { $0.reasonString = newValue } }
    }

    /// Never 0 (a protocol error).
    public var receiveMaximum: UInt16? {
        get { self.storage?.values.receiveMaximum ?? nil }
        set { self.modify { $0.receiveMaximum = newValue } }
    }

    public var topicAliasMaximum: UInt16? {
        get { self.storage?.values.topicAliasMaximum ?? nil }
        set { self.modify { $0.topicAliasMaximum = newValue } }
    }

    /// Never 0 (a protocol error).
    public var topicAlias: UInt16? {
        get { self.storage?.values.topicAlias ?? nil }
        set { self.modify { $0.topicAlias = newValue } }
    }

    /// Only `.atMostOnce` or `.atLeastOnce`: a server that supports QoS 2 sends no Maximum QoS.
    public var maximumQoS: MQTTQoS? {
        get { self.storage?.values.maximumQoS ?? nil }
        set { self.modify { $0.maximumQoS = newValue } }
    }

    public var retainAvailable: Bool? {
        get { self.storage?.values.retainAvailable ?? nil }
        set { self.modify { $0.retainAvailable = newValue } }
    }

    public var userProperties: [MQTTUserProperty] {
        get { self.storage?.values.userProperties ?? [] }
        set { self.modify { $0.userProperties = newValue } }
        // In place, so appending many (a decoder's user properties) stays linear.
        _modify {
            self.makeUnique()
            yield &self.storage!.values.userProperties
        }
    }

    /// Never 0 (a protocol error).
    public var maximumPacketSize: UInt32? {
        get { self.storage?.values.maximumPacketSize ?? nil }
        set { self.modify { $0.maximumPacketSize = newValue } }
    }

    public var wildcardSubscriptionAvailable: Bool? {
        get { self.storage?.values.wildcardSubscriptionAvailable ?? nil }
        set { self.modify { $0.wildcardSubscriptionAvailable = newValue } }
    }

    public var subscriptionIdentifierAvailable: Bool? {
        get { self.storage?.values.subscriptionIdentifierAvailable ?? nil }
        set { self.modify { $0.subscriptionIdentifierAvailable = newValue } }
    }

    public var sharedSubscriptionAvailable: Bool? {
        get { self.storage?.values.sharedSubscriptionAvailable ?? nil }
        set { self.modify { $0.sharedSubscriptionAvailable = newValue } }
    }
}

/// One User Property: a name/value pair of UTF-8 strings, repeatable, order preserved.
public struct MQTTUserProperty: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The Payload Format Indicator (§3.3.2.3.2): whether the payload claims to be UTF-8.
public enum MQTTPayloadFormat: UInt8, Sendable, Hashable {
    case unspecified = 0
    case utf8 = 1
}
