/// The error codes a router puts in the upper nibble of the second octet of a handshake error
/// reply (`0x7F, code << 4, 0x00, 0x00`). Code 0 is illegal and therefore has no case.
public enum RawSocketHandshakeError: UInt8, Sendable, Hashable, CustomStringConvertible {
    case serializerUnsupported = 1
    case maximumMessageLengthUnacceptable = 2
    case reservedBitsUsed = 3
    case maximumConnectionCountReached = 4

    public var description: String {
        switch self {
        case .serializerUnsupported: return "serializer unsupported"
        case .maximumMessageLengthUnacceptable: return "maximum message length unacceptable"
        case .reservedBitsUsed: return "use of reserved bits (unsupported feature)"
        case .maximumConnectionCountReached: return "maximum connection count reached"
        }
    }
}
