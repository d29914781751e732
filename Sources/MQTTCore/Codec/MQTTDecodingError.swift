/// Why bytes from a peer are not a valid MQTT packet, and the 5.0 reason code that says so.
///
/// A 5.0 server answers with CONNACK (before CONNECT completed) or DISCONNECT carrying
/// `reasonCode` and then closes; a 3.1.1 server just closes, except for the two CONNECT
/// failures that have a CONNACK return code (`connectReturnCode`). `detail` is for the log only:
/// it may quote the peer's bytes, so it never goes on the wire.
public struct MQTTDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 0x81 malformed packet, 0x82 protocol error, 0x84 unsupported protocol version,
    /// 0x85 client identifier not valid, 0x90 topic name invalid, 0x95 packet too large, ...
    public let reasonCode: MQTTReasonCode
    public let detail: String

    public init(_ reasonCode: MQTTReasonCode, _ detail: String) {
        self.reasonCode = reasonCode
        self.detail = detail
    }

    static func malformed(_ detail: String) -> MQTTDecodingError {
        MQTTDecodingError(.malformedPacket, detail)
    }

    static func protocolError(_ detail: String) -> MQTTDecodingError {
        MQTTDecodingError(.protocolError, detail)
    }

    /// The 3.1.1 CONNACK return code for this failure, when 3.1.1 has one (§3.1.4: an unknown
    /// protocol level is answered with 0x01 before closing); otherwise the connection just closes.
    public var connectReturnCode: MQTTConnectReturnCode? {
        switch self.reasonCode {
        case .unsupportedProtocolVersion: return .unacceptableProtocolVersion
        case .clientIdentifierNotValid: return .identifierRejected
        default: return nil
        }
    }

    public var description: String {
        "MQTT \(self.reasonCode) (0x\(String(self.reasonCode.rawValue, radix: 16))): \(self.detail)"
    }
}
