/// DISCONNECT (type 14, flags 0000). 3.1.1: empty, client to server only. 5.0: either direction,
/// with a reason code and properties, both optional (Remaining Length 0 is a normal
/// disconnection, 1 a reason code without properties).
public struct MQTTDisconnect: Sendable, Hashable {
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(reasonCode: MQTTReasonCode = .normalDisconnection, properties: MQTTProperties = MQTTProperties()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

/// AUTH (type 15, flags 0000; 5.0 only): one step of an extended authentication exchange.
/// Reason code (0x00, 0x18 continue, 0x19 re-authenticate) and properties, both omitted when
/// the code is 0x00 without properties (Remaining Length 0).
public struct MQTTAuth: Sendable, Hashable {
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = MQTTProperties()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}
