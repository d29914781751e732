/// One MQTT control packet, in the shape both 3.1.1 and 5.0 share.
///
/// Every packet starts with a fixed header: byte 1 is the type (high nibble) and flags (low
/// nibble), then the Remaining Length as a Variable Byte Integer, then that many bytes of
/// variable header and payload. Fields that only 5.0 has (reason codes on the acks, properties)
/// are `.success` and empty in 3.1.1 packets and are not encoded there.
///
/// CONNECT, once per connection and the largest, is boxed so that the packets of the data path
/// (PUBLISH and its acks) are what decides the enum's size.
public enum MQTTPacket: Sendable, Hashable {
    indirect case connect(MQTTConnect)
    case connack(MQTTConnAck)
    case publish(MQTTPublish)
    case puback(MQTTPublishAck)
    case pubrec(MQTTPublishAck)
    case pubrel(MQTTPublishAck)
    case pubcomp(MQTTPublishAck)
    case subscribe(MQTTSubscribe)
    case suback(MQTTSubAck)
    case unsubscribe(MQTTUnsubscribe)
    case unsuback(MQTTUnsubAck)
    /// `C0 00`: no variable header, no payload.
    case pingreq
    /// `D0 00`: no variable header, no payload.
    case pingresp
    case disconnect(MQTTDisconnect)
    /// 5.0 only.
    case auth(MQTTAuth)

    public var type: MQTTPacketType {
        switch self {
        case .connect: return .connect
        case .connack: return .connack
        case .publish: return .publish
        case .puback: return .puback
        case .pubrec: return .pubrec
        case .pubrel: return .pubrel
        case .pubcomp: return .pubcomp
        case .subscribe: return .subscribe
        case .suback: return .suback
        case .unsubscribe: return .unsubscribe
        case .unsuback: return .unsuback
        case .pingreq: return .pingreq
        case .pingresp: return .pingresp
        case .disconnect: return .disconnect
        case .auth: return .auth
        }
    }
}
