import NIOCore

/// What the connection must know about a command to match its replies: subscription commands
/// are answered by one confirmation per channel, not by one reply.
enum RedisCommandKind: Sendable, Hashable {
    case subscribe, psubscribe, unsubscribe, punsubscribe, ping, other

    /// Classifies by the command's name, case-insensitively, without building a `String`.
    init(_ command: RESPCommand) {
        guard let name = command.arguments.first else {
            self = .other
            return
        }
        switch name.readableBytes {
        case 4 where Self.equalsIgnoringCase(name, "PING"): self = .ping
        case 9 where Self.equalsIgnoringCase(name, "SUBSCRIBE"): self = .subscribe
        case 10 where Self.equalsIgnoringCase(name, "PSUBSCRIBE"): self = .psubscribe
        case 11 where Self.equalsIgnoringCase(name, "UNSUBSCRIBE"): self = .unsubscribe
        case 12 where Self.equalsIgnoringCase(name, "PUNSUBSCRIBE"): self = .punsubscribe
        default: self = .other
        }
    }

    /// The confirmation kind a subscription command's replies carry (`"subscribe"` for SUBSCRIBE).
    init?(confirmation: ByteBuffer) {
        switch confirmation.readableBytes {
        case 9 where Self.equalsIgnoringCase(confirmation, "SUBSCRIBE"): self = .subscribe
        case 10 where Self.equalsIgnoringCase(confirmation, "PSUBSCRIBE"): self = .psubscribe
        case 11 where Self.equalsIgnoringCase(confirmation, "UNSUBSCRIBE"): self = .unsubscribe
        case 12 where Self.equalsIgnoringCase(confirmation, "PUNSUBSCRIBE"): self = .punsubscribe
        default: return nil
        }
    }

    var isSubscription: Bool {
        switch self {
        case .subscribe, .psubscribe, .unsubscribe, .punsubscribe: return true
        case .ping, .other: return false
        }
    }

    static func equalsIgnoringCase(_ bytes: ByteBuffer, _ upper: StaticString) -> Bool {
        guard bytes.readableBytes == upper.utf8CodeUnitCount else { return false }
        let view = bytes.readableBytesView
        var index = view.startIndex
        for expected in UnsafeBufferPointer(start: upper.utf8Start, count: upper.utf8CodeUnitCount) {
            let byte = view[index]
            let folded = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) ? byte - 32 : byte
            guard folded == expected else { return false }
            index += 1
        }
        return true
    }
}
